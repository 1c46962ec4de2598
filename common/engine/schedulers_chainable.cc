// The schedulers that PyTorch computes in recursive ("chainable") form:
// ExponentialLR, StepLR, MultiStepLR, ConstantLR, LinearLR, PolynomialLR,
// CosineAnnealingLR, plus CosineAnnealingWarmRestarts, which SequentialLR
// drives the same way. Each formula below names the torch.optim.lr_scheduler
// expression it reproduces. In them `lr` is the current learning rate,
// `base` is base_lrs[0] and `t` is last_epoch.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/scheduler_internal.h"

namespace lrsweep::engine::scheduler_internal {
namespace {

using google::protobuf::Struct;

// Python's math.pi, which equals M_PI.
constexpr double kPi = 3.141592653589793;

// T_max bound of CosineAnnealingLR. The recursive formula divides by
// 1 + cos(pi * (t - 1) / T_max), whose smallest value outside the special
// case is about (pi / T_max)^2 / 2. At T_max = 1e8 it is still 4.4e-16 in
// double precision (checked with Python for t up to 10001 T_max). At 3e8 it
// rounds to 0 and the division gives inf or NaN, where PyTorch raises
// ZeroDivisionError.
constexpr int64_t kMaxCosinePeriod = 100'000'000;

// Checks a multiplicative factor: > 0, as PyTorch's formulas need. A factor
// above 1 grows the learning rate, as an LR range test does. A rate that
// overflows makes training diverge, which the trainer reports as DIVERGED.
void CheckGamma(ArgReader* args, absl::string_view name, double value) {
  args->Check(value > 0, name, "must be > 0", value);
}

// Checks a factor that PyTorch divides by: in (0, 1] and not subnormal, so
// that the quotient stays finite.
void CheckDivisorFactor(ArgReader* args, absl::string_view name,
                        double value) {
  args->Check(value >= std::numeric_limits<double>::min() && value <= 1, name,
              "must be in (0, 1] and at least 2.2250738585072014e-308", value);
}

// ExponentialLR: lr <- lr * gamma on every step after the first.
class ExponentialLR : public ChainableScheduler {
 public:
  ExponentialLR(SolverHyperParams* hyper, double base_lr, double gamma)
      : ChainableScheduler(hyper, base_lr), gamma_(gamma) {}

 private:
  double InitialLr(double lr) override { return lr; }
  double ChainedLr(int64_t, double lr) override { return lr * gamma_; }
  // base * gamma ** 0
  double EpochZeroLr() override { return base_lr() * std::pow(gamma_, 0.0); }

  double gamma_;
};

// StepLR: lr <- lr * gamma when t is a positive multiple of step_size.
class StepLR : public ChainableScheduler {
 public:
  StepLR(SolverHyperParams* hyper, double base_lr, int64_t step_size,
         double gamma)
      : ChainableScheduler(hyper, base_lr), step_size_(step_size), gamma_(gamma) {}

 private:
  double InitialLr(double lr) override { return lr; }
  double ChainedLr(int64_t t, double lr) override {
    return t % step_size_ == 0 ? lr * gamma_ : lr;
  }
  // base * gamma ** (0 // step_size)
  double EpochZeroLr() override { return base_lr() * std::pow(gamma_, 0.0); }

  int64_t step_size_;
  double gamma_;
};

// MultiStepLR: lr <- lr * gamma ** count[t], where count is a Counter of the
// milestones, so a milestone given twice decays twice and the order does not
// matter. A milestone at 0 already applies in the constructor's step.
class MultiStepLR : public ChainableScheduler {
 public:
  MultiStepLR(SolverHyperParams* hyper, double base_lr,
              const std::vector<int64_t>& milestones, double gamma)
      : ChainableScheduler(hyper, base_lr), gamma_(gamma) {
    for (int64_t milestone : milestones) ++counts_[milestone];
  }

 private:
  double InitialLr(double lr) override { return ChainedLr(0, lr); }
  double ChainedLr(int64_t t, double lr) override {
    auto it = counts_.find(t);
    if (it == counts_.end()) return lr;
    return lr * std::pow(gamma_, static_cast<double>(it->second));
  }
  // base * gamma ** bisect_right(sorted(milestones), 0)
  double EpochZeroLr() override {
    int64_t at_or_before_zero = 0;
    for (const auto& [milestone, count] : counts_) {
      if (milestone <= 0) at_or_before_zero += count;
    }
    return base_lr() * std::pow(gamma_, static_cast<double>(at_or_before_zero));
  }

  std::map<int64_t, int64_t> counts_;
  double gamma_;
};

// ConstantLR: lr * factor at t = 0, lr * (1 / factor) at t = total_iters.
class ConstantLR : public ChainableScheduler {
 public:
  ConstantLR(SolverHyperParams* hyper, double base_lr, double factor,
             int64_t total_iters)
      : ChainableScheduler(hyper, base_lr), factor_(factor), total_iters_(total_iters) {}

