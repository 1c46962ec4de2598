// NAdam and RAdam, as torch.optim 2.x computes them. Their arguments
// `maximize` and `decoupled_weight_decay` are new in PyTorch 2.x, and NAdam
// follows the 2.x update rule, which PyTorch 1.13's default path gets wrong.
//
// The moment updates follow PyTorch 1.13's `m.mul_(beta1).add_(d, alpha=1 -
// beta1)`; PyTorch 2.x writes `m.lerp_(d, 1 - beta1)`, which is the same
// value rounded differently.

#include <cassert>
#include <cmath>
#include <cstdint>
#include <memory>

#include "engine/optimizer_internal.h"
#include "engine/optimizer_kernels.h"
#include "util/status_macros.h"

namespace lrsweep::engine::internal {
namespace {

// Options shared by NAdam and RAdam.
struct NAdamOptions {
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum_decay = 4e-3;  // NAdam only.
  bool decoupled_weight_decay = false;
  bool maximize = false;
};

// torch.optim.NAdam (2.x), single-tensor path. At step t (from 1), with
// psi = momentum_decay and beta1 = hyper().momentum:
//   decoupled: p = p * (1 - lr * lambda), d = g;  otherwise d = g + lambda * p
//   mu_t = beta1 * (1 - 0.5 * 0.96^(t * psi))
//   mu_{t+1} = beta1 * (1 - 0.5 * 0.96^((t + 1) * psi))
//   P_t = mu_1 * ... * mu_t
//   m = beta1 * m + (1 - beta1) * d,  v = beta2 * v + (1 - beta2) * d^2
//   r = sqrt(v / (1 - beta2^t)) + eps
//   p = p - lr * (1 - mu_t) / (1 - P_t) * d / r
//         - lr * mu_{t+1} / (1 - P_t * mu_{t+1}) * m / r
// PyTorch 1.13's single-tensor path divides the last term by
// 1 - P_t * mu_t * mu_{t+1} instead; its foreach path and 2.x agree with the
// formula above.
template <typename T>
class NAdam final : public Optimizer<T> {
 public:
  using Vector = typename Optimizer<T>::Vector;

  NAdam(const NAdamOptions& options, double lr, double beta1,
        Eigen::Index num_params)
      : options_(options),
        exp_avg_(Vector::Zero(num_params)),
        exp_avg_sq_(Vector::Zero(num_params)) {
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
    const double bias_correction2 = 1 - std::pow(options_.beta2, t);
    const double psi = options_.momentum_decay;
    const double mu = beta1 * (1 - 0.5 * std::pow(0.96, t * psi));
    const double mu_next = beta1 * (1 - 0.5 * std::pow(0.96, (t + 1) * psi));
    // PyTorch keeps the product in a 0-dim tensor of the default dtype and
    // reads it back as a double. Keeping it in T matches PyTorch run with
    // the default dtype set to the parameters' dtype.
    mu_product_ = mu_product_ * static_cast<T>(mu);
    const double mu_product = static_cast<double>(mu_product_);
    const double mu_product_next = mu_product * mu_next;

    const T grad_coefficient = static_cast<T>(-lr * (1 - mu) / (1 - mu_product));
    const T mean_coefficient =
        static_cast<T>((-lr * mu_next) / (1 - mu_product_next));
    const T b1 = static_cast<T>(beta1);
    const T one_minus_b1 = static_cast<T>(1 - beta1);
    const T b2 = static_cast<T>(options_.beta2);
    const T one_minus_b2 = static_cast<T>(1 - options_.beta2);
    const T bias_correction2_t = static_cast<T>(bias_correction2);
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
    ForEachElement(params.size(), [=](Eigen::Index i) {
      const T param = p[i] * decay_factor;
      const T d = PenalizedGradient(g[i], param, weight_decay, grad_sign);
      const T mean = std::fma(one_minus_b1, d, m[i] * b1);
      m[i] = mean;
      const T square = std::fma(one_minus_b2 * d, d, v[i] * b2);
      v[i] = square;
      const T denom = std::sqrt(square / bias_correction2_t) + eps;
      const T partial = param + (grad_coefficient * d) / denom;
      p[i] = partial + (mean_coefficient * mean) / denom;
    });
  }

 private:
  const NAdamOptions options_;
  Vector exp_avg_;
  Vector exp_avg_sq_;
  T mu_product_ = 1;
  int64_t step_ = 0;
};

// torch.optim.RAdam (2.x), single-tensor path. At step t (from 1), with d
// as in NAdam:
//   m = beta1 * m + (1 - beta1) * d,  v = beta2 * v + (1 - beta2) * d^2
//   rho_inf = 2 / (1 - beta2) - 1
//   rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
//   rho_t > 5:  r = sqrt((rho_t - 4)(rho_t - 2) rho_inf /
//                        ((rho_inf - 4)(rho_inf - 2) rho_t))
//               p = p - m / (1 - beta1^t) * lr
//                     * sqrt(1 - beta2^t) / (sqrt(v) + eps) * r
//   otherwise:  p = p - m / (1 - beta1^t) * lr
template <typename T>
class RAdam final : public Optimizer<T> {
 public:
  using Vector = typename Optimizer<T>::Vector;

