// Models and analytic objectives that the trainer minimizes. A Model maps a
// flat parameter vector (and, for data models, a mini-batch) to the mean
// loss and its gradient with respect to the parameters.
//
// Kinds:
//   linear      y ~ w.x + b, loss torch.nn.MSELoss (mean of squared errors)
//   logistic    binary classifier, torch.nn.BCEWithLogitsLoss on one logit
//   softmax     multiclass classifier, torch.nn.CrossEntropyLoss
//   mlp         fully connected layers with relu or tanh between them and a
//               cross-entropy or MSE head
//   quadratic, rosenbrock, rastrigin: analytic objectives of the parameters
//               alone, started at ModelSpec.start (formulas in objectives.h)
//
// Parameter layout: the layers in input-to-output order, each as its weight
// matrix (outputs x inputs, row-major) followed by its bias vector. This is
// the order of torch.nn.Sequential(...).parameters() flattened, so a vector
// copied from PyTorch gives the same losses.
//
// A Model holds the work buffers of its evaluations, so it is not
// thread-safe: each job creates its own. Loss and gradient calls do no heap
// allocation as long as `features` is a row-major matrix (or a block of
// rows of one) of scalar type T; any other expression is first copied.
#ifndef LRSWEEP_COMMON_ENGINE_MODEL_H_
#define LRSWEEP_COMMON_ENGINE_MODEL_H_

#include <cstdint>
#include <memory>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "lrsweep/v1/spec.pb.h"

namespace lrsweep::engine {

// What a model's outputs mean.
enum class ModelTask {
  kRegression,      // one real output per row; labels are targets
  kClassification,  // labels are class indices; predictions are classes
  kObjective,       // an analytic function of the parameters; no data
};

// T is float or double: the precision of parameters, data and arithmetic.
template <typename T>
class Model {
 public:
  using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  // A mini-batch of features, one example per row.
  using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

  virtual ~Model() = default;

  virtual ModelTask task() const = 0;
  Eigen::Index num_params() const { return num_params_; }

  // Writes the initial parameters into `params` (size num_params()). Data
  // models draw every weight and bias of a layer with `inputs` inputs from
  // U(-1/sqrt(inputs), 1/sqrt(inputs)), the distributions of
  // torch.nn.Linear's reset_parameters (kaiming_uniform_ with a = sqrt(5)
  // for weights), from RandomStream::kInitialization of `seed`, in
  // parameter order. The numbers are deterministic but not PyTorch's.
  // Analytic objectives copy their start point and ignore the seed.
  virtual void Initialize(uint64_t seed, Eigen::Ref<Vector> params) const = 0;

  // Returns the mean loss over the rows of `features` with `labels` (one
  // per row: a class index for classification, a target for regression).
  // Analytic objectives ignore both, which may be empty. Data models accept
  // any number of rows from 1 up and process a batch larger than the maximum
  // batch size given at creation in chunks of that size. Preconditions:
  // params.size() == num_params(), features.cols() equals the input
  // dimension and the labels are valid for the task.
  virtual T Loss(const Eigen::Ref<const Vector>& params,
                 const Eigen::Ref<const Matrix>& features,
                 const Eigen::Ref<const Vector>& labels) = 0;

  // Returns Loss() and writes its gradient with respect to `params` into
  // `grad` (size num_params()).
  virtual T LossAndGradient(const Eigen::Ref<const Vector>& params,
                            const Eigen::Ref<const Matrix>& features,
                            const Eigen::Ref<const Vector>& labels,
                            Eigen::Ref<Vector> grad) = 0;

  // Writes one prediction per row into `predictions`: the class index with
  // the largest output for classification, the output for regression.
  // Precondition: task() is not kObjective.
  virtual void Predict(const Eigen::Ref<const Vector>& params,
                       const Eigen::Ref<const Matrix>& features,
                       Eigen::Ref<Vector> predictions) = 0;

  // Returns how many rows Predict() classifies as their label. Does not
  // allocate. Precondition: task() is kClassification.
  virtual int64_t CountCorrect(const Eigen::Ref<const Vector>& params,
                               const Eigen::Ref<const Matrix>& features,
                               const Eigen::Ref<const Vector>& labels) = 0;

  // Returns Loss() and writes what CountCorrect() returns to `correct`.
  // Networks compute both from one forward pass; this default calls the
  // two. Does not allocate. Precondition: task() is kClassification.
  virtual T LossAndCountCorrect(const Eigen::Ref<const Vector>& params,
                                const Eigen::Ref<const Matrix>& features,
                                const Eigen::Ref<const Vector>& labels, int64_t* correct) {
    *correct = CountCorrect(params, features, labels);
    return Loss(params, features, labels);
  }

 protected:
  explicit Model(Eigen::Index num_params) : num_params_(num_params) {}

 private:
  Eigen::Index num_params_;
};

// Shape of the training data a model is built for.
struct DataShape {
  // Columns of the feature matrix; 0 for analytic objectives.
  Eigen::Index num_features = 0;
  // Classes of a classification set; 0 for regression.
  int num_classes = 0;
};

// Creates the model that `spec` describes for data of shape `data`, with
// work buffers for batches of up to `max_batch_size` rows (ignored by
// analytic objectives). Empty `activation` means relu and empty `loss` means
// cross_entropy, as in spec defaults. Returns INVALID_ARGUMENT naming the
// field (`model.hidden[1]: must be > 0, got 0`) for an unknown kind,
// activation or loss, a field the kind does not take, a start point that is
// missing, too short or not finite, or data of the wrong shape: linear needs
// regression labels, logistic exactly 2 classes, softmax and a cross-entropy
// mlp at least 2.
template <typename T>
absl::StatusOr<std::unique_ptr<Model<T>>> MakeModel(const lrsweep::v1::ModelSpec& spec,
                                                     const DataShape& data,
                                                     Eigen::Index max_batch_size);

}  // namespace lrsweep::engine

#endif  // LRSWEEP_COMMON_ENGINE_MODEL_H_
