#include "engine/network.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <memory>
#include <utility>

#include "engine/random.h"

namespace lrsweep::engine {
namespace {

// sigmoid(z) = 1 / (1 + exp(-z)), written so that exp never overflows.
template <typename T>
T Sigmoid(T z) {
  if (z >= 0) return T(1) / (T(1) + std::exp(-z));
  const T e = std::exp(z);
  return e / (T(1) + e);
}

}  // namespace

template <typename T>
Network<T>::Network(const NetworkOptions& options)
    : Model<T>([&options] {
        Eigen::Index count = 0;
        Eigen::Index inputs = options.num_inputs;
        for (Eigen::Index width : options.hidden) {
          count += (inputs + 1) * width;
          inputs = width;
        }
        return count + (inputs + 1) * options.num_outputs;
      }()),
      options_(options) {
  Eigen::Index inputs = options.num_inputs;
  Eigen::Index offset = 0;
  std::vector<Eigen::Index> widths = options.hidden;
  widths.push_back(options.num_outputs);
  const Eigen::Index rows = options.max_batch_size;
  for (Eigen::Index outputs : widths) {
    layers_.push_back({inputs, outputs, offset, offset + outputs * inputs});
    offset += (inputs + 1) * outputs;

    LayerBuffers buffers;
    buffers.outputs.resize(rows, outputs);
    buffers.deltas.resize(rows, outputs);
    buffers.forward = std::make_unique<GemmWorkspace<T>>(rows, outputs, inputs);
    buffers.weight_grad = std::make_unique<GemmWorkspace<T>>(outputs, inputs, rows);
    if (layers_.size() > 1) {
      buffers.input_grad = std::make_unique<GemmWorkspace<T>>(rows, inputs, outputs);
    }
    buffers_.push_back(std::move(buffers));
    inputs = outputs;
  }
  row_max_.resize(rows);
  row_log_total_.resize(rows);
}

template <typename T>
void Network<T>::Initialize(uint64_t seed, Eigen::Ref<Vector> params) const {
  assert(params.size() == this->num_params());
  std::mt19937_64 generator = MakeGenerator(seed, RandomStream::kInitialization);
  for (const Layer& layer : layers_) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(layer.inputs));
    const Eigen::Index end = layer.bias_offset + layer.outputs;
    for (Eigen::Index i = layer.weight_offset; i < end; ++i) {
      params[i] = static_cast<T>(bound * (2.0 * UniformUnit(generator) - 1.0));
    }
  }
}

template <typename T>
void Network<T>::Forward(const Eigen::Ref<const Vector>& params,
                         const Eigen::Ref<const Matrix>& x) {
  chunk_rows_ = x.rows();
  const Eigen::Index n = chunk_rows_;
  for (size_t l = 0; l < layers_.size(); ++l) {
    const Layer& layer = layers_[l];
    Eigen::Map<const Matrix> weight(params.data() + layer.weight_offset, layer.outputs,
                                    layer.inputs);
    Eigen::Map<const Eigen::Matrix<T, 1, Eigen::Dynamic>> bias(
        params.data() + layer.bias_offset, layer.outputs);
    auto z = buffers_[l].outputs.topRows(n);

    // z = a W^T + b, a row of z per example, as torch.nn.Linear computes.
    if (l == 0) {
      buffers_[l].forward->SetProduct(z, x, weight.transpose());
    } else {
      buffers_[l].forward->SetProduct(z, buffers_[l - 1].outputs.topRows(n),
                                      weight.transpose());
    }
    z.rowwise() += bias;

    if (l + 1 == layers_.size()) break;
    if (options_.activation == Activation::kRelu) {
      z = (z.array() > T(0)).select(z, T(0));
    } else {
      z = z.array().tanh();
    }
  }
}

template <typename T>
T Network<T>::HeadLoss(const Eigen::Ref<const Vector>& labels, T scale) {
  if (options_.head == Head::kCrossEntropy) return CrossEntropyLoss(labels, scale);
  const Eigen::Index n = chunk_rows_;
  auto z = buffers_.back().outputs.topRows(n);
  auto delta = buffers_.back().deltas.topRows(n);
  T sum = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto label = static_cast<Eigen::Index>(labels[i]);
    switch (options_.head) {
      case Head::kMse:
        // d/dz (z - t)^2 = 2 (z - t), where t is the label or a one-hot row.
        if (options_.task == ModelTask::kRegression) {
          delta(i, 0) = z(i, 0) - labels[i];
        } else {
          delta.row(i) = z.row(i);
          delta(i, label) -= T(1);
        }
        sum += delta.row(i).squaredNorm();
        delta.row(i) *= T(2) * scale;
        break;
      case Head::kBinaryCrossEntropy: {
        // d/dz = sigmoid(z) - y.
        const T zi = z(i, 0);
        const T y = labels[i];
        sum += std::max(zi, T(0)) - zi * y + std::log1p(std::exp(-std::abs(zi)));
        delta(i, 0) = (Sigmoid(zi) - y) * scale;
        break;
      }
      case Head::kCrossEntropy:
        // Not reached: HeadLoss returned CrossEntropyLoss above.
        break;
    }
  }
  return sum;
}

