// ReduceLROnPlateau (torch.optim.lr_scheduler.ReduceLROnPlateau): multiplies
// the learning rate by `factor` when the watched metric has not improved for
// more than `patience` steps.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>

#include "engine/scheduler_internal.h"

namespace lrsweep::engine::scheduler_internal {
namespace {

struct PlateauOptions {
  bool minimize = true;
  bool relative = true;
  double factor = 0.1;
  int64_t patience = 10;
  double threshold = 1e-4;
  int64_t cooldown = 0;
  double min_lr = 0.0;
  double eps = 1e-8;
};

class ReduceLROnPlateau : public Scheduler {
 public:
  ReduceLROnPlateau(SolverHyperParams* hyper, const PlateauOptions& options)
      : hyper_(hyper),
        options_(options),
        best_(options.minimize ? std::numeric_limits<double>::infinity()
                               : -std::numeric_limits<double>::infinity()) {}

  // One step of PyTorch's step(metrics). A NaN metric compares false, so it
  // counts as a step without improvement, as in PyTorch.
  void Step(double metric) override {
    if (IsBetter(metric)) {
      best_ = metric;
      bad_steps_ = 0;
    } else {
      ++bad_steps_;
    }

    if (cooldown_counter_ > 0) {
      --cooldown_counter_;
      bad_steps_ = 0;
    }

    if (bad_steps_ > options_.patience) {
      ReduceLr();
      cooldown_counter_ = options_.cooldown;
      bad_steps_ = 0;
    }
  }
  using Scheduler::Step;

  StepUnit default_step_unit() const override { return StepUnit::kEpoch; }
  bool needs_metric() const override { return true; }

 private:
  // PyTorch's is_better. An equal metric is no improvement. In rel mode the
  // bound is best * (1 -+ threshold), so for a negative best in min mode it
  // lies above best and a slightly worse metric still counts as better.
  bool IsBetter(double metric) const {
    if (options_.minimize && options_.relative) {
      const double rel_epsilon = 1. - options_.threshold;
      return metric < best_ * rel_epsilon;
    }
    if (options_.minimize) return metric < best_ - options_.threshold;
    if (options_.relative) {
      const double rel_epsilon = options_.threshold + 1.;
      return metric > best_ * rel_epsilon;
    }
    return metric > best_ + options_.threshold;
  }

  // new_lr = max(lr * factor, min_lr), applied only when it lowers the
  // learning rate by more than eps.
  void ReduceLr() {
    const double old_lr = hyper_->lr;
    const double reduced = old_lr * options_.factor;
    const double new_lr = options_.min_lr > reduced ? options_.min_lr : reduced;
    if (old_lr - new_lr > options_.eps) hyper_->lr = new_lr;
  }

  SolverHyperParams* hyper_;
  PlateauOptions options_;
  double best_;
  int64_t bad_steps_ = 0;
  int64_t cooldown_counter_ = 0;
};

absl::StatusOr<PlateauOptions> ReadPlateauOptions(
    const google::protobuf::Struct& spec_args) {
  ArgReader args(spec_args, "ReduceLROnPlateau");
  PlateauOptions options;
  options.minimize = args.String("mode", "min", {"min", "max"}) == "min";
  options.factor = args.Double("factor", 0.1);
  args.Check(options.factor > 0 && options.factor < 1, "factor",
             "must be in (0, 1)", options.factor);
  options.patience = args.Int("patience", 10);
  args.Check(options.patience >= 0, "patience", "must be >= 0",
             static_cast<double>(options.patience));

  options.relative =
      args.String("threshold_mode", "rel", {"rel", "abs"}) == "rel";
  options.threshold = args.Double("threshold", 1e-4);
  args.Check(options.threshold >= 0, "threshold", "must be >= 0",
             options.threshold);
  // A relative threshold of 1 requires a 100% improvement. In min mode the
  // bound best * (1 - threshold) is then 0 or below, and inf * 0 gives NaN
  // for the initial best.
  args.Check(!options.relative || options.threshold < 1, "threshold",
             "must be < 1 with threshold_mode 'rel'", options.threshold);

  options.cooldown = args.Int("cooldown", 0);
  args.Check(options.cooldown >= 0, "cooldown", "must be >= 0",
             static_cast<double>(options.cooldown));
  options.min_lr = ReadLearningRate(&args, "min_lr", 0.0, false);
  options.eps = args.Double("eps", 1e-8);
  args.Check(options.eps >= 0, "eps", "must be >= 0", options.eps);

  absl::Status status = args.Finish();
  if (!status.ok()) return status;
  return options;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Scheduler>> MakeReduceLROnPlateau(
    const google::protobuf::Struct& args, SolverHyperParams* hyper) {
  absl::StatusOr<PlateauOptions> options = ReadPlateauOptions(args);
  if (!options.ok()) return options.status();
  return std::make_unique<ReduceLROnPlateau>(hyper, *options);
}

}  // namespace lrsweep::engine::scheduler_internal
