// Pieces shared by the optimizer factories: the factory of each torch.optim
// class (optimizers_*.cc) and the argument readers they share
// (optimizer.cc). Not part of the engine's interface.
#ifndef LRSWEEP_COMMON_ENGINE_OPTIMIZER_INTERNAL_H_
#define LRSWEEP_COMMON_ENGINE_OPTIMIZER_INTERNAL_H_

#include <array>
#include <initializer_list>
#include <memory>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/args.h"
#include "engine/optimizer.h"

namespace lrsweep::engine::internal {

template <typename T>
using OptimizerOr = absl::StatusOr<std::unique_ptr<Optimizer<T>>>;

// Factories of one torch.optim class each. They read and check the class's
// arguments from `args` and return INVALID_ARGUMENT on the first bad one,
// including an argument the class does not have. `lr` has been checked by
// the caller.
template <typename T>
OptimizerOr<T> MakeSgd(ArgReader& args, double lr, Eigen::Index num_params);
template <typename T>
OptimizerOr<T> MakeRmsprop(ArgReader& args, double lr, Eigen::Index num_params);
template <typename T>
OptimizerOr<T> MakeAdagrad(ArgReader& args, double lr, Eigen::Index num_params);
template <typename T>
OptimizerOr<T> MakeAdadelta(ArgReader& args, double lr, Eigen::Index num_params);
template <typename T>
OptimizerOr<T> MakeAdam(ArgReader& args, double lr, Eigen::Index num_params);
template <typename T>
OptimizerOr<T> MakeAdamW(ArgReader& args, double lr, Eigen::Index num_params);
template <typename T>
OptimizerOr<T> MakeAdamax(ArgReader& args, double lr, Eigen::Index num_params);
template <typename T>
OptimizerOr<T> MakeNAdam(ArgReader& args, double lr, Eigen::Index num_params);
template <typename T>
OptimizerOr<T> MakeRAdam(ArgReader& args, double lr, Eigen::Index num_params);

// Reads `name` and records INVALID_ARGUMENT unless it is >= 0.
double ReadNonNegative(ArgReader& args, absl::string_view name,
                       double default_value);

// Reads `betas`, a list of two numbers in [0, 1), default (0.9, 0.999).
std::array<double, 2> ReadBetas(ArgReader& args);

// Reads the PyTorch 2.x arguments in `names` that choose how PyTorch runs a
// step, not what the step computes: `foreach` (one multi-tensor kernel),
// `fused` (one fused kernel), `capturable` (CUDA graph capture) and
// `differentiable` (autograd through the step). Each must be a boolean, and
// its value is ignored: lrsweep has a single implementation, which follows
// PyTorch's single-tensor path. They are accepted so that a PyTorch
// constructor call can be copied into a spec unchanged.
void ReadImplementationFlags(ArgReader& args,
                             std::initializer_list<absl::string_view> names);

}  // namespace lrsweep::engine::internal

#endif  // LRSWEEP_COMMON_ENGINE_OPTIMIZER_INTERNAL_H_
