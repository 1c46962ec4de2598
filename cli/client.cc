#include "cli/client.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "util/format.h"

ABSL_FLAG(std::string, coordinator, "localhost:50051",
          "Address of the coordinator, HOST:PORT.");

namespace lrsweep::cli {
namespace {

std::string FormatValue(const google::protobuf::Value& value) {
  switch (value.kind_case()) {
    case google::protobuf::Value::kNumberValue:
      return util::FormatDouble(value.number_value());
    case google::protobuf::Value::kBoolValue:
      return value.bool_value() ? "true" : "false";
    case google::protobuf::Value::kStringValue:
      return absl::StrCat("'", value.string_value(), "'");
    case google::protobuf::Value::kListValue: {
      std::vector<std::string> items;
      for (const auto& item : value.list_value().values()) items.push_back(FormatValue(item));
      return absl::StrCat("[", absl::StrJoin(items, ", "), "]");
    }
    case google::protobuf::Value::kStructValue: {
      std::vector<std::string> items;
      std::map<std::string, const google::protobuf::Value*> sorted;
      for (const auto& [key, item] : value.struct_value().fields()) sorted[key] = &item;
      for (const auto& [key, item] : sorted) {
        items.push_back(absl::StrCat(key, ": ", FormatValue(*item)));
      }
      return absl::StrCat("{", absl::StrJoin(items, ", "), "}");
    }
    default:
      return "None";
  }
}

// `name(key=value, ...)` with the arguments in name order.
std::string FormatCall(const std::string& name, const google::protobuf::Struct& args) {
  std::map<std::string, const google::protobuf::Value*> sorted;
  for (const auto& [key, value] : args.fields()) sorted[key] = &value;
  std::vector<std::string> parts;
  for (const auto& [key, value] : sorted) {
    parts.push_back(absl::StrCat(key, "=", FormatValue(*value)));
  }
  return absl::StrCat(name, "(", absl::StrJoin(parts, ", "), ")");
}

}  // namespace

std::unique_ptr<v1::SweepService::Stub> ConnectSweepService(const std::string& address) {
  return v1::SweepService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

std::unique_ptr<grpc::ClientContext> NewClientContext(double seconds) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (seconds > 0) {
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000)));
  }
  return context;
}

absl::Status FromGrpc(const grpc::Status& status, const std::string& address) {
  if (status.ok()) return absl::OkStatus();
  const auto code = static_cast<absl::StatusCode>(status.error_code());
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE ||
      status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED) {
    return absl::Status(code, absl::StrCat("coordinator ", address, " unavailable (",
                                           status.error_message(),
                                           "); is lrsweep-coordinator running there?"));
  }
  return absl::Status(code, status.error_message());
}

std::string FormatSolver(const v1::SolverSpec& solver) {
  return FormatCall(solver.name(), solver.args());
}

std::string FormatScheduler(const v1::SchedulerSpec& scheduler) {
  if (scheduler.name().empty()) return "constant";
  return FormatCall(scheduler.name(), scheduler.args());
}

std::string FormatDuration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const int64_t total = static_cast<int64_t>(std::llround(seconds));
  if (total < 60) return absl::StrCat(total, "s");
  if (total < 3600) return absl::StrFormat("%dm%02ds", total / 60, total % 60);
  return absl::StrFormat("%dh%02dm", total / 3600, (total % 3600) / 60);
}

std::string FormatProgress(const v1::SweepProgress& progress) {
  const v1::JobCounts& counts = progress.counts();
  const int64_t done = counts.succeeded() + counts.diverged() + counts.failed() + counts.cancelled();
  constexpr int kWidth = 24;
  const int filled = counts.total() > 0 ? static_cast<int>(kWidth * done / counts.total()) : 0;
  std::string bar = absl::StrCat("[", std::string(filled, '#'),
                                 std::string(kWidth - filled, '-'), "]");
  std::string line = absl::StrFormat("%s %lld/%lld done  %lld running  %lld pending  %lld failed",
                                     bar, done, counts.total(), counts.running(),
                                     counts.pending(), counts.failed());
  if (progress.has_best() && progress.best().has_objective_mean()) {
    absl::StrAppend(&line, absl::StrFormat("  best %.4g", progress.best().objective_mean()));
  }
  if (done > 0 && done < counts.total()) {
    const double eta = progress.elapsed_seconds() / done * (counts.total() - done);
    absl::StrAppend(&line, "  ETA ", FormatDuration(eta));
  }
  return line;
}

}  // namespace lrsweep::cli