template <typename T>
T Network<T>::CrossEntropyLoss(const Eigen::Ref<const Vector>& labels, T scale) {
  const Eigen::Index n = chunk_rows_;
  const Eigen::Index k = options_.num_outputs;
  const T* z = buffers_.back().outputs.data();
  T* delta = buffers_.back().deltas.data();

  // exp(z - max) row by row would call the scalar exp, because a row has
  // fewer outputs than a vector register has lanes. The n x k outputs of
  // the chunk are contiguous (row-major), so one exp over all of them runs
  // in vector registers. The rows are short, so plain loops handle them:
  // Eigen's per-call overhead on a row of 3 would exceed the arithmetic.
  for (Eigen::Index i = 0; i < n; ++i) {
    const T* z_row = z + i * k;
    T max = z_row[0];
    for (Eigen::Index j = 1; j < k; ++j) max = std::max(max, z_row[j]);
    row_max_[i] = max;
    for (Eigen::Index j = 0; j < k; ++j) delta[i * k + j] = z_row[j] - max;
  }
  Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>> exponentials(delta, n * k);
  exponentials = exponentials.exp();

  // d/dz = softmax(z) - onehot(label).
  for (Eigen::Index i = 0; i < n; ++i) {
    const auto label = static_cast<Eigen::Index>(labels[i]);
    T* delta_row = delta + i * k;
    T total = 0;
    for (Eigen::Index j = 0; j < k; ++j) total += delta_row[j];
    row_log_total_[i] = total;
    for (Eigen::Index j = 0; j < k; ++j) delta_row[j] /= total;
    delta_row[label] -= T(1);
    for (Eigen::Index j = 0; j < k; ++j) delta_row[j] *= scale;
  }

  // The loss terms max + log(sum exp(z - max)) - z_label, with the logs of
  // all rows taken at once for the same reason as the exponentials.
  auto log_total = row_log_total_.head(n).array();
  log_total = log_total.log();
  T sum = 0;
  for (Eigen::Index i = 0; i < n; ++i) {
    sum += row_max_[i] + log_total[i] - z[i * k + static_cast<Eigen::Index>(labels[i])];
  }
  return sum;
}

template <typename T>
void Network<T>::Backward(const Eigen::Ref<const Vector>& params,
                          const Eigen::Ref<const Matrix>& x, Eigen::Ref<Vector> grad) {
  const Eigen::Index n = chunk_rows_;
  for (size_t l = layers_.size(); l-- > 0;) {
    const Layer& layer = layers_[l];
    LayerBuffers& buffers = buffers_[l];
    auto delta = buffers.deltas.topRows(n);
    Eigen::Map<Matrix> weight_grad(grad.data() + layer.weight_offset, layer.outputs,
                                   layer.inputs);
    Eigen::Map<Eigen::Matrix<T, 1, Eigen::Dynamic>> bias_grad(
        grad.data() + layer.bias_offset, layer.outputs);

    // dL/dW = delta^T a and dL/db = column sums of delta, where a is the
    // layer's input.
    if (l == 0) {
      buffers.weight_grad->AddProduct(weight_grad, delta.transpose(), x);
    } else {
      buffers.weight_grad->AddProduct(weight_grad, delta.transpose(),
                                      buffers_[l - 1].outputs.topRows(n));
    }
    bias_grad += delta.colwise().sum();
    if (l == 0) break;

    // The previous layer's delta: (delta W) times the activation's
    // derivative, written with its output a: relu' = [a > 0], tanh' = 1 - a^2.
    Eigen::Map<const Matrix> weight(params.data() + layer.weight_offset, layer.outputs,
                                    layer.inputs);
    auto activation = buffers_[l - 1].outputs.topRows(n);
    auto previous = buffers_[l - 1].deltas.topRows(n);
    buffers.input_grad->SetProduct(previous, delta, weight);
    if (options_.activation == Activation::kRelu) {
      previous = (activation.array() > T(0)).select(previous, T(0));
    } else {
      previous.array() *= T(1) - activation.array().square();
    }
  }
}

template <typename T>
T Network<T>::MeanDivisor(Eigen::Index rows) const {
  const Eigen::Index per_row = options_.head == Head::kMse ? options_.num_outputs : 1;
  return static_cast<T>(rows * per_row);
}

