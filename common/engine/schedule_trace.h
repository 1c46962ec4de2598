// TraceSchedule: the learning rate (and momentum) a scheduler sets at each
// step, without training anything. Backs `lrsweep schedule`.
#ifndef LRSWEEP_COMMON_ENGINE_SCHEDULE_TRACE_H_
#define LRSWEEP_COMMON_ENGINE_SCHEDULE_TRACE_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "lrsweep/v1/spec.pb.h"

namespace lrsweep::engine {

struct ScheduleTrace {
  // True when the scheduler cycles momentum, so `momentum` is meaningful.
  bool has_momentum = false;
  // Learning rate in effect during step t, t = 0..steps-1.
  std::vector<double> lr;
  // Momentum (or beta1) in effect during step t; empty unless has_momentum.
  std::vector<double> momentum;
};

// Creates `solver` with learning rate `base_lr` and `scheduler` on it, then
// records the values for `steps` steps: t = 0 right after creation, t = k
// after k scheduler steps. ReduceLROnPlateau's k-th step is given
// metrics[k-1], so it needs at least steps - 1 metrics; other schedulers take
// none. Returns INVALID_ARGUMENT for invalid specs (the message starts with
// `solver.` or `scheduler.`), steps outside [1, 10^7] or a wrong number of
// metrics.
absl::StatusOr<ScheduleTrace> TraceSchedule(const v1::SolverSpec& solver,
                                            const v1::SchedulerSpec& scheduler,
                                            double base_lr, int64_t steps,
                                            const std::vector<double>& metrics);

}  // namespace lrsweep::engine

#endif  // LRSWEEP_COMMON_ENGINE_SCHEDULE_TRACE_H_
