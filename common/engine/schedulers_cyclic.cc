// CyclicLR and OneCycleLR: closed-form schedules stepped per iteration that
// also cycle momentum (SGD's and RMSprop's `momentum`, or beta1 of the Adam
// family as PyTorch 2.3 and later do), inversely to the learning rate.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/scheduler_internal.h"
#include "util/format.h"

namespace lrsweep::engine::scheduler_internal {
namespace {

using google::protobuf::Struct;

constexpr double kPi = 3.141592653589793;

enum class CyclicMode { kTriangular, kTriangular2, kExpRange };

struct CyclicOptions {
  double base_lr = 0.0;
  double max_lr = 0.0;
  // step_size_up + step_size_down, in iterations.
  double total_size = 0.0;
  // step_size_up / total_size.
  double step_ratio = 0.0;
  CyclicMode mode = CyclicMode::kTriangular;
  double gamma = 1.0;
  bool cycle_momentum = true;
  double base_momentum = 0.8;
  double max_momentum = 0.9;
};

// CyclicLR (torch.optim.lr_scheduler.CyclicLR). At iteration t:
//   cycle = floor(1 + t / total_size)
//   x = 1 + t / total_size - cycle                      (position in the cycle)
//   s = x / step_ratio if x <= step_ratio else (x - 1) / (step_ratio - 1)
//   lr = base_lr + (max_lr - base_lr) * s * scale
//   momentum = max_momentum - (max_momentum - base_momentum) * s * scale
// where scale is 1 (triangular), 1 / 2 ** (cycle - 1) (triangular2) or
// gamma ** t (exp_range).
class CyclicLR : public Scheduler {
 public:
  CyclicLR(SolverHyperParams* hyper, const CyclicOptions& options)
      : hyper_(hyper), options_(options) {
    Apply();
  }

  void Step(double /*metric*/) override {
    ++last_epoch_;
    Apply();
  }
  using Scheduler::Step;

  StepUnit default_step_unit() const override { return StepUnit::kIteration; }
  bool cycles_momentum() const override { return options_.cycle_momentum; }

 private:
  double Scale(double cycle) const {
    switch (options_.mode) {
      case CyclicMode::kTriangular:
        return 1.0;
      case CyclicMode::kTriangular2:
        return 1 / std::pow(2.0, cycle - 1);
      case CyclicMode::kExpRange:
        return std::pow(options_.gamma, static_cast<double>(last_epoch_));
    }
    return 1.0;
  }

  void Apply() {
    const double t = static_cast<double>(last_epoch_);
    const double cycle = std::floor(1 + t / options_.total_size);
    const double x = 1. + t / options_.total_size - cycle;
    const double scale_factor =
        x <= options_.step_ratio ? x / options_.step_ratio
                                 : (x - 1) / (options_.step_ratio - 1);
    const double scale = Scale(cycle);

    const double lr_height = (options_.max_lr - options_.base_lr) * scale_factor;
    hyper_->lr = options_.base_lr + lr_height * scale;
    if (options_.cycle_momentum) {
      const double momentum_height =
          (options_.max_momentum - options_.base_momentum) * scale_factor;
      hyper_->momentum = options_.max_momentum - momentum_height * scale;
    }
  }

  SolverHyperParams* hyper_;
  CyclicOptions options_;
  int64_t last_epoch_ = 0;
};

// One phase of OneCycleLR: anneals from the start to the end values while
// the step goes from the previous phase's end_step to this end_step.
struct OneCyclePhase {
  double end_step;
  double start_lr;
  double end_lr;
  double start_momentum;
  double end_momentum;
};

// OneCycleLR (torch.optim.lr_scheduler.OneCycleLR). In the phase that
// contains step t, pct = (t - start_step) / (end_step - start_step) and
// value = anneal(start, end, pct), with
//   cos:    end + (start - end) / 2 * (cos(pi * pct) + 1)
//   linear: (end - start) * pct + start
class OneCycleLR : public Scheduler {
 public:
  OneCycleLR(SolverHyperParams* hyper, std::vector<OneCyclePhase> phases,
             int64_t total_steps, bool cosine, bool cycle_momentum)
      : hyper_(hyper),
        phases_(std::move(phases)),
        total_steps_(total_steps),
        cosine_(cosine),
        cycle_momentum_(cycle_momentum) {
    Apply();
  }

