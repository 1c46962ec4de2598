// Adam, AdamW and Adamax, as torch.optim computes them. NAdam and RAdam are
// in optimizers_nadam_radam.cc.
//
// Each moment update follows PyTorch 1.13's `m.mul_(beta1).add_(d, alpha=1 -
// beta1)`. PyTorch 2.x writes `m.lerp_(d, 1 - beta1)` instead, which is the
// same value rounded differently.

#include <cassert>
#include <cmath>
#include <cstdint>
#include <memory>

#include "engine/optimizer_internal.h"
#include "engine/optimizer_kernels.h"
#include "util/status_macros.h"

namespace lrsweep::engine::internal {
namespace {

struct AdamOptions {
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  // AdamW, or Adam with PyTorch 2.x's decoupled_weight_decay: the decay
  // multiplies the parameters instead of entering the gradient.
  bool decoupled_weight_decay = false;
  bool amsgrad = false;
  bool maximize = false;
};

// torch.optim.Adam and torch.optim.AdamW, single-tensor path. At step t
// (from 1), with beta1 = hyper().momentum and g negated when maximizing:
//   decoupled: p = p * (1 - lr * lambda),  d = g
//   otherwise: d = g + lambda * p
//   m = beta1 * m + (1 - beta1) * d
//   v = beta2 * v + (1 - beta2) * d^2
//   amsgrad:   v_max = max(v_max, v), and v_max replaces v below
//   p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
template <typename T>
class Adam final : public Optimizer<T> {
 public:
  using Vector = typename Optimizer<T>::Vector;

  Adam(const AdamOptions& options, double lr, double beta1,
       Eigen::Index num_params)
      : options_(options),
        exp_avg_(Vector::Zero(num_params)),
        exp_avg_sq_(Vector::Zero(num_params)),
        max_exp_avg_sq_(Vector::Zero(options.amsgrad ? num_params : 0)) {
    this->hyper_.lr = lr;
    this->hyper_.momentum = beta1;
    this->hyper_.momentum_kind = MomentumKind::kBeta1;
  }

  void Step(Eigen::Ref<Vector> params,
            const Eigen::Ref<const Vector>& grad) override {
    assert(params.size() == exp_avg_.size());
    assert(grad.size() == exp_avg_.size());
    ++step_;
    const double lr = this->hyper_.lr;
    const double beta1 = this->hyper_.momentum;
    const double t = static_cast<double>(step_);
    const double bias_correction1 = 1 - std::pow(beta1, t);
    const double bias_correction2 = 1 - std::pow(options_.beta2, t);

    const T b1 = static_cast<T>(beta1);
    const T one_minus_b1 = static_cast<T>(1 - beta1);
    const T b2 = static_cast<T>(options_.beta2);
    const T one_minus_b2 = static_cast<T>(1 - options_.beta2);
    const T neg_step_size = static_cast<T>(-(lr / bias_correction1));
    const T bias_correction2_sqrt = static_cast<T>(std::sqrt(bias_correction2));
    const T eps = static_cast<T>(options_.eps);
    const bool decoupled = options_.decoupled_weight_decay;
    const T weight_decay =
        static_cast<T>(decoupled ? 0.0 : options_.weight_decay);
    // Multiplying by 1 is exact, so the kernel needs no branch on decoupled.
    const T decay_factor =
        static_cast<T>(decoupled ? 1 - lr * options_.weight_decay : 1.0);
    const T grad_sign = GradSign<T>(options_.maximize);

    T* p = params.data();
    const T* g = grad.data();
    T* m = exp_avg_.data();
    T* v = exp_avg_sq_.data();
    T* v_max = max_exp_avg_sq_.data();
    DispatchOnFlag(options_.amsgrad, [&](auto amsgrad) {
      ForEachElement(params.size(), [=](Eigen::Index i) {
        const T param = p[i] * decay_factor;
        const T d = PenalizedGradient(g[i], param, weight_decay, grad_sign);
        const T mean = std::fma(one_minus_b1, d, m[i] * b1);
        m[i] = mean;
        T square = std::fma(one_minus_b2 * d, d, v[i] * b2);
        v[i] = square;
        if constexpr (amsgrad) {
          square = MaximumPropagatingNan(v_max[i], square);
          v_max[i] = square;
        }
        const T denom = std::sqrt(square) / bias_correction2_sqrt + eps;
        p[i] = param + (neg_step_size * mean) / denom;
      });
    });
  }

 private:
  const AdamOptions options_;
  Vector exp_avg_;
  Vector exp_avg_sq_;
  // Empty unless amsgrad.
  Vector max_exp_avg_sq_;
  int64_t step_ = 0;
};

struct AdamaxOptions {
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool maximize = false;
};

// torch.optim.Adamax, single-tensor path. At step t, with d = g + lambda * p:
//   m = beta1 * m + (1 - beta1) * d
//   u = max(beta2 * u, |d| + eps)
//   p = p - lr / (1 - beta1^t) * m / u
template <typename T>
class Adamax final : public Optimizer<T> {
 public:
  using Vector = typename Optimizer<T>::Vector;

