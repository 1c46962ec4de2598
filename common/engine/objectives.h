// Analytic objectives: classic test functions of the parameters alone, for
// comparing optimizers and schedules without data. Each starts at a given
// point x0 (ModelSpec.start) whose length N is the dimension. Loss and
// gradient ignore the features and labels passed to them.
#ifndef LRSWEEP_COMMON_ENGINE_OBJECTIVES_H_
#define LRSWEEP_COMMON_ENGINE_OBJECTIVES_H_

#include <vector>

#include "Eigen/Core"
#include "engine/model.h"

namespace lrsweep::engine {

enum class ObjectiveKind {
  // f(x) = 0.5 * sum_i c_i x_i^2 with c_i = 100^(i / (N - 1)), i = 0..N-1
  // (c_0 = 1 when N = 1): a bowl whose curvatures spread geometrically from
  // 1 to 100, so the condition number is 100 for N >= 2. Minimum 0 at x = 0.
  kQuadratic,
  // f(x) = sum_{i=0}^{N-2} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2, the
  // N-dimensional Rosenbrock function. Needs N >= 2. Minimum 0 at x = 1.
  kRosenbrock,
  // f(x) = 10 N + sum_i (x_i^2 - 10 cos(2 pi x_i)), the Rastrigin function.
  // Global minimum 0 at x = 0, with a local minimum near every integer point.
  kRastrigin,
};

// Precondition, checked by MakeModel: `start` is non-empty and finite, with
// at least 2 coordinates for kRosenbrock.
template <typename T>
class AnalyticObjective : public Model<T> {
 public:
  using typename Model<T>::Matrix;
  using typename Model<T>::Vector;

  AnalyticObjective(ObjectiveKind kind, const std::vector<double>& start);

  ModelTask task() const override { return ModelTask::kObjective; }
  // Copies the start point; the seed is unused.
  void Initialize(uint64_t seed, Eigen::Ref<Vector> params) const override;
  T Loss(const Eigen::Ref<const Vector>& params, const Eigen::Ref<const Matrix>& features,
         const Eigen::Ref<const Vector>& labels) override;
  T LossAndGradient(const Eigen::Ref<const Vector>& params,
                    const Eigen::Ref<const Matrix>& features,
                    const Eigen::Ref<const Vector>& labels, Eigen::Ref<Vector> grad) override;
  // Objectives make no predictions: these leave `predictions` unchanged and
  // return 0.
  void Predict(const Eigen::Ref<const Vector>& params, const Eigen::Ref<const Matrix>& features,
               Eigen::Ref<Vector> predictions) override {}
  int64_t CountCorrect(const Eigen::Ref<const Vector>& params,
                       const Eigen::Ref<const Matrix>& features,
                       const Eigen::Ref<const Vector>& labels) override {
    return 0;
  }

 private:
  // Returns f(x); writes the gradient into `grad` unless it is null.
  T Evaluate(const Eigen::Ref<const Vector>& x, Eigen::Ref<Vector>* grad) const;

  ObjectiveKind kind_;
  std::vector<double> start_;
  // The quadratic's curvatures c_i; empty for the other kinds.
  Vector curvatures_;
};

extern template class AnalyticObjective<float>;
extern template class AnalyticObjective<double>;

}  // namespace lrsweep::engine

#endif  // LRSWEEP_COMMON_ENGINE_OBJECTIVES_H_
