#include "engine/schedule_trace.h"

#include <cmath>
#include <memory>

#include "absl/strings/str_cat.h"
#include "engine/optimizer.h"
#include "engine/scheduler.h"
#include "util/format.h"
#include "util/status_macros.h"

namespace lrsweep::engine {
namespace {

constexpr int64_t kMaxTraceSteps = 10'000'000;

absl::Status WithPrefix(const absl::Status& status, absl::string_view prefix) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(prefix, status.message()));
}

}  // namespace

absl::StatusOr<ScheduleTrace> TraceSchedule(const v1::SolverSpec& solver,
                                            const v1::SchedulerSpec& scheduler,
                                            double base_lr, int64_t steps,
                                            const std::vector<double>& metrics) {
  if (!(base_lr >= 0) || !std::isfinite(base_lr)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "base_lr: must be a finite number >= 0, got ", util::FormatDouble(base_lr)));
  }
  if (steps < 1 || steps > kMaxTraceSteps) {
    return absl::InvalidArgumentError(absl::StrCat(
        "steps: must be in [1, ", kMaxTraceSteps, "], got ", steps));
  }

  auto optimizer = MakeOptimizer<double>(solver, base_lr, 1);
  RETURN_IF_ERROR(WithPrefix(optimizer.status(), "solver."));
  SolverHyperParams* hyper = (*optimizer)->hyper();
  auto created = MakeScheduler(scheduler, hyper);
  RETURN_IF_ERROR(WithPrefix(created.status(), "scheduler."));
  std::unique_ptr<Scheduler> schedule = std::move(created).value();

  if (schedule->needs_metric() &&
      static_cast<int64_t>(metrics.size()) < steps - 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metrics: ", scheduler.name(), " needs one metric per step after the "
        "first, at least ", steps - 1, " values; got ", metrics.size()));
  }
  if (!schedule->needs_metric() && !metrics.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metrics: ", scheduler.name(), " takes no metrics; got ", metrics.size(),
        " values"));
  }

  ScheduleTrace trace;
  trace.has_momentum = schedule->cycles_momentum();
  trace.lr.reserve(steps);
  for (int64_t t = 0; t < steps; ++t) {
    if (t > 0) {
      if (schedule->needs_metric()) {
        schedule->Step(metrics[t - 1]);
      } else {
        schedule->Step();
      }
    }
    trace.lr.push_back(hyper->lr);
    if (trace.has_momentum) trace.momentum.push_back(hyper->momentum);
  }
  return trace;
}

}  // namespace lrsweep::engine
