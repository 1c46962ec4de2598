// Elementwise helpers for the optimizer kernels in optimizers_*.cc. Not part
// of the engine's interface.
//
// Rounding follows ATen's CPU kernels, which the torch.optim single-tensor
// path calls. ATen rounds a scalar argument to the tensor's type T before
// use. It computes `add(x, alpha=a)` as fma(a, x, self) and
// `addcmul(x, y, value=v)` as fma(v * x, y, self), but `addcdiv(x, y,
// value=v)` as self + (v * x) / y without fusing (measured with PyTorch
// 1.13 on x86-64 with AVX2). The kernels call std::fma where ATen fuses, and
// the files that contain them are compiled with -ffp-contract=off so that
// the compiler fuses nothing else. common/CMakeLists.txt sets that flag and
// the ones that let GCC vectorize ForEachElement() for those files.
#ifndef LRSWEEP_COMMON_ENGINE_OPTIMIZER_KERNELS_H_
#define LRSWEEP_COMMON_ENGINE_OPTIMIZER_KERNELS_H_

#include <cmath>
#include <type_traits>

#include "Eigen/Core"

namespace lrsweep::engine::internal {

// Runs kernel(i) for i in [0, n) as one vectorized loop. The kernel must
// touch only element i of each array, because `omp simd` tells the compiler
// that the iterations are independent.
template <typename Kernel>
inline void ForEachElement(Eigen::Index n, const Kernel& kernel) {
#pragma omp simd
  for (Eigen::Index i = 0; i < n; ++i) kernel(i);
}

// Calls fn(std::true_type{}) when `flag` is true, else fn(std::false_type{}).
// A kernel written as a generic lambda then tests the flag as a constant,
// and its loop contains no branch on it, because GCC 12 does not vectorize a
// select on a run-time bool.
template <typename Fn>
inline void DispatchOnFlag(bool flag, const Fn& fn) {
  if (flag) {
    fn(std::true_type{});
  } else {
    fn(std::false_type{});
  }
}

// The gradient that torch.optim feeds to the update: multiplied by
// `grad_sign` (-1 when maximizing, else 1, both exact), then with the L2
// penalty `weight_decay * param` added when weight_decay is nonzero
// (`grad.add(param, alpha=weight_decay)`).
template <typename T>
inline T PenalizedGradient(T grad, T param, T weight_decay, T grad_sign) {
  const T signed_grad = grad * grad_sign;
  return weight_decay != 0 ? std::fma(weight_decay, param, signed_grad)
                           : signed_grad;
}

// The `grad_sign` argument of PenalizedGradient().
template <typename T>
inline T GradSign(bool maximize) {
  return maximize ? T{-1} : T{1};
}

// torch.maximum: the larger of a and b, or NaN when either is NaN.
template <typename T>
inline T MaximumPropagatingNan(T a, T b) {
  return (std::isnan(a) || a > b) ? a : b;
}

}  // namespace lrsweep::engine::internal

#endif  // LRSWEEP_COMMON_ENGINE_OPTIMIZER_KERNELS_H_
