// GemmWorkspace: matrix products into row-major results with Eigen's GEMM
// kernel, using packing buffers allocated once instead of on every product.
//
// Eigen's `dst.noalias() = a * b` packs blocks of a and b into temporary
// buffers. It takes them from the stack up to EIGEN_STACK_ALLOCATION_LIMIT
// (128 KiB in Eigen 3.4) and from the heap above that, which the products of
// a 784-input layer exceed. This class keeps those buffers for the life of a
// model, so the training step does no heap allocation.
//
// It calls Eigen's internal general_matrix_matrix_product, the routine
// behind operator*, the way Eigen 3.4's own product does on one thread. The
// blocking is sized for the largest product, so the summation order (and so
// the rounding) can differ from `dst.noalias() += a * b` for smaller ones.
#ifndef LRSWEEP_COMMON_ENGINE_GEMM_H_
#define LRSWEEP_COMMON_ENGINE_GEMM_H_

#include <cassert>

#include "Eigen/Core"

namespace lrsweep::engine {

// T is float or double. Not thread-safe: one workspace serves one product
// at a time.
template <typename T>
class GemmWorkspace {
 public:
  // Allocates the packing buffers for products whose result has at most
  // `max_rows` rows and exactly `cols` columns, with inner dimension `depth`.
  GemmWorkspace(Eigen::Index max_rows, Eigen::Index cols, Eigen::Index depth)
      : blocking_(max_rows, cols, depth, /*num_threads=*/1, /*l3_blocking=*/true) {
    blocking_.allocateAll();
  }

  GemmWorkspace(const GemmWorkspace&) = delete;
  GemmWorkspace& operator=(const GemmWorkspace&) = delete;

  // Computes dst += lhs * rhs. `dst` is a row-major matrix or block of rows,
  // and `lhs` and `rhs` are matrices, maps, blocks or their transposes with
  // unit inner stride. Preconditions: the shapes agree, dst has at most max_rows
  // rows and the other sizes are those given at construction.
  template <typename Dst, typename Lhs, typename Rhs>
  void AddProduct(Dst&& dst, const Lhs& lhs, const Rhs& rhs) {
    using Clean = typename Eigen::internal::remove_all<Dst>::type;
    static_assert(Clean::IsRowMajor, "the result must be row-major");
    constexpr int kLhsOrder = Lhs::IsRowMajor ? Eigen::RowMajor : Eigen::ColMajor;
    constexpr int kRhsOrder = Rhs::IsRowMajor ? Eigen::RowMajor : Eigen::ColMajor;
    assert(lhs.innerStride() == 1);
    assert(rhs.innerStride() == 1);
    assert(dst.innerStride() == 1);
    assert(lhs.rows() == dst.rows());
    assert(rhs.cols() == dst.cols());
    assert(lhs.cols() == rhs.rows());

    using Product = Eigen::internal::general_matrix_matrix_product<
        Eigen::Index, T, kLhsOrder, /*ConjugateLhs=*/false, T, kRhsOrder,
        /*ConjugateRhs=*/false, Eigen::RowMajor, /*ResInnerStride=*/1>;
    Product::run(dst.rows(), dst.cols(), lhs.cols(), lhs.data(), lhs.outerStride(),
                 rhs.data(), rhs.outerStride(), dst.data(), /*resIncr=*/1,
                 dst.outerStride(), T(1), blocking_, /*info=*/nullptr);
  }

  // Computes dst = lhs * rhs, with the preconditions of AddProduct.
  template <typename Dst, typename Lhs, typename Rhs>
  void SetProduct(Dst&& dst, const Lhs& lhs, const Rhs& rhs) {
    dst.setZero();
    AddProduct(dst, lhs, rhs);
  }

 private:
  Eigen::internal::gemm_blocking_space<Eigen::RowMajor, T, T, Eigen::Dynamic, Eigen::Dynamic,
                                       Eigen::Dynamic, /*KcFactor=*/1, /*FiniteAtCompileTime=*/false>
      blocking_;
};

}  // namespace lrsweep::engine

#endif  // LRSWEEP_COMMON_ENGINE_GEMM_H_