  void Step(double /*metric*/) override {
    ++last_epoch_;
    Apply();
  }
  using Scheduler::Step;

  StepUnit default_step_unit() const override { return StepUnit::kIteration; }
  bool cycles_momentum() const override { return cycle_momentum_; }

 private:
  double Anneal(double start, double end, double pct) const {
    if (cosine_) {
      const double cos_out = std::cos(kPi * pct) + 1;
      return end + (start - end) / 2.0 * cos_out;
    }
    return (end - start) * pct + start;
  }

  void Apply() {
    // NOTE: PyTorch extrapolates the last phase at step total_steps (which
    // can make a linear schedule negative) and raises after it. This engine
    // keeps the final values instead.
    const double step =
        static_cast<double>(std::min(last_epoch_, total_steps_ - 1));
    double start_step = 0.0;
    for (size_t i = 0; i < phases_.size(); ++i) {
      const OneCyclePhase& phase = phases_[i];
      if (step <= phase.end_step || i + 1 == phases_.size()) {
        const double pct = (step - start_step) / (phase.end_step - start_step);
        hyper_->lr = Anneal(phase.start_lr, phase.end_lr, pct);
        if (cycle_momentum_) {
          hyper_->momentum =
              Anneal(phase.start_momentum, phase.end_momentum, pct);
        }
        return;
      }
      start_step = phase.end_step;
    }
  }

