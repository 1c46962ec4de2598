// Optimizers with the update rules of PyTorch's torch.optim (not of the
// papers), with the same defaults: SGD, Adam, AdamW, RMSprop, Adagrad,
// Adamax, NAdam, RAdam and Adadelta.
//
// An optimizer updates one flat parameter vector in place. All of these
// rules are elementwise, so a model's tensors laid end to end in one vector
// give the same numbers as PyTorch applied tensor by tensor. The learning rate
// and momentum are read from hyper() on every step so that a scheduler can
// change them. Not thread-safe; one optimizer belongs to one job.
#ifndef LRSWEEP_COMMON_ENGINE_OPTIMIZER_H_
#define LRSWEEP_COMMON_ENGINE_OPTIMIZER_H_

#include <memory>
#include "absl/strings/string_view.h"

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "engine/hyperparams.h"
#include "lrsweep/v1/spec.pb.h"

namespace lrsweep::engine {

// T is float or double: the precision of parameters, gradients and state.
template <typename T>
class Optimizer {
 public:
  using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;

  virtual ~Optimizer() = default;

  // Applies one update to `params` from `grad`, which must both have the
  // size given at creation. Does no heap allocation.
  virtual void Step(Eigen::Ref<Vector> params,
                    const Eigen::Ref<const Vector>& grad) = 0;

  // The learning rate and momentum used by the next Step().
  SolverHyperParams* hyper() { return &hyper_; }
  const SolverHyperParams& hyper() const { return hyper_; }

 protected:
  SolverHyperParams hyper_;
};

// Creates the optimizer that `spec` names for `num_params` parameters with
// learning rate `lr`. Returns INVALID_ARGUMENT, naming the argument and the
// value, for an unknown name or argument and for arguments torch.optim
// rejects (negative lr, betas outside [0, 1), nesterov without momentum or
// with dampening, ...).
template <typename T>
absl::StatusOr<std::unique_ptr<Optimizer<T>>> MakeOptimizer(
    const lrsweep::v1::SolverSpec& spec, double lr, Eigen::Index num_params);

// Returns which hyperparameter momentum-cycling schedulers drive for the
// optimizer class `name`, or INVALID_ARGUMENT for an unknown name.
absl::StatusOr<MomentumKind> SolverMomentumKind(absl::string_view name);

}  // namespace lrsweep::engine

#endif  // LRSWEEP_COMMON_ENGINE_OPTIMIZER_H_
