// The scheduler factory: dispatches a SchedulerSpec by its PyTorch class name.
#include "engine/scheduler.h"

#include <memory>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/scheduler_internal.h"
#include "util/format.h"

namespace lrsweep::engine {
namespace {

constexpr absl::string_view kKnownSchedulers =
    "ConstantLR, CosineAnnealingLR, CosineAnnealingWarmRestarts, CyclicLR, "
    "ExponentialLR, LinearLR, MultiStepLR, OneCycleLR, PolynomialLR, "
    "ReduceLROnPlateau, SequentialLR, StepLR";

bool IsPerIteration(absl::string_view name) {
  return name == "CyclicLR" || name == "OneCycleLR";
}

bool IsKnown(absl::string_view name) {
  return scheduler_internal::IsChainableScheduler(name) ||
         IsPerIteration(name) || name == "ReduceLROnPlateau" ||
         name == "SequentialLR";
}

absl::Status UnknownScheduler(absl::string_view name) {
  if (name == "LambdaLR" || name == "MultiplicativeLR") {
    return absl::InvalidArgumentError(
        absl::StrCat("name: ", name,
                     " is not supported because it takes a Python function; "
                     "known: ",
                     kKnownSchedulers));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "name: unknown scheduler '", name, "'; known: ", kKnownSchedulers));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Scheduler>> MakeScheduler(
    const lrsweep::v1::SchedulerSpec& spec, SolverHyperParams* hyper) {
  const std::string& name = spec.name();
  if (!(hyper->lr >= 0 && hyper->lr <= scheduler_internal::kMaxLearningRate)) {
    return absl::InvalidArgumentError(
        absl::StrCat("base_lr: must be in [0, 1e300], got ",
                     util::FormatDouble(hyper->lr)));
  }
  if (name == "CyclicLR") {
    return scheduler_internal::MakeCyclicLR(spec.args(), hyper);
  }
  if (name == "OneCycleLR") {
    return scheduler_internal::MakeOneCycleLR(spec.args(), hyper);
  }
  if (name == "ReduceLROnPlateau") {
    return scheduler_internal::MakeReduceLROnPlateau(spec.args(), hyper);
  }
  if (name == "SequentialLR") {
    return scheduler_internal::MakeSequentialLR(spec.args(), hyper);
  }
  if (!scheduler_internal::IsChainableScheduler(name)) {
    return UnknownScheduler(name);
  }

  absl::StatusOr<std::unique_ptr<scheduler_internal::ChainableScheduler>>
      scheduler = scheduler_internal::MakeChainableScheduler(
          name, spec.args(), hyper->lr, hyper);
  if (!scheduler.ok()) return scheduler.status();
  (*scheduler)->InitialStep();
  return std::unique_ptr<Scheduler>(*std::move(scheduler));
}

absl::StatusOr<StepUnit> DefaultStepUnit(absl::string_view name) {
  if (!IsKnown(name)) return UnknownScheduler(name);
  return IsPerIteration(name) ? StepUnit::kIteration : StepUnit::kEpoch;
}

namespace scheduler_internal {

void RequireArgument(ArgReader* args, absl::string_view name,
                     absl::string_view component) {
  args->CheckMessage(args->Has(name), absl::StrCat(name, ": missing; ",
                                                   component, " requires it"));
}

double ReadLearningRate(ArgReader* args, absl::string_view name,
                        double default_value, bool positive) {
  const double lr = args->Double(name, default_value);
  const bool low_ok = positive ? lr > 0 : lr >= 0;
  args->Check(low_ok && lr <= kMaxLearningRate, name,
              positive ? "must be in (0, 1e300]" : "must be in [0, 1e300]", lr);
  return lr;
}

double ReadMomentum(ArgReader* args, absl::string_view name,
                    double default_value) {
  const double momentum = args->Double(name, default_value);
  args->Check(momentum >= 0 && momentum < 1, name, "must be in [0, 1)",
              momentum);
  return momentum;
}

void CheckCycleMomentum(ArgReader* args, bool cycle_momentum,
                        MomentumKind kind) {
  args->CheckMessage(
      !cycle_momentum || kind != MomentumKind::kNone,
      "cycle_momentum: the solver has no momentum or beta1 to cycle "
      "(Adagrad, Adadelta); set cycle_momentum: false");
}

}  // namespace scheduler_internal
}  // namespace lrsweep::engine
