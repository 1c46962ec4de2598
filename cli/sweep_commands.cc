// The subcommands that talk to a running coordinator: submit, status, watch,
// leaderboard, jobs, cancel and export.
#include <unistd.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "spec/parser.h"
#include "util/format.h"
#include "util/status_macros.h"

ABSL_FLAG(int, top_k, 20, "leaderboard: configurations to show, best first.");

namespace lrsweep::cli {

// Prints the number of failed jobs and the first one's error, if any failed.
absl::Status PrintFailures(v1::SweepService::Stub* stub, const std::string& address,
                           const v1::Sweep& sweep, FILE* out);

namespace {

std::string Address() { return absl::GetFlag(FLAGS_coordinator); }

absl::Status CheckFormat(const std::vector<std::string>& allowed) {
  const std::string format = absl::GetFlag(FLAGS_format);
  for (const std::string& value : allowed) {
    if (value == format) return absl::OkStatus();
  }
  std::string list;
  for (const std::string& value : allowed) absl::StrAppend(&list, list.empty() ? "" : ", ", value);
  return absl::InvalidArgumentError(
      absl::StrCat("--format: must be one of ", list, ", got '", format, "'"));
}

std::string Cell(const std::optional<double>& value, const char* format = "%.4g") {
  return value.has_value() ? absl::StrFormat(format, *value) : "-";
}

// `12.3ms` below a second, `4.56s` above.
std::string FormatSeconds(double seconds) {
  return seconds < 1 ? absl::StrFormat("%.1fms", seconds * 1000) : absl::StrFormat("%.2fs", seconds);
}

std::string Counts(const v1::JobCounts& counts) {
  return absl::StrFormat(
      "%lld total: %lld succeeded, %lld diverged, %lld failed, %lld cancelled, %lld running, "
      "%lld pending",
      counts.total(), counts.succeeded(), counts.diverged(), counts.failed(),
      counts.cancelled(), counts.running(), counts.pending());
}

void PrintSweep(const v1::Sweep& sweep) {
  std::printf("sweep:   %s%s\n", sweep.sweep_id().c_str(),
              sweep.name().empty() ? "" : absl::StrCat(" (", sweep.name(), ")").c_str());
  std::printf("state:   %s\n", v1::Sweep::State_Name(sweep.state()).c_str());
  std::printf("jobs:    %s\n", Counts(sweep.counts()).c_str());
  std::printf("configs: %lld\n", static_cast<long long>(sweep.config_count()));
  if (sweep.duplicate_jobs() > 0) {
    std::printf("duplicates collapsed: %lld\n", static_cast<long long>(sweep.duplicate_jobs()));
  }
  for (const auto& [reason, count] : sweep.dropped_jobs()) {
    std::printf("dropped: %lld jobs: %s\n", static_cast<long long>(count), reason.c_str());
  }
}

absl::Status Submit(const std::string& path) {
  ASSIGN_OR_RETURN(v1::SweepSpec spec, spec::LoadSweepSpec(path));
  v1::CreateSweepRequest request;
  *request.mutable_spec() = spec;
  v1::Sweep sweep;
  auto stub = ConnectSweepService(Address());
  auto context = NewClientContext(120);
  RETURN_IF_ERROR(FromGrpc(stub->CreateSweep(context.get(), request, &sweep), Address()));
  if (absl::GetFlag(FLAGS_format) == "json") {
    std::printf("%s\n", ToJson(sweep).c_str());
  } else {
    PrintSweep(sweep);
  }
  return absl::OkStatus();
}

absl::StatusOr<v1::Sweep> GetSweep(const std::string& sweep_id) {
  v1::GetSweepRequest request;
  request.set_sweep_id(sweep_id);
  v1::Sweep sweep;
  auto stub = ConnectSweepService(Address());
  auto context = NewClientContext();
  absl::Status status = FromGrpc(stub->GetSweep(context.get(), request, &sweep), Address());
  if (!status.ok()) return status;
  return sweep;
}

absl::Status Status(const std::string& sweep_id) {
  ASSIGN_OR_RETURN(v1::Sweep sweep, GetSweep(sweep_id));
  if (absl::GetFlag(FLAGS_format) == "json") {
    std::printf("%s\n", ToJson(sweep).c_str());
    return absl::OkStatus();
  }
  PrintSweep(sweep);
  auto stub = ConnectSweepService(Address());
  return PrintFailures(stub.get(), Address(), sweep, stdout);
}

absl::Status Cancel(const std::string& sweep_id) {
  v1::CancelSweepRequest request;
  request.set_sweep_id(sweep_id);
  v1::Sweep sweep;
  auto stub = ConnectSweepService(Address());
  auto context = NewClientContext();
  RETURN_IF_ERROR(FromGrpc(stub->CancelSweep(context.get(), request, &sweep), Address()));
  if (absl::GetFlag(FLAGS_format) == "json") {
    std::printf("%s\n", ToJson(sweep).c_str());
  } else {
    PrintSweep(sweep);
  }
  return absl::OkStatus();
}

// Mean validation accuracy and training time of a configuration's
// finished seeds, read from its jobs; absent when no seed reported them.
struct ConfigSummary {
  std::optional<double> val_accuracy;
  std::optional<double> seconds;
};

absl::StatusOr<ConfigSummary> SummarizeConfig(v1::SweepService::Stub* stub,
                                              const std::string& address,
                                              const std::string& sweep_id,
                                              const std::string& config_id) {
  v1::ListJobsRequest request;
  request.set_sweep_id(sweep_id);
  request.set_config_id(config_id);
  request.set_page_size(1000);
  v1::ListJobsResponse response;
  auto context = NewClientContext();
  RETURN_IF_ERROR(FromGrpc(stub->ListJobs(context.get(), request, &response), address));
  double accuracy_sum = 0, seconds_sum = 0;
  int accuracy_count = 0, seconds_count = 0;
  for (const v1::Job& job : response.jobs()) {
    if (job.state() != v1::Job::SUCCEEDED) continue;
    if (job.metrics().has_val_accuracy()) {
      accuracy_sum += job.metrics().val_accuracy();
      ++accuracy_count;
    }
    seconds_sum += job.metrics().elapsed_seconds();
    ++seconds_count;
  }
  ConfigSummary summary;
  if (accuracy_count > 0) summary.val_accuracy = accuracy_sum / accuracy_count;
  if (seconds_count > 0) summary.seconds = seconds_sum / seconds_count;
  return summary;
}

}  // namespace

absl::Status PrintFailures(v1::SweepService::Stub* stub, const std::string& address,
                           const v1::Sweep& sweep, FILE* out) {
  if (sweep.counts().failed() == 0) return absl::OkStatus();
  v1::ListJobsRequest request;
  request.set_sweep_id(sweep.sweep_id());
  request.add_states(v1::Job::FAILED);
  request.set_page_size(1);
  v1::ListJobsResponse response;
  auto context = NewClientContext();
  RETURN_IF_ERROR(FromGrpc(stub->ListJobs(context.get(), request, &response), address));
  std::fprintf(out, "%lld jobs failed", static_cast<long long>(sweep.counts().failed()));
  if (response.jobs_size() > 0) {
    std::fprintf(out, "; first error: %s", response.jobs(0).error().c_str());
  }
  std::fprintf(out, "\n");
  return absl::OkStatus();
}

absl::Status WatchProgress(v1::SweepService::Stub* stub, const std::string& address,
                           const std::string& sweep_id, bool json, FILE* out) {
  v1::WatchSweepRequest request;
  request.set_sweep_id(sweep_id);
  auto context = NewClientContext(0);
  auto reader = stub->WatchSweep(context.get(), request);
  const bool terminal = isatty(fileno(out));
  v1::SweepProgress progress;
  bool printed = false;
  while (reader->Read(&progress)) {
    if (json) {
      std::fprintf(out, "%s\n", ToJson(progress).c_str());
    } else if (terminal) {
      std::fprintf(out, "\r%s\033[K", FormatProgress(progress).c_str());
      printed = true;
    }
    std::fflush(out);
  }
  if (printed) std::fprintf(out, "\n");
  if (!json && !terminal) std::fprintf(out, "%s\n", FormatProgress(progress).c_str());
  return FromGrpc(reader->Finish(), address);
}

absl::Status PrintLeaderboard(v1::SweepService::Stub* stub, const std::string& address,
                              const std::string& sweep_id, int top_k,
                              const std::string& format) {
  v1::GetLeaderboardRequest request;
  request.set_sweep_id(sweep_id);
  request.set_top_k(top_k);
  v1::GetLeaderboardResponse response;
  auto context = NewClientContext();
  absl::Status status =
      FromGrpc(stub->GetLeaderboard(context.get(), request, &response), address);
  if (!status.ok()) return status;

  if (format == "json") {
    std::printf("%s\n", ToJson(response).c_str());
    return absl::OkStatus();
  }
  if (format == "csv") {
    std::printf("rank,config_id,status,solver,base_lr,scheduler,objective_mean,objective_std,"
                "objective_count\n");
    for (const v1::LeaderboardEntry& entry : response.entries()) {
      std::printf("%lld,%s,%s,\"%s\",%s,\"%s\",%s,%s,%lld\n",
                  static_cast<long long>(entry.rank()), entry.config_id().c_str(),
                  v1::LeaderboardEntry::Status_Name(entry.status()).c_str(),
                  FormatSolver(entry.solver()).c_str(),
                  util::FormatDouble(entry.base_lr()).c_str(),
                  FormatScheduler(entry.scheduler()).c_str(),
                  entry.has_objective_mean() ? util::FormatDouble17(entry.objective_mean()).c_str() : "",
                  entry.has_objective_std() ? util::FormatDouble17(entry.objective_std()).c_str() : "",
                  static_cast<long long>(entry.objective_count()));
    }
    return absl::OkStatus();
  }

  const v1::ObjectiveSpec& objective = response.objective();
  std::printf("ranked by %s (%s), %lld configurations\n\n", objective.metric().c_str(),
              objective.mode() == "max" ? "higher is better" : "lower is better",
              static_cast<long long>(response.config_count()));
  std::vector<std::vector<std::string>> rows;
  for (const v1::LeaderboardEntry& entry : response.entries()) {
    std::string objective_text = "-";
    if (entry.has_objective_mean()) {
      objective_text = absl::StrFormat("%.5g +- %.2g (%lld)", entry.objective_mean(),
                                       entry.objective_std(),
                                       static_cast<long long>(entry.objective_count()));
    }
    ASSIGN_OR_RETURN(ConfigSummary summary,
                     SummarizeConfig(stub, address, sweep_id, entry.config_id()));
    rows.push_back({absl::StrCat(entry.rank()), FormatSolver(entry.solver()),
                    util::FormatDouble(entry.base_lr()), FormatScheduler(entry.scheduler()),
                    objective_text, Cell(summary.val_accuracy, "%.4f"),
                    v1::LeaderboardEntry::Status_Name(entry.status()),
                    summary.seconds.has_value() ? FormatSeconds(*summary.seconds) : "-"});
  }
  PrintTable({"rank", "solver", "base_lr", "scheduler", "objective mean +- std (n)", "val_acc",
              "state", "time"},
             rows, {true, false, true, false, false, true, false, true});
  if (!response.next_page_token().empty()) {
    std::printf("\n(top %d shown; --top_k=N for more)\n", top_k);
  }
  return absl::OkStatus();
}

namespace {

absl::Status Watch(const std::string& sweep_id) {
  auto stub = ConnectSweepService(Address());
  return WatchProgress(stub.get(), Address(), sweep_id, absl::GetFlag(FLAGS_format) == "json",
                       stdout);
}

absl::Status Leaderboard(const std::string& sweep_id) {
  if (absl::GetFlag(FLAGS_top_k) <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--top_k: must be > 0, got ", absl::GetFlag(FLAGS_top_k)));
  }
  auto stub = ConnectSweepService(Address());
  return PrintLeaderboard(stub.get(), Address(), sweep_id, absl::GetFlag(FLAGS_top_k),
                          absl::GetFlag(FLAGS_format));
}

// Reads every page of ListJobs.
absl::StatusOr<std::vector<v1::Job>> ListAllJobs(const std::string& sweep_id, bool curves) {
  auto stub = ConnectSweepService(Address());
  std::vector<v1::Job> jobs;
  v1::ListJobsRequest request;
  request.set_sweep_id(sweep_id);
  request.set_include_curves(curves);
  request.set_page_size(1000);
  while (true) {
    v1::ListJobsResponse response;
    auto context = NewClientContext();
    absl::Status status = FromGrpc(stub->ListJobs(context.get(), request, &response), Address());
    if (!status.ok()) return status;
    for (v1::Job& job : *response.mutable_jobs()) jobs.push_back(std::move(job));
    if (response.next_page_token().empty()) return jobs;
    request.set_page_token(response.next_page_token());
  }
}

std::optional<double> OptionalObjective(const v1::Job& job) {
  if (!job.has_objective()) return std::nullopt;
  return job.objective();
}

absl::Status Jobs(const std::string& sweep_id) {
  ASSIGN_OR_RETURN(const std::vector<v1::Job> jobs, ListAllJobs(sweep_id, false));

  const std::string format = absl::GetFlag(FLAGS_format);
  if (format == "json") {
    for (const v1::Job& job : jobs) std::printf("%s\n", ToJson(job).c_str());
    return absl::OkStatus();
  }
  if (format == "csv") {
    std::printf("index,job_id,config_id,state,attempt,solver,base_lr,scheduler,seed,objective,"
                "error\n");
    for (const v1::Job& job : jobs) {
      std::printf("%lld,%s,%s,%s,%d,\"%s\",%s,\"%s\",%lld,%s,\"%s\"\n",
                  static_cast<long long>(job.index()), job.job_id().c_str(),
                  job.config_id().c_str(), v1::Job::State_Name(job.state()).c_str(),
                  job.attempt(), FormatSolver(job.spec().solver()).c_str(),
                  util::FormatDouble(job.spec().base_lr()).c_str(),
                  FormatScheduler(job.spec().scheduler()).c_str(),
                  static_cast<long long>(job.spec().seed()),
                  job.has_objective() ? util::FormatDouble17(job.objective()).c_str() : "",
                  job.error().c_str());
    }
    return absl::OkStatus();
  }
  std::vector<std::vector<std::string>> rows;
  for (const v1::Job& job : jobs) {
    rows.push_back({absl::StrCat(job.index()), job.job_id(), v1::Job::State_Name(job.state()),
                    absl::StrCat(job.attempt()), FormatSolver(job.spec().solver()),
                    util::FormatDouble(job.spec().base_lr()),
                    FormatScheduler(job.spec().scheduler()), absl::StrCat(job.spec().seed()),
                    Cell(OptionalObjective(job)), job.error()});
  }
  PrintTable({"index", "job_id", "state", "attempt", "solver", "base_lr", "scheduler", "seed",
              "objective", "error"},
             rows, {true, false, false, true, false, true, false, true, true, false});
  return absl::OkStatus();
}

absl::Status Export(const std::string& sweep_id) {
  ASSIGN_OR_RETURN(const std::vector<v1::Job> jobs, ListAllJobs(sweep_id, true));

  if (absl::GetFlag(FLAGS_format) != "csv") {
    // One Job message per line (JSON Lines), curves included.
    for (const v1::Job& job : jobs) std::printf("%s\n", ToJson(job).c_str());
    return absl::OkStatus();
  }
  std::printf("job_id,config_id,seed,state,objective,epoch,step,learning_rate,train_loss,"
              "val_loss,val_accuracy\n");
  for (const v1::Job& job : jobs) {
    for (const v1::EpochPoint& point : job.curve()) {
      std::printf("%s,%s,%lld,%s,%s,%lld,%lld,%s,%s,%s,%s\n", job.job_id().c_str(),
                  job.config_id().c_str(), static_cast<long long>(job.spec().seed()),
                  v1::Job::State_Name(job.state()).c_str(),
                  job.has_objective() ? util::FormatDouble17(job.objective()).c_str() : "",
                  static_cast<long long>(point.epoch()), static_cast<long long>(point.step()),
                  util::FormatDouble17(point.learning_rate()).c_str(),
                  util::FormatDouble17(point.train_loss()).c_str(),
                  point.has_val_loss() ? util::FormatDouble17(point.val_loss()).c_str() : "",
                  point.has_val_accuracy() ? util::FormatDouble17(point.val_accuracy()).c_str()
                                           : "");
    }
  }
  return absl::OkStatus();
}

}  // namespace

// Checks --format against `formats` and that `args` contains exactly one
// argument (`what`), then runs `body` on it and reports its error.
int RunOneArgument(const char* command, const char* what,
                   const std::vector<std::string>& args,
                   const std::vector<std::string>& formats,
                   absl::Status (*body)(const std::string&)) {
  absl::Status status = CheckFormat(formats);
  if (status.ok() && args.size() != 1) {
    status = absl::InvalidArgumentError(
        absl::StrCat("expected one argument, the ", what, "; got ", args.size()));
  }
  if (status.ok()) status = body(args[0]);
  return status.ok() ? 0 : ReportError(command, status);
}

int RunSubmit(const std::vector<std::string>& args) {
  return RunOneArgument("submit", "spec file", args, {"table", "json"}, Submit);
}
int RunStatus(const std::vector<std::string>& args) {
  return RunOneArgument("status", "sweep id", args, {"table", "json"}, Status);
}
int RunWatch(const std::vector<std::string>& args) {
  return RunOneArgument("watch", "sweep id", args, {"table", "json"}, Watch);
}
int RunLeaderboard(const std::vector<std::string>& args) {
  return RunOneArgument("leaderboard", "sweep id", args, {"table", "json", "csv"}, Leaderboard);
}
int RunJobs(const std::vector<std::string>& args) {
  return RunOneArgument("jobs", "sweep id", args, {"table", "json", "csv"}, Jobs);
}
int RunCancel(const std::vector<std::string>& args) {
  return RunOneArgument("cancel", "sweep id", args, {"table", "json"}, Cancel);
}
int RunExport(const std::vector<std::string>& args) {
  // Export has no table form: the default prints JSON lines.
  return RunOneArgument("export", "sweep id", args, {"table", "json", "csv"}, Export);
}

}  // namespace lrsweep::cli