 private:
  double InitialLr(double lr) override { return lr * factor_; }
  double ChainedLr(int64_t t, double lr) override {
    return t == total_iters_ ? lr * (1.0 / factor_) : lr;
  }
  // base * (factor + (0 >= total_iters) * (1 - factor))
  double EpochZeroLr() override {
    const double reached = total_iters_ <= 0 ? 1.0 : 0.0;
    return base_lr() * (factor_ + reached * (1 - factor_));
  }

  double factor_;
  int64_t total_iters_;
};

// LinearLR: lr * start_factor at t = 0, then for 1 <= t <= total_iters
// lr <- lr * (1 + (end - start) / (total_iters * start + (t - 1) * (end - start))).
class LinearLR : public ChainableScheduler {
 public:
  LinearLR(SolverHyperParams* hyper, double base_lr, double start_factor,
           double end_factor, int64_t total_iters)
      : ChainableScheduler(hyper, base_lr),
        start_(start_factor),
        end_(end_factor),
        total_iters_(total_iters) {}

 private:
  double InitialLr(double lr) override { return lr * start_; }
  double ChainedLr(int64_t t, double lr) override {
    if (t > total_iters_) return lr;
    const double denominator = static_cast<double>(total_iters_) * start_ +
                               static_cast<double>(t - 1) * (end_ - start_);
    return lr * (1.0 + (end_ - start_) / denominator);
  }
  // base * (start + (end - start) * min(total_iters, 0) / total_iters)
  double EpochZeroLr() override {
    const double elapsed = static_cast<double>(std::min<int64_t>(total_iters_, 0));
    return base_lr() *
           (start_ + (end_ - start_) * elapsed / static_cast<double>(total_iters_));
  }

  double start_;
  double end_;
  int64_t total_iters_;
};

// PolynomialLR: for 1 <= t <= total_iters
// lr <- lr * ((1 - t / total_iters) / (1 - (t - 1) / total_iters)) ** power.
class PolynomialLR : public ChainableScheduler {
 public:
  PolynomialLR(SolverHyperParams* hyper, double base_lr, int64_t total_iters,
               double power)
      : ChainableScheduler(hyper, base_lr), total_iters_(total_iters), power_(power) {}

 private:
  double InitialLr(double lr) override { return lr; }
  double ChainedLr(int64_t t, double lr) override {
    if (t > total_iters_) return lr;
    const double total = static_cast<double>(total_iters_);
    const double decay =
        std::pow((1.0 - static_cast<double>(t) / total) /
                     (1.0 - static_cast<double>(t - 1) / total),
                 power_);
    return lr * decay;
  }
  // base * (1 - min(total_iters, 0) / total_iters) ** power
  double EpochZeroLr() override {
    const double elapsed = static_cast<double>(std::min<int64_t>(total_iters_, 0));
    return base_lr() *
           std::pow(1.0 - elapsed / static_cast<double>(total_iters_), power_);
  }

  int64_t total_iters_;
  double power_;
};

// CosineAnnealingLR in PyTorch's recursive form. For t >= 1:
//   if (t - 1 - T_max) % (2 T_max) == 0:
//     lr <- lr + (base - eta_min) * (1 - cos(pi / T_max)) / 2
//   else:
//     lr <- (1 + cos(pi t / T_max)) / (1 + cos(pi (t - 1) / T_max))
//           * (lr - eta_min) + eta_min
// It follows eta_min + (base - eta_min) (1 + cos(pi t / T_max)) / 2 up to
// rounding, so past T_max the learning rate rises again with period
// 2 T_max.
class CosineAnnealingLR : public ChainableScheduler {
 public:
  CosineAnnealingLR(SolverHyperParams* hyper, double base_lr, int64_t t_max,
                    double eta_min)
      : ChainableScheduler(hyper, base_lr), t_max_(t_max), eta_min_(eta_min) {}

 private:
  double InitialLr(double lr) override { return lr; }
  double ChainedLr(int64_t t, double lr) override {
    const double t_max = static_cast<double>(t_max_);
    // Python's (t - 1 - T_max) % (2 * T_max) == 0, written so that it
    // cannot overflow: t - 1 >= 0 exceeds T_max by an even multiple of it.
    const int64_t past_t_max = t - 1 - t_max_;
    if (past_t_max >= 0 && past_t_max % t_max_ == 0 &&
        (past_t_max / t_max_) % 2 == 0) {
      return lr + (base_lr() - eta_min_) * (1 - std::cos(kPi / t_max)) / 2;
    }
    const double now = 1 + std::cos(kPi * static_cast<double>(t) / t_max);
    const double before = 1 + std::cos(kPi * static_cast<double>(t - 1) / t_max);
    return now / before * (lr - eta_min_) + eta_min_;
  }
  // eta_min + (base - eta_min) * (1 + cos(pi * 0 / T_max)) / 2
  double EpochZeroLr() override {
    const double angle = kPi * 0.0 / static_cast<double>(t_max_);
    return eta_min_ + (base_lr() - eta_min_) * (1 + std::cos(angle)) / 2;
  }