  RAdam(const NAdamOptions& options, double lr, double beta1,
        Eigen::Index num_params)
      : options_(options),
        exp_avg_(Vector::Zero(num_params)),
        exp_avg_sq_(Vector::Zero(num_params)) {
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
    const double beta2 = options_.beta2;
    const double t = static_cast<double>(step_);
    const double bias_correction1 = 1 - std::pow(beta1, t);
    const double bias_correction2 = 1 - std::pow(beta2, t);
    const double rho_inf = 2 / (1 - beta2) - 1;
    const double rho_t =
        rho_inf - 2 * t * std::pow(beta2, t) / bias_correction2;
    const double rect =
        rho_t > 5 ? std::sqrt((rho_t - 4) * (rho_t - 2) * rho_inf /
                            ((rho_inf - 4) * (rho_inf - 2) * rho_t))
                : 0.0;

    const T b1 = static_cast<T>(beta1);
    const T one_minus_b1 = static_cast<T>(1 - beta1);
    const T b2 = static_cast<T>(beta2);
    const T one_minus_b2 = static_cast<T>(1 - beta2);
    const T bias_correction1_t = static_cast<T>(bias_correction1);
    const T bias_correction2_sqrt = static_cast<T>(std::sqrt(bias_correction2));
    const T lr_t = static_cast<T>(lr);
    const T rect_t = static_cast<T>(rect);
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
    DispatchOnFlag(rho_t > 5, [&](auto rectify) {
      ForEachElement(params.size(), [=](Eigen::Index i) {
        const T param = p[i] * decay_factor;
        const T d = PenalizedGradient(g[i], param, weight_decay, grad_sign);
        const T mean = std::fma(one_minus_b1, d, m[i] * b1);
        m[i] = mean;
        const T square = std::fma(one_minus_b2 * d, d, v[i] * b2);
        v[i] = square;
        const T step = (mean / bias_correction1_t) * lr_t;
        if constexpr (rectify) {
          // PyTorch evaluates sqrt(1 - beta2^t) / x as (1 / x) * sqrt(...).
          const T adaptive_lr =
              (T{1} / (std::sqrt(square) + eps)) * bias_correction2_sqrt;
          p[i] = param - (step * adaptive_lr) * rect_t;
        } else {
          p[i] = param - step;
        }
      });
    });
  }

 private:
  const NAdamOptions options_;
  Vector exp_avg_;
  Vector exp_avg_sq_;
  int64_t step_ = 0;
};

}  // namespace

template <typename T>
OptimizerOr<T> MakeNAdam(ArgReader& args, double lr, Eigen::Index num_params) {
  NAdamOptions options;
  const auto [beta1, beta2] = ReadBetas(args);
  options.beta2 = beta2;
  options.eps = ReadNonNegative(args, "eps", 1e-8);
  options.weight_decay = ReadNonNegative(args, "weight_decay", 0.0);
  options.momentum_decay = ReadNonNegative(args, "momentum_decay", 4e-3);
  options.decoupled_weight_decay = args.Bool("decoupled_weight_decay", false);
  options.maximize = args.Bool("maximize", false);
  ReadImplementationFlags(args, {"foreach", "capturable", "differentiable"});
  RETURN_IF_ERROR(args.Finish());
  return std::make_unique<NAdam<T>>(options, lr, beta1, num_params);
}

template <typename T>
OptimizerOr<T> MakeRAdam(ArgReader& args, double lr, Eigen::Index num_params) {
  NAdamOptions options;
  const auto [beta1, beta2] = ReadBetas(args);
  options.beta2 = beta2;
  options.eps = ReadNonNegative(args, "eps", 1e-8);
  options.weight_decay = ReadNonNegative(args, "weight_decay", 0.0);
  options.decoupled_weight_decay = args.Bool("decoupled_weight_decay", false);
  options.maximize = args.Bool("maximize", false);
  ReadImplementationFlags(args, {"foreach", "capturable", "differentiable"});
  RETURN_IF_ERROR(args.Finish());
  return std::make_unique<RAdam<T>>(options, lr, beta1, num_params);
}

#define LRSWEEP_INSTANTIATE_FACTORIES(T)                                 \
  template OptimizerOr<T> MakeNAdam<T>(ArgReader&, double, Eigen::Index); \
  template OptimizerOr<T> MakeRAdam<T>(ArgReader&, double, Eigen::Index);
LRSWEEP_INSTANTIATE_FACTORIES(float)
LRSWEEP_INSTANTIATE_FACTORIES(double)
#undef LRSWEEP_INSTANTIATE_FACTORIES

}  // namespace lrsweep::engine::internal
