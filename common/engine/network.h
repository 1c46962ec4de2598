// Network: the fully connected model behind the data kinds of MakeModel
// (model.h). linear, logistic and softmax are networks without hidden
// layers; mlp adds hidden layers with an activation between them.
#ifndef LRSWEEP_COMMON_ENGINE_NETWORK_H_
#define LRSWEEP_COMMON_ENGINE_NETWORK_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "Eigen/Core"
#include "engine/gemm.h"
#include "engine/model.h"

namespace lrsweep::engine {

enum class Activation { kRelu, kTanh };

// The loss on the last layer's outputs z, averaged over the batch.
enum class Head {
  // torch.nn.MSELoss: mean over all outputs of (z - target)^2, where the
  // target is the label for one output, else the one-hot vector of the
  // class label.
  kMse,
  // torch.nn.BCEWithLogitsLoss on one output and a 0/1 label:
  // max(z, 0) - z y + log(1 + exp(-|z|)), which never overflows.
  kBinaryCrossEntropy,
  // torch.nn.CrossEntropyLoss on one output per class:
  // logsumexp(z) - z_label, with logsumexp(z) = m + log(sum exp(z - m)),
  // m = max(z), so that exp never overflows.
  kCrossEntropy,
};

struct NetworkOptions {
  Eigen::Index num_inputs = 0;
  // Widths of the hidden layers, input side first, or empty for one layer.
  std::vector<Eigen::Index> hidden;
  Eigen::Index num_outputs = 1;
  Activation activation = Activation::kRelu;
  Head head = Head::kCrossEntropy;
  ModelTask task = ModelTask::kClassification;
  // Rows of the preallocated work buffers.
  Eigen::Index max_batch_size = 1;
};

// MakeModel checks the preconditions: every size is positive and the head
// fits the outputs. kCrossEntropy needs at least 2 outputs and
// kBinaryCrossEntropy exactly 1. kMse has 1 output for regression and one
// per class for classification.
template <typename T>
class Network : public Model<T> {
 public:
  using typename Model<T>::Matrix;
  using typename Model<T>::Vector;

  explicit Network(const NetworkOptions& options);

  ModelTask task() const override { return options_.task; }
  void Initialize(uint64_t seed, Eigen::Ref<Vector> params) const override;
  T Loss(const Eigen::Ref<const Vector>& params, const Eigen::Ref<const Matrix>& features,
         const Eigen::Ref<const Vector>& labels) override;
  T LossAndGradient(const Eigen::Ref<const Vector>& params,
                    const Eigen::Ref<const Matrix>& features,
                    const Eigen::Ref<const Vector>& labels, Eigen::Ref<Vector> grad) override;
  void Predict(const Eigen::Ref<const Vector>& params, const Eigen::Ref<const Matrix>& features,
               Eigen::Ref<Vector> predictions) override;
  int64_t CountCorrect(const Eigen::Ref<const Vector>& params,
                       const Eigen::Ref<const Matrix>& features,
                       const Eigen::Ref<const Vector>& labels) override;
  T LossAndCountCorrect(const Eigen::Ref<const Vector>& params,
                        const Eigen::Ref<const Matrix>& features,
                        const Eigen::Ref<const Vector>& labels, int64_t* correct) override;

 private:
  // Shape of one layer and the offsets of its weight (outputs x inputs) and
  // bias in the parameter vector.
  struct Layer {
    Eigen::Index inputs;
    Eigen::Index outputs;
    Eigen::Index weight_offset;
    Eigen::Index bias_offset;
  };

  // Computes every layer's outputs for `x` into buffers_, activations
  // applied on the hidden layers.
  void Forward(const Eigen::Ref<const Vector>& params, const Eigen::Ref<const Matrix>& x);
  // Returns the sum of the head's loss terms over the rows of the last
  // forward pass with `labels`, and writes scale * d(loss term)/dz of each
  // row to the last layer's deltas.
  T HeadLoss(const Eigen::Ref<const Vector>& labels, T scale);
  // HeadLoss for Head::kCrossEntropy.
  T CrossEntropyLoss(const Eigen::Ref<const Vector>& labels, T scale);
  // Adds the gradient of the chunk to `grad`, from the last layer's delta.
  void Backward(const Eigen::Ref<const Vector>& params, const Eigen::Ref<const Matrix>& x,
                Eigen::Ref<Vector> grad);
  // The predicted class of row `row` of the last forward pass.
  Eigen::Index PredictedClass(Eigen::Index row) const;
  // Divisor of the summed head loss that makes it a mean: rows, times the
  // number of outputs for kMse.
  T MeanDivisor(Eigen::Index rows) const;

  // Work buffers of one layer, sized for max_batch_size rows.
  struct LayerBuffers {
    // The layer's activations (the raw outputs z for the last layer).
    Matrix outputs;
    // The gradient of the loss with respect to the layer's pre-activation
    // values.
    Matrix deltas;
    // Packing buffers of the three products: z = a W^T, dW += delta^T a and
    // the previous layer's delta W (null for the first layer).
    std::unique_ptr<GemmWorkspace<T>> forward;
    std::unique_ptr<GemmWorkspace<T>> weight_grad;
    std::unique_ptr<GemmWorkspace<T>> input_grad;
  };

  NetworkOptions options_;
  std::vector<Layer> layers_;
  std::vector<LayerBuffers> buffers_;
  // Rows of the current chunk, at most options_.max_batch_size.
  Eigen::Index chunk_rows_ = 0;
  // Per row of the chunk, for the cross-entropy head: the largest output
  // m, and sum exp(z - m), which CrossEntropyLoss replaces by its log.
  Vector row_max_;
  Vector row_log_total_;
};

extern template class Network<float>;
extern template class Network<double>;

}  // namespace lrsweep::engine

#endif  // LRSWEEP_COMMON_ENGINE_NETWORK_H_