  int64_t t_max_;
  double eta_min_;
};

// CosineAnnealingWarmRestarts: lr = eta_min + (base - eta_min)
// * (1 + cos(pi T_cur / T_i)) / 2, where T_cur counts the steps since the
// last restart and T_i, starting at T_0, is multiplied by T_mult at each
// restart. PyTorch computes this in closed form. It counts as chainable here
// only because SequentialLR can restart it.
class CosineAnnealingWarmRestarts : public ChainableScheduler {
 public:
  CosineAnnealingWarmRestarts(SolverHyperParams* hyper, double base_lr,
                              int64_t t_0, int64_t t_mult, double eta_min)
      : ChainableScheduler(hyper, base_lr),
        t_0_(t_0),
        t_mult_(t_mult),
        eta_min_(eta_min),
        t_i_(t_0) {}

 private:
  double InitialLr(double) override { return EpochZeroLr(); }
  double ChainedLr(int64_t, double) override {
    ++t_cur_;
    if (t_cur_ >= t_i_) {
      t_cur_ -= t_i_;
      // NOTE: Python's integers do not overflow. Past 2^63 steps per cycle
      // T_i saturates here, which only matters after that many steps.
      const int64_t max_steps = std::numeric_limits<int64_t>::max();
      t_i_ = t_i_ > max_steps / t_mult_ ? max_steps : t_i_ * t_mult_;
    }
    return CurrentLr();
  }
  // step(0): T_i = T_0 and T_cur = 0.
  double EpochZeroLr() override {
    t_i_ = t_0_;
    t_cur_ = 0;
    return CurrentLr();
  }

  double CurrentLr() const {
    const double angle =
        kPi * static_cast<double>(t_cur_) / static_cast<double>(t_i_);
    return eta_min_ + (base_lr() - eta_min_) * (1 + std::cos(angle)) / 2;
  }

