// SGD with momentum, as torch.optim.SGD computes it.

#include <cassert>
#include <cmath>
#include <memory>

#include "absl/strings/str_cat.h"
#include "engine/optimizer_internal.h"
#include "engine/optimizer_kernels.h"
#include "util/format.h"
#include "util/status_macros.h"

namespace lrsweep::engine::internal {
namespace {

struct SgdOptions {
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
  bool maximize = false;
};

// torch.optim.SGD, single-tensor path. With g the gradient (negated when
// maximizing), lambda = weight_decay, mu = momentum, tau = dampening:
//   d = g + lambda * p
//   b = d on the first step with mu != 0, else mu * b + (1 - tau) * d
//   u = d + mu * b with nesterov, b without, d when mu == 0
//   p = p - lr * u
// As PyTorch's SGD documentation notes, lr scales the whole buffer here,
// where Sutskever et al. scale each gradient as it enters the buffer.
template <typename T>
class Sgd final : public Optimizer<T> {
 public:
  using Vector = typename Optimizer<T>::Vector;

  Sgd(const SgdOptions& options, double lr, double momentum,
      Eigen::Index num_params)
      : options_(options), momentum_buffer_(Vector::Zero(num_params)) {
    this->hyper_.lr = lr;
    this->hyper_.momentum = momentum;
    this->hyper_.momentum_kind = MomentumKind::kMomentum;
  }

  void Step(Eigen::Ref<Vector> params,
            const Eigen::Ref<const Vector>& grad) override {
    assert(params.size() == momentum_buffer_.size());
    assert(grad.size() == momentum_buffer_.size());
    const double momentum = this->hyper_.momentum;
    if (momentum == 0) {
      StepWithoutMomentum(params, grad);
      return;
    }

    const T mu = static_cast<T>(momentum);
    const T neg_lr = static_cast<T>(-this->hyper_.lr);
    const T weight_decay = static_cast<T>(options_.weight_decay);
    const T grad_sign = GradSign<T>(options_.maximize);
    // PyTorch creates the buffer as a copy of d on the first step with
    // momentum, which comes later than step 1 when a scheduler raises the
    // momentum from 0. Until then the buffer is zero, so the coefficients 1
    // and 0 make the update below copy d.
    const T buffer_decay = has_momentum_buffer_ ? mu : T{0};
    const T grad_coefficient =
        has_momentum_buffer_ ? static_cast<T>(1 - options_.dampening) : T{1};
    has_momentum_buffer_ = true;

    T* p = params.data();
    const T* g = grad.data();
    T* b = momentum_buffer_.data();
    DispatchOnFlag(options_.nesterov, [&](auto nesterov) {
      ForEachElement(params.size(), [=](Eigen::Index i) {
        const T d = PenalizedGradient(g[i], p[i], weight_decay, grad_sign);
        const T buffer = std::fma(grad_coefficient, d, b[i] * buffer_decay);
        b[i] = buffer;
        const T update = nesterov ? std::fma(mu, buffer, d) : buffer;
        p[i] = std::fma(neg_lr, update, p[i]);
      });
    });
  }

 private:
  void StepWithoutMomentum(Eigen::Ref<Vector> params,
                           const Eigen::Ref<const Vector>& grad) {
    const T neg_lr = static_cast<T>(-this->hyper_.lr);
    const T weight_decay = static_cast<T>(options_.weight_decay);
    const T grad_sign = GradSign<T>(options_.maximize);
    T* p = params.data();
    const T* g = grad.data();
    ForEachElement(params.size(), [=](Eigen::Index i) {
      const T d = PenalizedGradient(g[i], p[i], weight_decay, grad_sign);
      p[i] = std::fma(neg_lr, d, p[i]);
    });
  }

  const SgdOptions options_;
  // Allocated at creation, even with momentum 0, so that a scheduler that
  // raises the momentum later causes no allocation inside Step().
  Vector momentum_buffer_;
  bool has_momentum_buffer_ = false;
};

}  // namespace

template <typename T>
OptimizerOr<T> MakeSgd(ArgReader& args, double lr, Eigen::Index num_params) {
  SgdOptions options;
  const double momentum = ReadNonNegative(args, "momentum", 0.0);
  options.dampening = args.Double("dampening", 0.0);
  options.weight_decay = ReadNonNegative(args, "weight_decay", 0.0);
  options.nesterov = args.Bool("nesterov", false);
  options.maximize = args.Bool("maximize", false);
  ReadImplementationFlags(args, {"foreach", "differentiable", "fused"});
  if (options.nesterov) {
    args.CheckMessage(momentum > 0,
                      absl::StrCat("nesterov: requires momentum > 0, got "
                                   "momentum ",
                                   util::FormatDouble(momentum)));
    args.CheckMessage(options.dampening == 0,
                      absl::StrCat("nesterov: requires dampening 0, got "
                                   "dampening ",
                                   util::FormatDouble(options.dampening)));
  }
  RETURN_IF_ERROR(args.Finish());
  return std::make_unique<Sgd<T>>(options, lr, momentum, num_params);
}

template OptimizerOr<float> MakeSgd<float>(ArgReader&, double, Eigen::Index);
template OptimizerOr<double> MakeSgd<double>(ArgReader&, double, Eigen::Index);

}  // namespace lrsweep::engine::internal
