// Internals of the learning-rate schedulers shared by scheduler.cc and the
// files that implement the scheduler classes. Not part of the engine's API.
//
// The arithmetic in these files mirrors torch.optim.lr_scheduler expression
// by expression (same operations, same order) so that the learning rates agree
// with PyTorch to the last bit. The files are compiled with
// -ffp-contract=off because a fused multiply-add rounds once where Python
// rounds twice.
#ifndef LRSWEEP_COMMON_ENGINE_SCHEDULER_INTERNAL_H_
#define LRSWEEP_COMMON_ENGINE_SCHEDULER_INTERNAL_H_

#include <cstdint>
#include <memory>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/args.h"
#include "engine/hyperparams.h"
#include "engine/scheduler.h"
#include "google/protobuf/struct.pb.h"

namespace lrsweep::engine::scheduler_internal {

// The largest step count accepted where PyTorch would keep an exact integer
// and the engine converts it to double: 2^53.
inline constexpr int64_t kMaxExactSteps = int64_t{1} << 53;

// The largest learning rate accepted, as the base learning rate or as an
// argument (max_lr, eta_min, min_lr). Cosine schedules compute
// (base - eta_min) * (1 + cos(...)), which overflows near 9e307.
inline constexpr double kMaxLearningRate = 1e300;

// A scheduler that PyTorch computes in its recursive ("chainable") form,
// where each step derives the new learning rate from the current one.
// SequentialLR drives these through InitialStep() and RestartAtZero() the way
// PyTorch's SequentialLR drives its child schedulers.
class ChainableScheduler : public Scheduler {
 public:
  // Starts at epoch 0 like LRScheduler._initial_step in PyTorch's
  // constructor: sets last_epoch to 0 and the learning rate to InitialLr().
  void InitialStep();

  // Advances last_epoch by one and sets the learning rate to ChainedLr().
  // `metric` is ignored.
  void Step(double metric) override;
  using Scheduler::Step;

  // Sets last_epoch to 0 and the learning rate to EpochZeroLr(). This is
  // what PyTorch's SequentialLR does to a child at its milestone
  // (`step(0)` in 1.13, `_update_lr(0)` in 2.x).
  void RestartAtZero();

  StepUnit default_step_unit() const override { return StepUnit::kEpoch; }

 protected:
  // `base_lr` is PyTorch's base_lrs[0]: the optimizer's `initial_lr`, which
  // SequentialLR's children all share.
  ChainableScheduler(SolverHyperParams* hyper, double base_lr)
      : hyper_(hyper), base_lr_(base_lr) {}

  double base_lr() const { return base_lr_; }

  // get_lr() during the constructor's step, from the current learning rate.
  virtual double InitialLr(double lr) = 0;
  // get_lr() at `epoch` >= 1, from the current learning rate.
  virtual double ChainedLr(int64_t epoch, double lr) = 0;
  // The learning rate of step(0): the closed form at epoch 0 where PyTorch
  // has one (_get_closed_form_lr), else get_lr() after a reset to epoch 0.
  virtual double EpochZeroLr() = 0;

 private:
  SolverHyperParams* hyper_;
  double base_lr_;
  int64_t last_epoch_ = -1;
};

// True for the names that MakeChainableScheduler creates.
bool IsChainableScheduler(absl::string_view name);

// Creates the chainable scheduler `name` from `args` without taking its
// initial step: the caller calls InitialStep() or, inside SequentialLR,
// RestartAtZero(). Returns INVALID_ARGUMENT for an unknown or invalid
// argument. `name` must satisfy IsChainableScheduler().
absl::StatusOr<std::unique_ptr<ChainableScheduler>> MakeChainableScheduler(
    absl::string_view name, const google::protobuf::Struct& args,
    double base_lr, SolverHyperParams* hyper);

// Each of these creates the named scheduler from `args`, applies its step-0
// values to *hyper and returns INVALID_ARGUMENT for an invalid argument.
absl::StatusOr<std::unique_ptr<Scheduler>> MakeCyclicLR(
    const google::protobuf::Struct& args, SolverHyperParams* hyper);
absl::StatusOr<std::unique_ptr<Scheduler>> MakeOneCycleLR(
    const google::protobuf::Struct& args, SolverHyperParams* hyper);
absl::StatusOr<std::unique_ptr<Scheduler>> MakeReduceLROnPlateau(
    const google::protobuf::Struct& args, SolverHyperParams* hyper);
absl::StatusOr<std::unique_ptr<Scheduler>> MakeSequentialLR(
    const google::protobuf::Struct& args, SolverHyperParams* hyper);

// Records `name: missing; <component> requires it` unless the argument is
// present.
void RequireArgument(ArgReader* args, absl::string_view name,
                     absl::string_view component);

// Reads a learning-rate argument and checks that it lies in
// [0, kMaxLearningRate], or in (0, kMaxLearningRate] when `positive`.
double ReadLearningRate(ArgReader* args, absl::string_view name,
                        double default_value, bool positive);

// Reads a momentum bound (`base_momentum`, `max_momentum`) and checks that
// it lies in [0, 1), the range torch.optim accepts for momentum and beta1.
double ReadMomentum(ArgReader* args, absl::string_view name,
                    double default_value);

// Records an error on `cycle_momentum` when it is true but the solver has
// nothing to cycle (MomentumKind::kNone).
void CheckCycleMomentum(ArgReader* args, bool cycle_momentum,
                        MomentumKind kind);

}  // namespace lrsweep::engine::scheduler_internal

#endif  // LRSWEEP_COMMON_ENGINE_SCHEDULER_INTERNAL_H_