  int64_t t_0_;
  int64_t t_mult_;
  double eta_min_;
  int64_t t_i_;
  int64_t t_cur_ = 0;
};

using ChainablePtr = std::unique_ptr<ChainableScheduler>;

ChainablePtr ReadExponentialLR(ArgReader* args, double base_lr,
                               SolverHyperParams* hyper) {
  RequireArgument(args, "gamma", "ExponentialLR");
  const double gamma = args->Double("gamma", 1.0);
  CheckGamma(args, "gamma", gamma);
  return std::make_unique<ExponentialLR>(hyper, base_lr, gamma);
}

ChainablePtr ReadStepLR(ArgReader* args, double base_lr,
                        SolverHyperParams* hyper) {
  RequireArgument(args, "step_size", "StepLR");
  const int64_t step_size = args->Int("step_size", 1);
  args->Check(step_size > 0, "step_size", "must be > 0",
              static_cast<double>(step_size));
  const double gamma = args->Double("gamma", 0.1);
  CheckGamma(args, "gamma", gamma);
  return std::make_unique<StepLR>(hyper, base_lr, step_size, gamma);
}

ChainablePtr ReadMultiStepLR(ArgReader* args, double base_lr,
                             SolverHyperParams* hyper) {
  RequireArgument(args, "milestones", "MultiStepLR");
  const std::vector<int64_t> milestones = args->IntList("milestones", {});
  for (size_t i = 0; i < milestones.size(); ++i) {
    args->Check(milestones[i] >= 0, absl::StrCat("milestones[", i, "]"),
                "must be >= 0", static_cast<double>(milestones[i]));
  }
  const double gamma = args->Double("gamma", 0.1);
  CheckGamma(args, "gamma", gamma);
  return std::make_unique<MultiStepLR>(hyper, base_lr, milestones, gamma);
}

ChainablePtr ReadConstantLR(ArgReader* args, double base_lr,
                            SolverHyperParams* hyper) {
  // PyTorch accepts factor 0 and then divides by it at total_iters.
  const double factor = args->Double("factor", 1.0 / 3);
  CheckDivisorFactor(args, "factor", factor);
  const int64_t total_iters = args->Int("total_iters", 5);
  args->Check(total_iters > 0, "total_iters",
              "must be > 0, else the factor is never removed",
              static_cast<double>(total_iters));
  return std::make_unique<ConstantLR>(hyper, base_lr, factor, total_iters);
}

ChainablePtr ReadLinearLR(ArgReader* args, double base_lr,
                          SolverHyperParams* hyper) {
  // The recursive formula divides by total_iters * start_factor.
  const double start_factor = args->Double("start_factor", 1.0 / 3);
  CheckDivisorFactor(args, "start_factor", start_factor);
  const double end_factor = args->Double("end_factor", 1.0);
  args->Check(end_factor >= 0 && end_factor <= 1, "end_factor",
              "must be in [0, 1]", end_factor);
  const int64_t total_iters = args->Int("total_iters", 5);
  args->Check(total_iters > 0 && total_iters <= kMaxExactSteps, "total_iters",
              "must be in [1, 2^53]", static_cast<double>(total_iters));
  return std::make_unique<LinearLR>(hyper, base_lr, start_factor, end_factor,
                                    total_iters);
}

ChainablePtr ReadPolynomialLR(ArgReader* args, double base_lr,
                              SolverHyperParams* hyper) {
  const int64_t total_iters = args->Int("total_iters", 5);
  args->Check(total_iters > 0 && total_iters <= kMaxExactSteps, "total_iters",
              "must be in [1, 2^53]", static_cast<double>(total_iters));
  const double power = args->Double("power", 1.0);
  args->Check(power >= 0, "power", "must be >= 0", power);
  return std::make_unique<PolynomialLR>(hyper, base_lr, total_iters, power);
}

ChainablePtr ReadCosineAnnealingLR(ArgReader* args, double base_lr,
                                   SolverHyperParams* hyper) {
  RequireArgument(args, "T_max", "CosineAnnealingLR");
  const int64_t t_max = args->Int("T_max", 1);
  args->Check(t_max > 0 && t_max <= kMaxCosinePeriod, "T_max",
              "must be in [1, 100000000]", static_cast<double>(t_max));
  const double eta_min = ReadLearningRate(args, "eta_min", 0.0, false);
  return std::make_unique<CosineAnnealingLR>(hyper, base_lr, t_max, eta_min);
}

ChainablePtr ReadCosineAnnealingWarmRestarts(ArgReader* args, double base_lr,
                                             SolverHyperParams* hyper) {
  RequireArgument(args, "T_0", "CosineAnnealingWarmRestarts");
  const int64_t t_0 = args->Int("T_0", 1);
  args->Check(t_0 > 0, "T_0", "must be > 0", static_cast<double>(t_0));
  const int64_t t_mult = args->Int("T_mult", 1);
  args->Check(t_mult >= 1, "T_mult", "must be >= 1",
              static_cast<double>(t_mult));
  const double eta_min = ReadLearningRate(args, "eta_min", 0.0, false);
  return std::make_unique<CosineAnnealingWarmRestarts>(
      hyper, base_lr, t_0, t_mult, eta_min);
}

using ChainableReader = ChainablePtr (*)(ArgReader*, double,
                                         SolverHyperParams*);

struct ChainableClass {
  absl::string_view name;
  ChainableReader read;
};

constexpr ChainableClass kChainableClasses[] = {
    {"ConstantLR", ReadConstantLR},
    {"CosineAnnealingLR", ReadCosineAnnealingLR},
    {"CosineAnnealingWarmRestarts", ReadCosineAnnealingWarmRestarts},
    {"ExponentialLR", ReadExponentialLR},
    {"LinearLR", ReadLinearLR},
    {"MultiStepLR", ReadMultiStepLR},
    {"PolynomialLR", ReadPolynomialLR},
    {"StepLR", ReadStepLR},
};

}  // namespace

void ChainableScheduler::InitialStep() {
  last_epoch_ = 0;
  hyper_->lr = InitialLr(hyper_->lr);
}

void ChainableScheduler::Step(double /*metric*/) {
  ++last_epoch_;
  hyper_->lr = ChainedLr(last_epoch_, hyper_->lr);
}

void ChainableScheduler::RestartAtZero() {
  last_epoch_ = 0;
  hyper_->lr = EpochZeroLr();
}

bool IsChainableScheduler(absl::string_view name) {
  for (const ChainableClass& known : kChainableClasses) {
    if (known.name == name) return true;
  }
  return false;
}

absl::StatusOr<std::unique_ptr<ChainableScheduler>> MakeChainableScheduler(
    absl::string_view name, const Struct& args, double base_lr,
    SolverHyperParams* hyper) {
  for (const ChainableClass& known : kChainableClasses) {
    if (known.name != name) continue;
    ArgReader reader(args, name);
    ChainablePtr scheduler = known.read(&reader, base_lr, hyper);
    absl::Status status = reader.Finish();
    if (!status.ok()) return status;
    return scheduler;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("name: '", name, "' is not a chainable scheduler"));
}

}  // namespace lrsweep::engine::scheduler_internal
