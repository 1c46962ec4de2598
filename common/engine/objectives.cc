#include "engine/objectives.h"

#include <cmath>

namespace lrsweep::engine {
namespace {

constexpr double kPi = 3.14159265358979323846;
constexpr double kMaxCurvature = 100.0;

}  // namespace

template <typename T>
AnalyticObjective<T>::AnalyticObjective(ObjectiveKind kind, const std::vector<double>& start)
    : Model<T>(static_cast<Eigen::Index>(start.size())), kind_(kind), start_(start) {
  if (kind != ObjectiveKind::kQuadratic) return;
  const auto n = static_cast<Eigen::Index>(start.size());
  curvatures_.resize(n);
  for (Eigen::Index i = 0; i < n; ++i) {
    const double exponent = n == 1 ? 0.0 : static_cast<double>(i) / static_cast<double>(n - 1);
    curvatures_[i] = static_cast<T>(std::pow(kMaxCurvature, exponent));
  }
}

template <typename T>
void AnalyticObjective<T>::Initialize(uint64_t seed, Eigen::Ref<Vector> params) const {
  for (size_t i = 0; i < start_.size(); ++i) {
    params[static_cast<Eigen::Index>(i)] = static_cast<T>(start_[i]);
  }
}

template <typename T>
T AnalyticObjective<T>::Evaluate(const Eigen::Ref<const Vector>& x,
                                 Eigen::Ref<Vector>* grad) const {
  const Eigen::Index n = x.size();
  switch (kind_) {
    case ObjectiveKind::kQuadratic:
      // df/dx_i = c_i x_i.
      if (grad != nullptr) *grad = curvatures_.cwiseProduct(x);
      return T(0.5) * (curvatures_.array() * x.array().square()).sum();

    case ObjectiveKind::kRosenbrock: {
      // Term i depends on x_i and x_{i+1}:
      //   d/dx_i     = -400 x_i (x_{i+1} - x_i^2) - 2 (1 - x_i)
      //   d/dx_{i+1} =  200 (x_{i+1} - x_i^2)
      if (grad != nullptr) grad->setZero();
      T sum = 0;
      for (Eigen::Index i = 0; i + 1 < n; ++i) {
        const T valley = x[i + 1] - x[i] * x[i];
        const T offset = T(1) - x[i];
        sum += T(100) * valley * valley + offset * offset;
        if (grad != nullptr) {
          (*grad)[i] += T(-400) * x[i] * valley - T(2) * offset;
          (*grad)[i + 1] += T(200) * valley;
        }
      }
      return sum;
    }

    case ObjectiveKind::kRastrigin: {
      // df/dx_i = 2 x_i + 20 pi sin(2 pi x_i).
      const T two_pi = static_cast<T>(2 * kPi);
      if (grad != nullptr) {
        *grad = T(2) * x.array() + T(10) * two_pi * (two_pi * x.array()).sin();
      }
      return T(10) * static_cast<T>(n) +
             (x.array().square() - T(10) * (two_pi * x.array()).cos()).sum();
    }
  }
  return T(0);
}

template <typename T>
T AnalyticObjective<T>::Loss(const Eigen::Ref<const Vector>& params,
                             const Eigen::Ref<const Matrix>& features,
                             const Eigen::Ref<const Vector>& labels) {
  return Evaluate(params, nullptr);
}

template <typename T>
T AnalyticObjective<T>::LossAndGradient(const Eigen::Ref<const Vector>& params,
                                        const Eigen::Ref<const Matrix>& features,
                                        const Eigen::Ref<const Vector>& labels,
                                        Eigen::Ref<Vector> grad) {
  return Evaluate(params, &grad);
}

template class AnalyticObjective<float>;
template class AnalyticObjective<double>;

}  // namespace lrsweep::engine