template <typename T>
T Network<T>::Loss(const Eigen::Ref<const Vector>& params,
                   const Eigen::Ref<const Matrix>& features,
                   const Eigen::Ref<const Vector>& labels) {
  assert(features.rows() > 0);
  assert(labels.size() == features.rows());
  const Eigen::Index n = features.rows();
  const T scale = T(1) / MeanDivisor(n);
  T sum = 0;
  for (Eigen::Index start = 0; start < n; start += options_.max_batch_size) {
    const Eigen::Index rows = std::min(options_.max_batch_size, n - start);
    Forward(params, features.middleRows(start, rows));
    sum += HeadLoss(labels.segment(start, rows), scale);
  }
  return sum * scale;
}

template <typename T>
T Network<T>::LossAndGradient(const Eigen::Ref<const Vector>& params,
                              const Eigen::Ref<const Matrix>& features,
                              const Eigen::Ref<const Vector>& labels,
                              Eigen::Ref<Vector> grad) {
  assert(features.rows() > 0);
  assert(labels.size() == features.rows());
  assert(grad.size() == this->num_params());
  const Eigen::Index n = features.rows();
  const T scale = T(1) / MeanDivisor(n);
  grad.setZero();
  T sum = 0;
  for (Eigen::Index start = 0; start < n; start += options_.max_batch_size) {
    const Eigen::Index rows = std::min(options_.max_batch_size, n - start);
    Forward(params, features.middleRows(start, rows));
    sum += HeadLoss(labels.segment(start, rows), scale);
    Backward(params, features.middleRows(start, rows), grad);
  }
  return sum * scale;
}

template <typename T>
Eigen::Index Network<T>::PredictedClass(Eigen::Index row) const {
  const auto z = buffers_.back().outputs.row(row);
  if (options_.head == Head::kBinaryCrossEntropy) return z(0) > T(0) ? 1 : 0;
  Eigen::Index index = 0;
  z.maxCoeff(&index);
  return index;
}

template <typename T>
void Network<T>::Predict(const Eigen::Ref<const Vector>& params,
                         const Eigen::Ref<const Matrix>& features,
                         Eigen::Ref<Vector> predictions) {
  assert(predictions.size() == features.rows());
  const Eigen::Index n = features.rows();
  for (Eigen::Index start = 0; start < n; start += options_.max_batch_size) {
    const Eigen::Index rows = std::min(options_.max_batch_size, n - start);
    Forward(params, features.middleRows(start, rows));
    for (Eigen::Index i = 0; i < rows; ++i) {
      predictions[start + i] = options_.task == ModelTask::kRegression
                                   ? buffers_.back().outputs(i, 0)
                                   : static_cast<T>(PredictedClass(i));
    }
  }
}

template <typename T>
int64_t Network<T>::CountCorrect(const Eigen::Ref<const Vector>& params,
                                 const Eigen::Ref<const Matrix>& features,
                                 const Eigen::Ref<const Vector>& labels) {
  assert(options_.task == ModelTask::kClassification);
  const Eigen::Index n = features.rows();
  int64_t correct = 0;
  for (Eigen::Index start = 0; start < n; start += options_.max_batch_size) {
    const Eigen::Index rows = std::min(options_.max_batch_size, n - start);
    Forward(params, features.middleRows(start, rows));
    for (Eigen::Index i = 0; i < rows; ++i) {
      if (PredictedClass(i) == static_cast<Eigen::Index>(labels[start + i])) ++correct;
    }
  }
  return correct;
}

template <typename T>
T Network<T>::LossAndCountCorrect(const Eigen::Ref<const Vector>& params,
                                  const Eigen::Ref<const Matrix>& features,
                                  const Eigen::Ref<const Vector>& labels, int64_t* correct) {
  assert(options_.task == ModelTask::kClassification);
  assert(features.rows() > 0);
  assert(labels.size() == features.rows());
  const Eigen::Index n = features.rows();
  const T scale = T(1) / MeanDivisor(n);
  T sum = 0;
  *correct = 0;
  for (Eigen::Index start = 0; start < n; start += options_.max_batch_size) {
    const Eigen::Index rows = std::min(options_.max_batch_size, n - start);
    Forward(params, features.middleRows(start, rows));
    for (Eigen::Index i = 0; i < rows; ++i) {
      if (PredictedClass(i) == static_cast<Eigen::Index>(labels[start + i])) ++*correct;
    }
    sum += HeadLoss(labels.segment(start, rows), scale);
  }
  return sum * scale;
}

template class Network<float>;
template class Network<double>;

}  // namespace lrsweep::engine
