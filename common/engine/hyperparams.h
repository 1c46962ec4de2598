// SolverHyperParams: the optimizer settings that a learning-rate scheduler
// may change between steps, shared by the optimizer (which reads them on
// every step) and the scheduler (which writes them).
#ifndef LRSWEEP_COMMON_ENGINE_HYPERPARAMS_H_
#define LRSWEEP_COMMON_ENGINE_HYPERPARAMS_H_

namespace lrsweep::engine {

// Which hyperparameter plays the role of momentum for momentum cycling
// (CyclicLR, OneCycleLR), following PyTorch: `momentum` for SGD and RMSprop,
// `betas[0]` for the Adam family.
enum class MomentumKind {
  kNone,      // Adagrad, Adadelta: nothing to cycle.
  kMomentum,  // SGD, RMSprop: the `momentum` argument.
  kBeta1,     // Adam, AdamW, Adamax, NAdam, RAdam: `betas[0]`.
};

struct SolverHyperParams {
  // Learning rate in effect for the next optimizer step.
  double lr = 0.0;
  // The momentum argument or beta1, as `momentum_kind` selects; unused for
  // kNone.
  double momentum = 0.0;
  MomentumKind momentum_kind = MomentumKind::kNone;
};

}  // namespace lrsweep::engine

#endif  // LRSWEEP_COMMON_ENGINE_HYPERPARAMS_H_
