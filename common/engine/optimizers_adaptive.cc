// The per-coordinate adaptive methods without a first-moment bias
// correction: RMSprop, Adagrad and Adadelta, as torch.optim computes them.

#include <cassert>
#include <cmath>
#include <cstdint>
#include <memory>

#include "engine/optimizer_internal.h"
#include "engine/optimizer_kernels.h"
#include "util/status_macros.h"

namespace lrsweep::engine::internal {
namespace {

struct RmspropOptions {
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0.0;
  bool centered = false;
  bool maximize = false;
};

// torch.optim.RMSprop, single-tensor path. With d = g + lambda * p (g
// negated when maximizing), mu = momentum and all operations elementwise:
//   s = alpha * s + (1 - alpha) * d^2
//   centered:  a = alpha * a + (1 - alpha) * d,  r = sqrt(s - a^2) + eps
//   otherwise: r = sqrt(s) + eps
//   mu > 0:    b = mu * b + d / r,  p = p - lr * b
//   mu == 0:   p = p - lr * d / r
// eps is added outside the square root. PyTorch 2.x updates `a` with
// `a.lerp_(d, 1 - alpha)`, the same value rounded differently from 1.13's
// `a.mul_(alpha).add_(d, alpha=1 - alpha)`, which this kernel follows.
template <typename T>
class Rmsprop final : public Optimizer<T> {
 public:
  using Vector = typename Optimizer<T>::Vector;

  Rmsprop(const RmspropOptions& options, double lr, double momentum,
          Eigen::Index num_params)
      : options_(options),
        square_avg_(Vector::Zero(num_params)),
        grad_avg_(Vector::Zero(options.centered ? num_params : 0)),
        momentum_buffer_(Vector::Zero(num_params)) {
    this->hyper_.lr = lr;
    this->hyper_.momentum = momentum;
    this->hyper_.momentum_kind = MomentumKind::kMomentum;
  }

  void Step(Eigen::Ref<Vector> params,
            const Eigen::Ref<const Vector>& grad) override {
    assert(params.size() == square_avg_.size());
    assert(grad.size() == square_avg_.size());
    const T alpha = static_cast<T>(options_.alpha);
    const T one_minus_alpha = static_cast<T>(1 - options_.alpha);
    const T eps = static_cast<T>(options_.eps);
    const T weight_decay = static_cast<T>(options_.weight_decay);
    const T grad_sign = GradSign<T>(options_.maximize);
    const double momentum = this->hyper_.momentum;
    const T mu = static_cast<T>(momentum);
    const T neg_lr = static_cast<T>(-this->hyper_.lr);

    T* p = params.data();
    const T* g = grad.data();
    T* s = square_avg_.data();
    T* a = grad_avg_.data();
    T* b = momentum_buffer_.data();
    auto kernel = [&](auto centered, auto use_momentum) {
      ForEachElement(params.size(), [=](Eigen::Index i) {
        const T d = PenalizedGradient(g[i], p[i], weight_decay, grad_sign);
        const T square = std::fma(one_minus_alpha * d, d, s[i] * alpha);
        s[i] = square;
        T r;
        if constexpr (centered) {
          const T mean = std::fma(one_minus_alpha, d, a[i] * alpha);
          a[i] = mean;
          r = std::sqrt(std::fma(-mean, mean, square)) + eps;
        } else {
          r = std::sqrt(square) + eps;
        }
        if constexpr (use_momentum) {
          const T buffer = b[i] * mu + d / r;
          b[i] = buffer;
          p[i] = std::fma(neg_lr, buffer, p[i]);
        } else {
          p[i] = p[i] + (neg_lr * d) / r;
        }
      });
    };
    DispatchOnFlag(options_.centered, [&](auto centered) {
      DispatchOnFlag(momentum > 0, [&](auto use_momentum) {
        kernel(centered, use_momentum);
      });
    });
  }

