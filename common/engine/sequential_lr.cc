// SequentialLR (torch.optim.lr_scheduler.SequentialLR): runs chainable
// schedulers one after another, switching at the milestones.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/scheduler_internal.h"

namespace lrsweep::engine::scheduler_internal {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

class SequentialLR : public Scheduler {
 public:
  // PyTorch constructs the children first, each stepping the shared
  // optimizer once. SequentialLR's constructor then resets the learning rate
  // to initial_lr, undoes those steps and repeats only the first child's
  // initial step. The children's own steps leave nothing else behind:
  // CosineAnnealingWarmRestarts' T_cur and T_i already hold their restart
  // values. So the first child's initial step from `base_lr` is all that
  // happens here.
  SequentialLR(SolverHyperParams* hyper, double base_lr,
               std::vector<std::unique_ptr<ChainableScheduler>> children,
               std::vector<int64_t> milestones)
      : children_(std::move(children)), milestones_(std::move(milestones)) {
    hyper->lr = base_lr;
    children_.front()->InitialStep();
  }

  // The child after the last milestone <= t takes the step. At a milestone
  // that child restarts at epoch 0, which PyTorch computes with the child's
  // closed form.
  void Step(double /*metric*/) override {
    ++last_epoch_;
    const auto next =
        std::upper_bound(milestones_.begin(), milestones_.end(), last_epoch_);
    const size_t index = static_cast<size_t>(next - milestones_.begin());
    if (index > 0 && milestones_[index - 1] == last_epoch_) {
      children_[index]->RestartAtZero();
    } else {
      children_[index]->Step();
    }
  }
  using Scheduler::Step;

  StepUnit default_step_unit() const override { return StepUnit::kEpoch; }

 private:
  std::vector<std::unique_ptr<ChainableScheduler>> children_;
  std::vector<int64_t> milestones_;
  int64_t last_epoch_ = 0;
};

absl::Status ChildError(size_t index, absl::string_view message) {
  return absl::InvalidArgumentError(
      absl::StrCat("schedulers[", index, "].", message));
}

// Explains why PyTorch's SequentialLR cannot drive `name`, or returns "".
std::string UnsupportedChildReason(absl::string_view name) {
  if (name == "ReduceLROnPlateau") {
    return "its step needs a metric, which SequentialLR does not pass";
  }
  if (name == "CyclicLR" || name == "OneCycleLR") {
    return "its constructor overwrites the optimizer's initial learning rate "
           "and momentum, which the other schedulers share";
  }
  if (name == "SequentialLR") {
    return "a nested SequentialLR has no closed form for the restart at its "
           "milestone";
  }
  return "";
}

// Creates child `index` from `{name: ..., <args>}`.
absl::StatusOr<std::unique_ptr<ChainableScheduler>> MakeChild(
    size_t index, const Value& entry, double base_lr,
    SolverHyperParams* hyper) {
  if (entry.kind_case() != Value::kStructValue) {
    return ChildError(index, "name: missing; each entry must be a map such as "
                             "{name: LinearLR, start_factor: 0.1}");
  }
  Struct child_args = entry.struct_value();
  auto name_field = child_args.fields().find("name");
  if (name_field == child_args.fields().end() ||
      name_field->second.kind_case() != Value::kStringValue) {
    return ChildError(index, "name: missing; give the scheduler class name");
  }
  const std::string name = name_field->second.string_value();
  child_args.mutable_fields()->erase("name");

  const std::string reason = UnsupportedChildReason(name);
  if (!reason.empty()) {
    return ChildError(index, absl::StrCat("name: ", name,
                                          " cannot run inside SequentialLR "
                                          "because ", reason));
  }
  if (!IsChainableScheduler(name)) {
    return ChildError(index, absl::StrCat("name: unknown scheduler '", name,
                                          "'; SequentialLR accepts ",
                                          "ConstantLR, CosineAnnealingLR, "
                                          "CosineAnnealingWarmRestarts, "
                                          "ExponentialLR, LinearLR, "
                                          "MultiStepLR, PolynomialLR, StepLR"));
  }
  absl::StatusOr<std::unique_ptr<ChainableScheduler>> child =
      MakeChainableScheduler(name, child_args, base_lr, hyper);
  if (!child.ok()) return ChildError(index, child.status().message());
  return child;
}

// Checks that there is one milestone fewer than schedulers and that they
// increase strictly from 1. PyTorch bisects the milestones, so unsorted or
// repeated ones silently skip a scheduler. A milestone at 0 would start the
// second scheduler without its restart.
void CheckMilestones(ArgReader* args, const std::vector<int64_t>& milestones,
                     int scheduler_count) {
  args->CheckMessage(
      static_cast<int>(milestones.size()) == scheduler_count - 1,
      absl::StrCat("milestones: must have one entry fewer than schedulers (",
                   scheduler_count - 1, "), got ", milestones.size()));
  for (size_t i = 0; i < milestones.size(); ++i) {
    const int64_t previous = i == 0 ? 0 : milestones[i - 1];
    args->Check(milestones[i] > previous, absl::StrCat("milestones[", i, "]"),
                i == 0 ? "must be > 0" : "must be greater than the one before",
                static_cast<double>(milestones[i]));
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<Scheduler>> MakeSequentialLR(
    const Struct& spec_args, SolverHyperParams* hyper) {
  ArgReader args(spec_args, "SequentialLR");
  RequireArgument(&args, "schedulers", "SequentialLR");
  RequireArgument(&args, "milestones", "SequentialLR");
  const google::protobuf::ListValue* entries = args.List("schedulers");
  const int count = entries == nullptr ? 0 : entries->values_size();
  args.CheckMessage(entries == nullptr || count > 0,
                    "schedulers: must list at least one scheduler");
  const std::vector<int64_t> milestones = args.IntList("milestones", {});
  if (count > 0) CheckMilestones(&args, milestones, count);
  absl::Status status = args.Finish();
  if (!status.ok()) return status;

  const double base_lr = hyper->lr;
  std::vector<std::unique_ptr<ChainableScheduler>> children;
  for (int i = 0; i < count; ++i) {
    absl::StatusOr<std::unique_ptr<ChainableScheduler>> child =
        MakeChild(static_cast<size_t>(i), entries->values(i), base_lr, hyper);
    if (!child.ok()) return child.status();
    children.push_back(*std::move(child));
  }
  return std::make_unique<SequentialLR>(hyper, base_lr, std::move(children),
                                        milestones);
}

}  // namespace lrsweep::engine::scheduler_internal