  SolverHyperParams* hyper_;
  std::vector<OneCyclePhase> phases_;
  int64_t total_steps_;
  bool cosine_;
  bool cycle_momentum_;
  int64_t last_epoch_ = 0;
};

// Reads CyclicLR's mode, gamma and scale_mode.
void ReadCyclicMode(ArgReader* args, CyclicOptions* options) {
  const std::string mode = args->String(
      "mode", "triangular", {"triangular", "triangular2", "exp_range"});
  options->mode = mode == "triangular2"  ? CyclicMode::kTriangular2
                  : mode == "exp_range" ? CyclicMode::kExpRange
                                        : CyclicMode::kTriangular;

  // exp_range multiplies the amplitude by gamma ** t: gamma > 1 overflows.
  options->gamma = args->Double("gamma", 1.0);
  args->Check(options->gamma > 0 && options->gamma <= 1, "gamma",
              "must be in (0, 1]", options->gamma);

  // Without scale_fn PyTorch ignores scale_mode and derives it from the mode.
  const std::string implied =
      options->mode == CyclicMode::kExpRange ? "iterations" : "cycle";
  const std::string scale_mode =
      args->String("scale_mode", implied, {"cycle", "iterations"});
  args->CheckMessage(
      scale_mode == implied,
      absl::StrCat("scale_mode: mode '", mode, "' always scales by '", implied,
                   "' because scale_fn is not supported; got '", scale_mode,
                   "'"));
  args->CheckMessage(!args->Has("scale_fn"),
                     "scale_fn: not supported because it is a Python "
                     "callable; use mode instead");
}

// Reads step_size_up and step_size_down. A zero step_size_down is a
// sawtooth: PyTorch never divides by it because x < 1 = step_ratio.
void ReadCyclicSteps(ArgReader* args, CyclicOptions* options) {
  const int64_t up = args->Int("step_size_up", 2000);
  args->Check(up > 0 && up <= kMaxExactSteps, "step_size_up",
              "must be in [1, 2^53]", static_cast<double>(up));
  const int64_t down = args->OptionalInt("step_size_down").value_or(up);
  args->Check(down >= 0 && down <= kMaxExactSteps, "step_size_down",
              "must be in [0, 2^53]", static_cast<double>(down));
  const double up_size = static_cast<double>(up);
  options->total_size = up_size + static_cast<double>(down);
  options->step_ratio = up_size / options->total_size;
}

absl::StatusOr<CyclicOptions> ReadCyclicOptions(const Struct& spec_args,
                                                const SolverHyperParams& hyper) {
  ArgReader args(spec_args, "CyclicLR");
  CyclicOptions options;
  // lrsweep's own default: the job's base learning rate.
  options.base_lr = ReadLearningRate(&args, "base_lr", hyper.lr, false);
  RequireArgument(&args, "max_lr", "CyclicLR");
  options.max_lr = ReadLearningRate(&args, "max_lr", 1.0, true);

  ReadCyclicSteps(&args, &options);
  ReadCyclicMode(&args, &options);

  options.cycle_momentum = args.Bool("cycle_momentum", true);
  options.base_momentum = ReadMomentum(&args, "base_momentum", 0.8);
  options.max_momentum = ReadMomentum(&args, "max_momentum", 0.9);
  CheckCycleMomentum(&args, options.cycle_momentum, hyper.momentum_kind);
  absl::Status status = args.Finish();
  if (!status.ok()) return status;
  return options;
}

struct OneCycleOptions {
  int64_t total_steps = 0;
  double pct_start = 0.3;
  bool cosine = true;
  bool three_phase = false;
  double max_lr = 0.0;
  double div_factor = 25.0;
  double final_div_factor = 1e4;
  bool cycle_momentum = true;
  double base_momentum = 0.85;
  double max_momentum = 0.95;
};

// Reads total_steps, or epochs and steps_per_epoch, which PyTorch uses only
// when total_steps is absent.
void ReadOneCycleLength(ArgReader* args, OneCycleOptions* options) {
  const std::optional<int64_t> total_steps = args->OptionalInt("total_steps");
  const std::optional<int64_t> epochs = args->OptionalInt("epochs");
  const std::optional<int64_t> steps_per_epoch =
      args->OptionalInt("steps_per_epoch");
  if (total_steps.has_value()) {
    args->Check(*total_steps > 0 && *total_steps <= kMaxExactSteps,
                "total_steps", "must be in [1, 2^53]",
                static_cast<double>(*total_steps));
    options->total_steps = *total_steps;
    return;
  }
  if (!epochs.has_value() || !steps_per_epoch.has_value()) {
    args->CheckMessage(false,
                       "total_steps: missing; give total_steps, or epochs and "
                       "steps_per_epoch");
    return;
  }
  args->Check(*epochs > 0, "epochs", "must be > 0",
              static_cast<double>(*epochs));
  args->Check(*steps_per_epoch > 0, "steps_per_epoch", "must be > 0",
              static_cast<double>(*steps_per_epoch));
  if (*epochs <= 0 || *steps_per_epoch <= 0) return;
  args->Check(*epochs <= kMaxExactSteps / *steps_per_epoch, "epochs",
              "times steps_per_epoch must be at most 2^53",
              static_cast<double>(*epochs));
  options->total_steps = *epochs * *steps_per_epoch;
}

// Builds PyTorch's phase table: warm-up from initial_lr to max_lr, then
// annealing to min_lr (two phases), or back to initial_lr and then to min_lr
// (three phases).
std::vector<OneCyclePhase> OneCyclePhases(const OneCycleOptions& options) {
  const double initial_lr = options.max_lr / options.div_factor;
  const double min_lr = initial_lr / options.final_div_factor;
  const double total = static_cast<double>(options.total_steps);
  const double warmup_end = options.pct_start * total - 1;
  const double max_m = options.max_momentum;
  const double base_m = options.base_momentum;
  if (options.three_phase) {
    return {
        {warmup_end, initial_lr, options.max_lr, max_m, base_m},
        {2 * options.pct_start * total - 2, options.max_lr, initial_lr, base_m,
         max_m},
        {total - 1, initial_lr, min_lr, max_m, max_m},
    };
  }
  return {
      {warmup_end, initial_lr, options.max_lr, max_m, base_m},
      {total - 1, options.max_lr, min_lr, base_m, max_m},
  };
}

// Rejects a phase of zero or negative length, which would divide by zero or
// skip the warm-up.
void CheckOneCyclePhases(ArgReader* args,
                         const std::vector<OneCyclePhase>& phases,
                         const OneCycleOptions& options) {
  double start_step = 0.0;
  for (size_t i = 0; i < phases.size(); ++i) {
    const double length = phases[i].end_step - start_step;
    args->CheckMessage(
        length > 0,
        absl::StrCat("pct_start: phase ", i + 1, " of OneCycleLR has ",
                     util::FormatDouble(length), " steps with pct_start ",
                     util::FormatDouble(options.pct_start), " and total_steps ",
                     options.total_steps,
                     "; every phase needs more than 0 steps"));
    start_step = phases[i].end_step;
  }
}

absl::StatusOr<OneCycleOptions> ReadOneCycleOptions(
    const Struct& spec_args, MomentumKind momentum_kind) {
  ArgReader args(spec_args, "OneCycleLR");
  OneCycleOptions options;
  RequireArgument(&args, "max_lr", "OneCycleLR");
  options.max_lr = ReadLearningRate(&args, "max_lr", 1.0, true);
  ReadOneCycleLength(&args, &options);
  options.pct_start = args.Double("pct_start", 0.3);
  args.Check(options.pct_start >= 0 && options.pct_start <= 1, "pct_start",
             "must be in [0, 1]", options.pct_start);
  options.cosine =
      args.String("anneal_strategy", "cos", {"cos", "linear"}) == "cos";
  options.three_phase = args.Bool("three_phase", false);
  // initial_lr = max_lr / div_factor and min_lr = initial_lr /
  // final_div_factor. A factor below 1 would invert the cycle.
  options.div_factor = args.Double("div_factor", 25.0);
  args.Check(options.div_factor >= 1, "div_factor", "must be >= 1",
             options.div_factor);
  options.final_div_factor = args.Double("final_div_factor", 1e4);
  args.Check(options.final_div_factor >= 1, "final_div_factor",
             "must be >= 1", options.final_div_factor);

  options.cycle_momentum = args.Bool("cycle_momentum", true);
  options.base_momentum = ReadMomentum(&args, "base_momentum", 0.85);
  options.max_momentum = ReadMomentum(&args, "max_momentum", 0.95);
  CheckCycleMomentum(&args, options.cycle_momentum, momentum_kind);
  if (options.total_steps > 0) {
    CheckOneCyclePhases(&args, OneCyclePhases(options), options);
  }
  absl::Status status = args.Finish();
  if (!status.ok()) return status;
  return options;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Scheduler>> MakeCyclicLR(
    const Struct& args, SolverHyperParams* hyper) {
  absl::StatusOr<CyclicOptions> options = ReadCyclicOptions(args, *hyper);
  if (!options.ok()) return options.status();
  return std::make_unique<CyclicLR>(hyper, *options);
}

absl::StatusOr<std::unique_ptr<Scheduler>> MakeOneCycleLR(
    const Struct& args, SolverHyperParams* hyper) {
  absl::StatusOr<OneCycleOptions> options =
      ReadOneCycleOptions(args, hyper->momentum_kind);
  if (!options.ok()) return options.status();
  return std::make_unique<OneCycleLR>(hyper, OneCyclePhases(*options),
                                      options->total_steps, options->cosine,
                                      options->cycle_momentum);
}

}  // namespace lrsweep::engine::scheduler_internal