 private:
  const RmspropOptions options_;
  Vector square_avg_;
  // Empty unless centered.
  Vector grad_avg_;
  // Allocated even with momentum 0, so that a scheduler that raises the
  // momentum later causes no allocation inside Step(). PyTorch would fail
  // in that case because it creates the buffer only for momentum > 0.
  Vector momentum_buffer_;
};

struct AdagradOptions {
  double lr_decay = 0.0;
  double weight_decay = 0.0;
  double eps = 1e-10;
  bool maximize = false;
};

// torch.optim.Adagrad, single-tensor path (dense gradients). At step t
// (from 1), with d = g + lambda * p:
//   clr = lr / (1 + (t - 1) * lr_decay)
//   s = s + d^2     (s starts at initial_accumulator_value)
//   p = p - clr * d / (sqrt(s) + eps)
template <typename T>
class Adagrad final : public Optimizer<T> {
 public:
  using Vector = typename Optimizer<T>::Vector;

  Adagrad(const AdagradOptions& options, double initial_accumulator_value,
          double lr, Eigen::Index num_params)
      : options_(options),
        state_sum_(Vector::Constant(
            num_params, static_cast<T>(initial_accumulator_value))) {
    this->hyper_.lr = lr;
    this->hyper_.momentum_kind = MomentumKind::kNone;
  }

  void Step(Eigen::Ref<Vector> params,
            const Eigen::Ref<const Vector>& grad) override {
    assert(params.size() == state_sum_.size());
    assert(grad.size() == state_sum_.size());
    ++step_;
    const double clr = this->hyper_.lr /
                       (1 + static_cast<double>(step_ - 1) * options_.lr_decay);
    const T neg_clr = static_cast<T>(-clr);
    const T eps = static_cast<T>(options_.eps);
    const T weight_decay = static_cast<T>(options_.weight_decay);
    const T grad_sign = GradSign<T>(options_.maximize);

    T* p = params.data();
    const T* g = grad.data();
    T* s = state_sum_.data();
    ForEachElement(params.size(), [=](Eigen::Index i) {
      const T d = PenalizedGradient(g[i], p[i], weight_decay, grad_sign);
      const T sum = std::fma(d, d, s[i]);
      s[i] = sum;
      p[i] = p[i] + (neg_clr * d) / (std::sqrt(sum) + eps);
    });
  }

 private:
  const AdagradOptions options_;
  Vector state_sum_;
  int64_t step_ = 0;
};

struct AdadeltaOptions {
  double rho = 0.9;
  double eps = 1e-6;
  double weight_decay = 0.0;
  bool maximize = false;
};

// torch.optim.Adadelta, single-tensor path. With d = g + lambda * p:
//   s = rho * s + (1 - rho) * d^2
//   delta = sqrt(u + eps) / sqrt(s + eps) * d
//   u = rho * u + (1 - rho) * delta^2
//   p = p - lr * delta
// PyTorch's default lr for Adadelta is 1.0; here lr comes from the spec.
template <typename T>
class Adadelta final : public Optimizer<T> {
 public:
  using Vector = typename Optimizer<T>::Vector;

  Adadelta(const AdadeltaOptions& options, double lr, Eigen::Index num_params)
      : options_(options),
        square_avg_(Vector::Zero(num_params)),
        acc_delta_(Vector::Zero(num_params)) {
    this->hyper_.lr = lr;
    this->hyper_.momentum_kind = MomentumKind::kNone;
  }

