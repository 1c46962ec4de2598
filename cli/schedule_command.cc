// `lrsweep schedule`: prints a learning-rate schedule step by step.
#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "engine/schedule_trace.h"
#include "spec/parser.h"
#include "util/format.h"

ABSL_FLAG(std::string, scheduler, "",
          "Scheduler as YAML or JSON with PyTorch's class and argument names, "
          "e.g. '{name: CosineAnnealingLR, T_max: 10}'. Required.");
ABSL_FLAG(std::string, solver, "{name: SGD}",
          "Solver (optimizer) as YAML or JSON, e.g. '{name: SGD, momentum: "
          "0.9}'. Matters for momentum cycling, which drives SGD's momentum "
          "or beta1 of the Adam family.");
ABSL_FLAG(double, base_lr, 0.1, "Base learning rate given to the solver.");
ABSL_FLAG(int64_t, steps, 10, "Number of steps to print, t = 0..steps-1.");
ABSL_FLAG(std::string, metrics, "",
          "ReduceLROnPlateau only: comma-separated metric values; step k is "
          "given the k-th value, the metric observed at the end of step k-1.");

namespace lrsweep::cli {
namespace {

absl::StatusOr<std::vector<double>> ParseMetrics(const std::string& text) {
  std::vector<double> metrics;
  if (text.empty()) return metrics;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    double value;
    if (!absl::SimpleAtod(absl::StripAsciiWhitespace(item), &value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--metrics: invalid number '", item, "' at position ",
          metrics.size() + 1));
    }
    metrics.push_back(value);
  }
  return metrics;
}

void PrintTable(const engine::ScheduleTrace& trace) {
  std::printf("%6s  %-24s%s\n", "step", "lr", trace.has_momentum ? "  momentum" : "");
  for (size_t t = 0; t < trace.lr.size(); ++t) {
    std::printf("%6zu  %-24s", t, util::FormatDouble(trace.lr[t]).c_str());
    if (trace.has_momentum) {
      std::printf("  %s", util::FormatDouble(trace.momentum[t]).c_str());
    }
    std::printf("\n");
  }
}

void PrintCsv(const engine::ScheduleTrace& trace) {
  std::printf("step,lr%s\n", trace.has_momentum ? ",momentum" : "");
  for (size_t t = 0; t < trace.lr.size(); ++t) {
    std::printf("%zu,%s", t, util::FormatDouble17(trace.lr[t]).c_str());
    if (trace.has_momentum) {
      std::printf(",%s", util::FormatDouble17(trace.momentum[t]).c_str());
    }
    std::printf("\n");
  }
}

void PrintJson(const engine::ScheduleTrace& trace, const v1::SolverSpec& solver,
               const v1::SchedulerSpec& scheduler, double base_lr) {
  std::printf("{\"solver\": %s, \"scheduler\": %s, \"base_lr\": %s, \"steps\": [",
              ToJson(solver).c_str(), ToJson(scheduler).c_str(),
              util::FormatDouble(base_lr).c_str());
  for (size_t t = 0; t < trace.lr.size(); ++t) {
    std::printf("%s\n  {\"step\": %zu, \"lr\": %s", t == 0 ? "" : ",", t,
                util::FormatDouble(trace.lr[t]).c_str());
    if (trace.has_momentum) {
      std::printf(", \"momentum\": %s", util::FormatDouble(trace.momentum[t]).c_str());
    }
    std::printf("}");
  }
  std::printf("\n]}\n");
}

int Fail(const absl::Status& status) { return ReportError("schedule", status); }

}  // namespace

int RunSchedule(const std::vector<std::string>& args) {
  if (!args.empty()) {
    return Fail(absl::InvalidArgumentError(
        absl::StrCat("unexpected argument '", args[0], "'; see --help")));
  }
  const std::string format = absl::GetFlag(FLAGS_format);
  if (format != "table" && format != "csv" && format != "json") {
    return Fail(absl::InvalidArgumentError(absl::StrCat(
        "--format: must be table, csv or json, got '", format, "'")));
  }
  if (absl::GetFlag(FLAGS_scheduler).empty()) {
    return Fail(absl::InvalidArgumentError(
        "--scheduler: missing; e.g. --scheduler='{name: StepLR, step_size: 3}'"));
  }

  auto solver = spec::ParseSolverSpec(absl::GetFlag(FLAGS_solver));
  if (!solver.ok()) return Fail(solver.status());
  auto scheduler =
      spec::ParseSchedulerSpec(absl::GetFlag(FLAGS_scheduler), solver->name());
  if (!scheduler.ok()) return Fail(scheduler.status());
  auto metrics = ParseMetrics(absl::GetFlag(FLAGS_metrics));
  if (!metrics.ok()) return Fail(metrics.status());

  const double base_lr = absl::GetFlag(FLAGS_base_lr);
  auto trace = engine::TraceSchedule(*solver, *scheduler, base_lr,
                                     absl::GetFlag(FLAGS_steps), *metrics);
  if (!trace.ok()) return Fail(trace.status());

  if (format == "csv") {
    PrintCsv(*trace);
  } else if (format == "json") {
    PrintJson(*trace, *solver, *scheduler, base_lr);
  } else {
    PrintTable(*trace);
  }
  return 0;
}

}  // namespace lrsweep::cli
