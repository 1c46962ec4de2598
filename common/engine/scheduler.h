// Learning-rate schedulers with the semantics of PyTorch's
// torch.optim.lr_scheduler (2.x): the same class names, argument names,
// defaults and value at every step.
//
// A scheduler is bound to one SolverHyperParams at creation. Like PyTorch's
// constructor, creation applies the step-0 values: the learning rate, and the
// momentum for the momentum-cycling schedulers. Each Step() then advances by
// one and writes the new values. A scheduler is not thread-safe, so it
// belongs to one job.
#ifndef LRSWEEP_COMMON_ENGINE_SCHEDULER_H_
#define LRSWEEP_COMMON_ENGINE_SCHEDULER_H_

#include <limits>
#include <memory>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "engine/hyperparams.h"
#include "lrsweep/v1/spec.pb.h"

namespace lrsweep::engine {

// How often a scheduler is stepped during training.
enum class StepUnit { kEpoch, kIteration };

class Scheduler {
 public:
  virtual ~Scheduler() = default;

  // Advances one step and writes the new learning rate (and momentum, when
  // cycling it) into the bound hyperparameters. `metric` is the value that
  // ReduceLROnPlateau watches (the validation loss in training); the other
  // schedulers ignore it.
  virtual void Step(double metric) = 0;
  void Step() { Step(std::numeric_limits<double>::quiet_NaN()); }

  // The unit PyTorch's documentation steps this scheduler in: per iteration
  // for CyclicLR and OneCycleLR, per epoch for the rest.
  virtual StepUnit default_step_unit() const = 0;
  // True for ReduceLROnPlateau, which needs a metric on every step.
  virtual bool needs_metric() const { return false; }
  // True when the scheduler writes momentum (CyclicLR and OneCycleLR with
  // cycle_momentum).
  virtual bool cycles_momentum() const { return false; }
};

// Creates the scheduler that `spec` names, bound to `*hyper`, and applies its
// step-0 values. `hyper->lr` must hold the base learning rate, in
// [0, 1e300], and `hyper->momentum_kind` the solver's kind. Returns
// INVALID_ARGUMENT, naming the argument and the value, for an unknown name
// or argument. It also rejects an argument that PyTorch would reject, that
// would give a NaN or infinite learning rate, or that makes the schedule
// meaningless (a OneCycleLR phase without steps, unsorted SequentialLR
// milestones). `hyper` must outlive the scheduler.
absl::StatusOr<std::unique_ptr<Scheduler>> MakeScheduler(
    const lrsweep::v1::SchedulerSpec& spec, SolverHyperParams* hyper);

// Returns the default step unit of the scheduler class `name`, or
// INVALID_ARGUMENT for an unknown name.
absl::StatusOr<StepUnit> DefaultStepUnit(absl::string_view name);

}  // namespace lrsweep::engine

#endif  // LRSWEEP_COMMON_ENGINE_SCHEDULER_H_