  void Step(Eigen::Ref<Vector> params,
            const Eigen::Ref<const Vector>& grad) override {
    assert(params.size() == square_avg_.size());
    assert(grad.size() == square_avg_.size());
    const T rho = static_cast<T>(options_.rho);
    const T one_minus_rho = static_cast<T>(1 - options_.rho);
    const T eps = static_cast<T>(options_.eps);
    const T weight_decay = static_cast<T>(options_.weight_decay);
    const T grad_sign = GradSign<T>(options_.maximize);
    const T neg_lr = static_cast<T>(-this->hyper_.lr);

    T* p = params.data();
    const T* g = grad.data();
    T* s = square_avg_.data();
    T* u = acc_delta_.data();
    ForEachElement(params.size(), [=](Eigen::Index i) {
      const T d = PenalizedGradient(g[i], p[i], weight_decay, grad_sign);
      const T square = std::fma(one_minus_rho * d, d, s[i] * rho);
      s[i] = square;
      const T delta = (std::sqrt(u[i] + eps) / std::sqrt(square + eps)) * d;
      u[i] = std::fma(one_minus_rho * delta, delta, u[i] * rho);
      p[i] = std::fma(neg_lr, delta, p[i]);
    });
  }

 private:
  const AdadeltaOptions options_;
  Vector square_avg_;
  Vector acc_delta_;
};

}  // namespace

template <typename T>
OptimizerOr<T> MakeRmsprop(ArgReader& args, double lr,
                           Eigen::Index num_params) {
  RmspropOptions options;
  options.alpha = ReadNonNegative(args, "alpha", 0.99);
  options.eps = ReadNonNegative(args, "eps", 1e-8);
  options.weight_decay = ReadNonNegative(args, "weight_decay", 0.0);
  const double momentum = ReadNonNegative(args, "momentum", 0.0);
  options.centered = args.Bool("centered", false);
  options.maximize = args.Bool("maximize", false);
  ReadImplementationFlags(args, {"foreach", "differentiable", "capturable"});
  RETURN_IF_ERROR(args.Finish());
  return std::make_unique<Rmsprop<T>>(options, lr, momentum, num_params);
}

template <typename T>
OptimizerOr<T> MakeAdagrad(ArgReader& args, double lr,
                           Eigen::Index num_params) {
  AdagradOptions options;
  options.lr_decay = ReadNonNegative(args, "lr_decay", 0.0);
  options.weight_decay = ReadNonNegative(args, "weight_decay", 0.0);
  const double initial_accumulator_value =
      ReadNonNegative(args, "initial_accumulator_value", 0.0);
  options.eps = ReadNonNegative(args, "eps", 1e-10);
  options.maximize = args.Bool("maximize", false);
  ReadImplementationFlags(args, {"foreach", "differentiable", "fused"});
  RETURN_IF_ERROR(args.Finish());
  return std::make_unique<Adagrad<T>>(options, initial_accumulator_value, lr,
                                      num_params);
}

template <typename T>
OptimizerOr<T> MakeAdadelta(ArgReader& args, double lr,
                            Eigen::Index num_params) {
  AdadeltaOptions options;
  options.rho = args.Double("rho", 0.9);
  args.Check(options.rho >= 0 && options.rho <= 1, "rho", "must be in [0, 1]",
             options.rho);
  options.eps = ReadNonNegative(args, "eps", 1e-6);
  options.weight_decay = ReadNonNegative(args, "weight_decay", 0.0);
  options.maximize = args.Bool("maximize", false);
  ReadImplementationFlags(args, {"foreach", "differentiable", "capturable"});
  RETURN_IF_ERROR(args.Finish());
  return std::make_unique<Adadelta<T>>(options, lr, num_params);
}

#define LRSWEEP_INSTANTIATE_FACTORIES(T)                                    \
  template OptimizerOr<T> MakeRmsprop<T>(ArgReader&, double, Eigen::Index); \
  template OptimizerOr<T> MakeAdagrad<T>(ArgReader&, double, Eigen::Index); \
  template OptimizerOr<T> MakeAdadelta<T>(ArgReader&, double, Eigen::Index);
LRSWEEP_INSTANTIATE_FACTORIES(float)
LRSWEEP_INSTANTIATE_FACTORIES(double)
#undef LRSWEEP_INSTANTIATE_FACTORIES

}  // namespace lrsweep::engine::internal