  Adamax(const AdamaxOptions& options, double lr, double beta1,
         Eigen::Index num_params)
      : options_(options),
        exp_avg_(Vector::Zero(num_params)),
        exp_inf_(Vector::Zero(num_params)) {
    this->hyper_.lr = lr;
    this->hyper_.momentum = beta1;
    this->hyper_.momentum_kind = MomentumKind::kBeta1;
  }

  void Step(Eigen::Ref<Vector> params,
            const Eigen::Ref<const Vector>& grad) override {
    assert(params.size() == exp_avg_.size());
    assert(grad.size() == exp_avg_.size());
    ++step_;
    const double beta1 = this->hyper_.momentum;
    const double bias_correction =
        1 - std::pow(beta1, static_cast<double>(step_));
    const T neg_clr = static_cast<T>(-(this->hyper_.lr / bias_correction));
    const T b1 = static_cast<T>(beta1);
    const T one_minus_b1 = static_cast<T>(1 - beta1);
    const T b2 = static_cast<T>(options_.beta2);
    const T eps = static_cast<T>(options_.eps);
    const T weight_decay = static_cast<T>(options_.weight_decay);
    const T grad_sign = GradSign<T>(options_.maximize);

    T* p = params.data();
    const T* g = grad.data();
    T* m = exp_avg_.data();
    T* u = exp_inf_.data();
    ForEachElement(params.size(), [=](Eigen::Index i) {
      const T d = PenalizedGradient(g[i], p[i], weight_decay, grad_sign);
      const T mean = std::fma(one_minus_b1, d, m[i] * b1);
      m[i] = mean;
      const T norm = MaximumPropagatingNan(u[i] * b2, std::fabs(d) + eps);
      u[i] = norm;
      p[i] = p[i] + (neg_clr * mean) / norm;
    });
  }

 private:
  const AdamaxOptions options_;
  Vector exp_avg_;
  Vector exp_inf_;
  int64_t step_ = 0;
};

}  // namespace

template <typename T>
OptimizerOr<T> MakeAdam(ArgReader& args, double lr, Eigen::Index num_params) {
  AdamOptions options;
  const auto [beta1, beta2] = ReadBetas(args);
  options.beta2 = beta2;
  options.eps = ReadNonNegative(args, "eps", 1e-8);
  options.weight_decay = ReadNonNegative(args, "weight_decay", 0.0);
  options.amsgrad = args.Bool("amsgrad", false);
  options.maximize = args.Bool("maximize", false);
  options.decoupled_weight_decay = args.Bool("decoupled_weight_decay", false);
  ReadImplementationFlags(
      args, {"foreach", "capturable", "differentiable", "fused"});
  RETURN_IF_ERROR(args.Finish());
  return std::make_unique<Adam<T>>(options, lr, beta1, num_params);
}

template <typename T>
OptimizerOr<T> MakeAdamW(ArgReader& args, double lr, Eigen::Index num_params) {
  AdamOptions options;
  const auto [beta1, beta2] = ReadBetas(args);
  options.beta2 = beta2;
  options.eps = ReadNonNegative(args, "eps", 1e-8);
  options.weight_decay = ReadNonNegative(args, "weight_decay", 1e-2);
  options.amsgrad = args.Bool("amsgrad", false);
  options.maximize = args.Bool("maximize", false);
  options.decoupled_weight_decay = true;
  ReadImplementationFlags(
      args, {"foreach", "capturable", "differentiable", "fused"});
  RETURN_IF_ERROR(args.Finish());
  return std::make_unique<Adam<T>>(options, lr, beta1, num_params);
}

template <typename T>
OptimizerOr<T> MakeAdamax(ArgReader& args, double lr,
                          Eigen::Index num_params) {
  AdamaxOptions options;
  const auto [beta1, beta2] = ReadBetas(args);
  options.beta2 = beta2;
  options.eps = ReadNonNegative(args, "eps", 1e-8);
  options.weight_decay = ReadNonNegative(args, "weight_decay", 0.0);
  options.maximize = args.Bool("maximize", false);
  ReadImplementationFlags(args, {"foreach", "capturable", "differentiable"});
  RETURN_IF_ERROR(args.Finish());
  return std::make_unique<Adamax<T>>(options, lr, beta1, num_params);
}

#define LRSWEEP_INSTANTIATE_FACTORIES(T)                                  \
  template OptimizerOr<T> MakeAdam<T>(ArgReader&, double, Eigen::Index);  \
  template OptimizerOr<T> MakeAdamW<T>(ArgReader&, double, Eigen::Index); \
  template OptimizerOr<T> MakeAdamax<T>(ArgReader&, double, Eigen::Index);
LRSWEEP_INSTANTIATE_FACTORIES(float)
LRSWEEP_INSTANTIATE_FACTORIES(double)
#undef LRSWEEP_INSTANTIATE_FACTORIES

}  // namespace lrsweep::engine::internal
