#include "cli/output.h"

#include <cmath>
#include <cstdio>

#include "absl/flags/flag.h"
#include "google/protobuf/util/json_util.h"
#include "util/format.h"

ABSL_FLAG(std::string, format, "table",
          "Output format: table (for people), or csv or json (for programs); "
          "each command lists the formats it supports.");

namespace lrsweep::cli {

std::string ToJson(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  return status.ok() ? json : "null";
}

std::string JsonNumber(double value) {
  return std::isfinite(value) ? util::FormatDouble(value) : "null";
}

int ReportError(const char* command, const absl::Status& status) {
  std::fprintf(stderr, "lrsweep %s: %s\n", command,
               std::string(status.message()).c_str());
  return status.code() == absl::StatusCode::kInvalidArgument ||
                 status.code() == absl::StatusCode::kNotFound
             ? 2
             : 1;
}

}  // namespace lrsweep::cli
