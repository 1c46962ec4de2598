#include "engine/model.h"

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/golden.h"

namespace lrsweep::engine {
namespace {

using ::testing::HasSubstr;

using Vector = Eigen::VectorXd;
using Matrix = Model<double>::Matrix;

// Central differences with step kStep have a truncation error of
// O(kStep^2) and a rounding error of about 1e-16 / kStep times the loss. In
// these tests they differ from the analytic gradients by at most 2e-10, so
// the tolerance kAbsoluteTolerance + kRelativeTolerance * |gradient| leaves
// a margin of about 50.
constexpr double kStep = 1e-6;
constexpr double kRelativeTolerance = 1e-6;
constexpr double kAbsoluteTolerance = 1e-8;

v1::ModelSpec Spec(const std::string& kind, std::vector<int64_t> hidden = {},
                   const std::string& activation = "", const std::string& loss = "",
                   std::vector<double> start = {}) {
  v1::ModelSpec spec;
  spec.set_kind(kind);
  for (int64_t width : hidden) spec.add_hidden(width);
  spec.set_activation(activation);
  spec.set_loss(loss);
  for (double x : start) spec.add_start(x);
  return spec;
}

std::unique_ptr<Model<double>> MakeOrDie(const v1::ModelSpec& spec, DataShape shape,
                                         Eigen::Index max_batch_size = 16) {
  absl::StatusOr<std::unique_ptr<Model<double>>> model =
      MakeModel<double>(spec, shape, max_batch_size);
  EXPECT_TRUE(model.ok()) << model.status();
  return model.ok() ? std::move(model).value() : nullptr;
}

// A batch of `rows` examples with smooth, non-repeating feature values and
// labels valid for `num_classes` (regression targets when 0).
struct Batch {
  Matrix features;
  Vector labels;
};

Batch MakeBatch(Eigen::Index rows, Eigen::Index columns, int num_classes) {
  Batch batch{Matrix(rows, columns), Vector(rows)};
  for (Eigen::Index r = 0; r < rows; ++r) {
    for (Eigen::Index c = 0; c < columns; ++c) {
      batch.features(r, c) = std::sin(0.9 * static_cast<double>(r) + 1.7 * c + 0.3);
    }
    batch.labels[r] = num_classes > 0 ? static_cast<double>(r % num_classes)
                                      : std::cos(0.5 * static_cast<double>(r));
  }
  return batch;
}

// Checks LossAndGradient against central differences of Loss at `params`.
void ExpectGradientMatchesDifferences(Model<double>& model, const Vector& params,
                                      const Batch& batch) {
  Vector grad(model.num_params());
  const double loss = model.LossAndGradient(params, batch.features, batch.labels, grad);
  EXPECT_DOUBLE_EQ(loss, model.Loss(params, batch.features, batch.labels));

  Vector shifted = params;
  for (Eigen::Index i = 0; i < params.size(); ++i) {
    shifted[i] = params[i] + kStep;
    const double up = model.Loss(shifted, batch.features, batch.labels);
    shifted[i] = params[i] - kStep;
    const double down = model.Loss(shifted, batch.features, batch.labels);
    shifted[i] = params[i];
    const double numeric = (up - down) / (2 * kStep);
    const double tolerance =
        kAbsoluteTolerance + kRelativeTolerance * std::max(std::abs(numeric), std::abs(grad[i]));
    ASSERT_NEAR(grad[i], numeric, tolerance) << "parameter " << i;
  }
}

struct GradientCase {
  std::string name;
  v1::ModelSpec spec;
  int num_classes;
  // Rows of the work buffers; fewer than the batch's 7 rows tests chunking.
  Eigen::Index max_batch_size;
};

TEST(ModelTest, GradientsMatchFiniteDifferences) {
  const std::vector<GradientCase> cases = {
      {"linear", Spec("linear"), 0, 16},
      {"logistic", Spec("logistic"), 2, 16},
      {"softmax", Spec("softmax"), 3, 16},
      {"mlp relu cross_entropy", Spec("mlp", {5}, "relu", "cross_entropy"), 3, 16},
      {"mlp tanh cross_entropy", Spec("mlp", {5}, "tanh", "cross_entropy"), 3, 16},
      {"mlp relu mse regression", Spec("mlp", {5}, "relu", "mse"), 0, 16},
      {"mlp tanh mse regression", Spec("mlp", {5}, "tanh", "mse"), 0, 16},
      {"mlp relu mse one-hot", Spec("mlp", {5}, "relu", "mse"), 3, 16},
      {"mlp tanh mse one-hot", Spec("mlp", {5}, "tanh", "mse"), 3, 16},
      {"mlp two hidden layers", Spec("mlp", {6, 4}, "tanh", "cross_entropy"), 4, 16},
      {"mlp chunked batches", Spec("mlp", {6, 4}, "relu", "cross_entropy"), 4, 3},
      {"softmax chunked batches", Spec("softmax"), 3, 2},
  };
  for (const GradientCase& test : cases) {
    SCOPED_TRACE(test.name);
    std::unique_ptr<Model<double>> model =
        MakeOrDie(test.spec, {4, test.num_classes}, test.max_batch_size);
    ASSERT_NE(model, nullptr);
    Vector params(model->num_params());
    model->Initialize(17, params);
    // Larger weights than the initialization make the hidden units less alike.
    params *= 3.0;
    ExpectGradientMatchesDifferences(*model, params, MakeBatch(7, 4, test.num_classes));
  }
}

TEST(ModelTest, ObjectiveGradientsMatchFiniteDifferences) {
  const std::vector<v1::ModelSpec> specs = {
      Spec("quadratic", {}, "", "", {0.3, -1.2, 2.5, 0.7}),
      Spec("rosenbrock", {}, "", "", {-1.2, 1.0, 0.4, -0.6}),
      Spec("rastrigin", {}, "", "", {0.3, -1.2, 2.45, 0.7}),
  };
  for (const v1::ModelSpec& spec : specs) {
    SCOPED_TRACE(spec.kind());
    std::unique_ptr<Model<double>> model = MakeOrDie(spec, {});
    ASSERT_NE(model, nullptr);
    Vector params(model->num_params());
    model->Initialize(0, params);
    ExpectGradientMatchesDifferences(*model, params, Batch{Matrix(0, 0), Vector(0)});
  }
}

TEST(ModelTest, ChunkedBatchesGiveSameResult) {
  std::unique_ptr<Model<double>> whole =
      MakeOrDie(Spec("mlp", {6}, "relu", "cross_entropy"), {4, 3}, 32);
  std::unique_ptr<Model<double>> chunked =
      MakeOrDie(Spec("mlp", {6}, "relu", "cross_entropy"), {4, 3}, 4);
  ASSERT_NE(whole, nullptr);
  ASSERT_NE(chunked, nullptr);
  Vector params(whole->num_params());
  whole->Initialize(3, params);
  const Batch batch = MakeBatch(30, 4, 3);
  Vector grad_whole(params.size());
  Vector grad_chunked(params.size());
  const double loss_whole = whole->LossAndGradient(params, batch.features, batch.labels, grad_whole);
  const double loss_chunked =
      chunked->LossAndGradient(params, batch.features, batch.labels, grad_chunked);
  EXPECT_NEAR(loss_chunked, loss_whole, 1e-14);
  EXPECT_LT((grad_chunked - grad_whole).lpNorm<Eigen::Infinity>(), 1e-14);
  EXPECT_EQ(chunked->CountCorrect(params, batch.features, batch.labels),
            whole->CountCorrect(params, batch.features, batch.labels));
}

TEST(ModelTest, LossAndCountCorrectMatchSeparateCalls) {
  struct Case {
    const char* name;
    v1::ModelSpec spec;
    int num_classes;
  };
  const Case cases[] = {
      {"softmax", Spec("softmax"), 3},
      {"logistic", Spec("logistic"), 2},
      {"mlp cross_entropy", Spec("mlp", {6}, "relu", "cross_entropy"), 3},
      {"mlp mse", Spec("mlp", {5}, "tanh", "mse"), 3},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    // Chunks of 4 rows for 30 rows: 7 full chunks and one of 2.
    std::unique_ptr<Model<double>> model = MakeOrDie(c.spec, {4, c.num_classes}, 4);
    ASSERT_NE(model, nullptr);
    Vector params(model->num_params());
    model->Initialize(5, params);
    const Batch batch = MakeBatch(30, 4, c.num_classes);

    int64_t correct = -1;
    const double loss =
        model->LossAndCountCorrect(params, batch.features, batch.labels, &correct);
    EXPECT_EQ(loss, model->Loss(params, batch.features, batch.labels));
    EXPECT_EQ(correct, model->CountCorrect(params, batch.features, batch.labels));
  }
}

TEST(ModelTest, MatchesPyTorchGolden) {
  const google::protobuf::Struct golden = testing::LoadGoldenJson("tests/golden/models.json");
  const auto rows = static_cast<Eigen::Index>(golden.fields().at("num_rows").number_value());
  const auto columns =
      static_cast<Eigen::Index>(golden.fields().at("num_features").number_value());
  for (const auto& value : golden.fields().at("cases").list_value().values()) {
    const auto& fields = value.struct_value().fields();
    SCOPED_TRACE(fields.at("name").string_value());
    std::vector<int64_t> hidden;
    for (double width : testing::NumberList(fields.at("hidden"))) {
      hidden.push_back(static_cast<int64_t>(width));
    }
    const v1::ModelSpec spec =
        Spec(fields.at("kind").string_value(), hidden, fields.at("activation").string_value(),
             fields.at("loss_name").string_value());
    const int num_classes = static_cast<int>(fields.at("num_classes").number_value());
    std::unique_ptr<Model<double>> model = MakeOrDie(spec, {columns, num_classes});
    ASSERT_NE(model, nullptr);

    const std::vector<double> flat_features = testing::NumberList(fields.at("features"));
    const Matrix features = Eigen::Map<const Matrix>(flat_features.data(), rows, columns);
    const std::vector<double> label_list = testing::NumberList(fields.at("labels"));
    const Vector labels = Eigen::Map<const Vector>(label_list.data(), rows);
    const std::vector<double> param_list = testing::NumberList(fields.at("params"));
    ASSERT_EQ(model->num_params(), static_cast<Eigen::Index>(param_list.size()));
    const Vector params = Eigen::Map<const Vector>(param_list.data(), model->num_params());
    const std::vector<double> expected_grad = testing::NumberList(fields.at("grad"));

    Vector grad(model->num_params());
    const double loss = model->LossAndGradient(params, features, labels, grad);
    // float64 on both sides, differing only in the order of summation.
    EXPECT_NEAR(loss, fields.at("loss").number_value(), 1e-12);
    for (Eigen::Index i = 0; i < grad.size(); ++i) {
      EXPECT_NEAR(grad[i], expected_grad[static_cast<size_t>(i)], 1e-12) << "parameter " << i;
    }
  }
}

TEST(ModelTest, ZeroParametersGiveKnownLosses) {
  const Batch classes = MakeBatch(5, 2, 3);
  const Batch binary = MakeBatch(5, 2, 2);
  const Batch targets = MakeBatch(5, 2, 0);

  std::unique_ptr<Model<double>> softmax = MakeOrDie(Spec("softmax"), {2, 3});
  std::unique_ptr<Model<double>> logistic = MakeOrDie(Spec("logistic"), {2, 2});
  std::unique_ptr<Model<double>> linear = MakeOrDie(Spec("linear"), {2, 0});
  ASSERT_NE(softmax, nullptr);
  ASSERT_NE(logistic, nullptr);
  ASSERT_NE(linear, nullptr);

  // With all outputs 0: cross-entropy is log K, binary cross-entropy log 2
  // and the squared error the mean of y^2, with dL/db = -2 mean(y).
  EXPECT_NEAR(softmax->Loss(Vector::Zero(9), classes.features, classes.labels), std::log(3.0),
              1e-15);
  EXPECT_NEAR(logistic->Loss(Vector::Zero(3), binary.features, binary.labels), std::log(2.0),
              1e-15);
  Vector grad(3);
  const double mse = linear->LossAndGradient(Vector::Zero(3), targets.features, targets.labels, grad);
  EXPECT_NEAR(mse, targets.labels.squaredNorm() / 5.0, 1e-15);
  EXPECT_NEAR(grad[2], -2.0 * targets.labels.mean(), 1e-15);
}

TEST(ModelTest, HugeLogitsStayFinite) {
  Matrix features(2, 1);
  features << 1000.0, -1000.0;
  Vector labels(2);
  labels << 0, 1;

  // Logistic: z = x, so both rows are wrong by a margin of 1000.
  std::unique_ptr<Model<double>> logistic = MakeOrDie(Spec("logistic"), {1, 2});
  ASSERT_NE(logistic, nullptr);
  Vector params(2);
  params << 1.0, 0.0;
  Vector grad(2);
  EXPECT_NEAR(logistic->LossAndGradient(params, features, labels, grad), 1000.0, 1e-9);
  EXPECT_TRUE(grad.allFinite());

  // Softmax with logits (x, -x): each row's label has logit -1000.
  std::unique_ptr<Model<double>> softmax = MakeOrDie(Spec("softmax"), {1, 2});
  ASSERT_NE(softmax, nullptr);
  Vector softmax_params(4);
  softmax_params << -1.0, 1.0, 0.0, 0.0;  // W = [-1; 1], b = 0
  Vector softmax_grad(4);
  EXPECT_NEAR(softmax->LossAndGradient(softmax_params, features, labels, softmax_grad), 2000.0,
              1e-9);
  EXPECT_TRUE(softmax_grad.allFinite());
}

TEST(ModelTest, ObjectivesHaveKnownValues) {
  std::unique_ptr<Model<double>> quadratic = MakeOrDie(Spec("quadratic", {}, "", "", {1, 1, 1}), {});
  std::unique_ptr<Model<double>> rosenbrock =
      MakeOrDie(Spec("rosenbrock", {}, "", "", {-1.2, 1.0}), {});
  std::unique_ptr<Model<double>> rastrigin =
      MakeOrDie(Spec("rastrigin", {}, "", "", {1.0, 0.5}), {});
  ASSERT_NE(quadratic, nullptr);
  ASSERT_NE(rosenbrock, nullptr);
  ASSERT_NE(rastrigin, nullptr);
  const Matrix none(0, 0);
  const Vector no_labels(0);

  // Curvatures 1, 10, 100: f(1, 1, 1) = 0.5 * 111.
  Vector x(3);
  quadratic->Initialize(0, x);
  EXPECT_NEAR(quadratic->Loss(x, none, no_labels), 55.5, 1e-12);
  // 100 (1 - 1.44)^2 + (1 + 1.2)^2 = 19.36 + 4.84.
  Vector y(2);
  rosenbrock->Initialize(0, y);
  EXPECT_NEAR(rosenbrock->Loss(y, none, no_labels), 24.2, 1e-12);
  Vector ones = Vector::Ones(2);
  Vector grad(2);
  EXPECT_EQ(rosenbrock->LossAndGradient(ones, none, no_labels, grad), 0.0);
  EXPECT_EQ(grad.norm(), 0.0);
  // 20 + (1 - 10 cos 2 pi) + (0.25 - 10 cos pi) = 20 - 9 + 10.25.
  Vector z(2);
  rastrigin->Initialize(0, z);
  EXPECT_NEAR(rastrigin->Loss(z, none, no_labels), 21.25, 1e-12);
  EXPECT_EQ(rastrigin->Loss(Vector::Zero(2), none, no_labels), 0.0);
}

TEST(ModelTest, InitializeFollowsLinearBounds) {
  std::unique_ptr<Model<double>> model =
      MakeOrDie(Spec("mlp", {128}, "relu", "cross_entropy"), {784, 10});
  ASSERT_NE(model, nullptr);
  ASSERT_EQ(model->num_params(), 784 * 128 + 128 + 128 * 10 + 10);
  Vector params(model->num_params());
  model->Initialize(5, params);

  const Vector first = params.head(784 * 128 + 128);
  const Vector second = params.tail(128 * 10 + 10);
  const double first_bound = 1.0 / std::sqrt(784.0);
  const double second_bound = 1.0 / std::sqrt(128.0);
  EXPECT_LE(first.cwiseAbs().maxCoeff(), first_bound);
  EXPECT_LE(second.cwiseAbs().maxCoeff(), second_bound);
  // U(-b, b) has standard deviation b / sqrt(3). With 100480 draws the
  // sample value is within 1% of it for any reasonable generator.
  const double std_dev = std::sqrt(first.squaredNorm() / static_cast<double>(first.size()));
  EXPECT_NEAR(std_dev, first_bound / std::sqrt(3.0), 0.01 * first_bound / std::sqrt(3.0));
  EXPECT_NEAR(first.mean(), 0.0, 0.01 * first_bound);
  // The largest draw comes close to the bound, so the scale is not too small.
  EXPECT_GT(second.cwiseAbs().maxCoeff(), 0.99 * second_bound);
}

TEST(ModelTest, InitializeIsDeterministic) {
  std::unique_ptr<Model<double>> model = MakeOrDie(Spec("mlp", {8}, "tanh", "cross_entropy"), {5, 3});
  ASSERT_NE(model, nullptr);
  Vector a(model->num_params());
  Vector b(model->num_params());
  Vector c(model->num_params());
  model->Initialize(1, a);
  model->Initialize(1, b);
  model->Initialize(2, c);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

TEST(ModelTest, PredictAndCountCorrect) {
  Matrix features(3, 2);
  features << 2, 1,  //
      -1, 3,         //
      0.5, 0.1;
  Vector labels(3);
  labels << 0, 1, 1;

  // W = identity, b = 0: the predicted class is the larger feature.
  std::unique_ptr<Model<double>> softmax = MakeOrDie(Spec("softmax"), {2, 2});
  ASSERT_NE(softmax, nullptr);
  Vector params(6);
  params << 1, 0, 0, 1, 0, 0;
  Vector predictions(3);
  softmax->Predict(params, features, predictions);
  EXPECT_EQ(predictions, (Vector(3) << 0, 1, 0).finished());
  EXPECT_EQ(softmax->CountCorrect(params, features, labels), 2);

  // Logistic with z = x0 - x1 predicts class 1 when z > 0.
  std::unique_ptr<Model<double>> logistic = MakeOrDie(Spec("logistic"), {2, 2});
  ASSERT_NE(logistic, nullptr);
  Vector logistic_params(3);
  logistic_params << 1, -1, 0;
  logistic->Predict(logistic_params, features, predictions);
  EXPECT_EQ(predictions, (Vector(3) << 1, 0, 1).finished());
  EXPECT_EQ(logistic->CountCorrect(logistic_params, features, labels), 1);

  // Linear regression predicts w.x + b.
  std::unique_ptr<Model<double>> linear = MakeOrDie(Spec("linear"), {2, 0});
  ASSERT_NE(linear, nullptr);
  Vector linear_params(3);
  linear_params << 2, 1, 0.5;
  linear->Predict(linear_params, features, predictions);
  EXPECT_EQ(predictions, (Vector(3) << 5.5, 1.5, 1.6).finished());
}

TEST(ModelTest, FloatAgreesWithDouble) {
  const v1::ModelSpec spec = Spec("mlp", {16}, "tanh", "cross_entropy");
  absl::StatusOr<std::unique_ptr<Model<float>>> single = MakeModel<float>(spec, {6, 4}, 8);
  std::unique_ptr<Model<double>> twice = MakeOrDie(spec, {6, 4}, 8);
  ASSERT_TRUE(single.ok()) << single.status();
  ASSERT_NE(twice, nullptr);
  Vector params(twice->num_params());
  twice->Initialize(9, params);
  const Batch batch = MakeBatch(20, 6, 4);

  Vector grad(params.size());
  Eigen::VectorXf grad_float(params.size());
  const double loss = twice->LossAndGradient(params, batch.features, batch.labels, grad);
  const float loss_float = (*single)->LossAndGradient(
      params.cast<float>(), batch.features.cast<float>(), batch.labels.cast<float>(), grad_float);
  // float32 keeps about 7 significant digits.
  EXPECT_NEAR(loss_float, loss, 1e-5 * loss);
  EXPECT_LT((grad_float.cast<double>() - grad).lpNorm<Eigen::Infinity>(),
            1e-5 * grad.lpNorm<Eigen::Infinity>());
}

struct ErrorCase {
  std::string name;
  v1::ModelSpec spec;
  DataShape shape;
  std::string message;
};

TEST(MakeModelTest, InvalidSpecsNameField) {
  const std::vector<ErrorCase> cases = {
      {"missing kind", Spec(""), {4, 3}, "model.kind: missing"},
      {"unknown kind", Spec("svm"), {4, 3}, "model.kind: must be one of linear, logistic"},
      {"hidden on softmax", Spec("softmax", {8}), {4, 3}, "model.hidden: is only for kind mlp"},
      {"activation on linear", Spec("linear", {}, "tanh"), {4, 0},
       "model.activation: is only for kind mlp"},
      {"loss on logistic", Spec("logistic", {}, "", "mse"), {4, 2},
       "model.loss: is only for kind mlp"},
      {"start on mlp", Spec("mlp", {4}, "", "", {1.0}), {4, 3},
       "model.start: is only for analytic objectives"},
      {"zero width", Spec("mlp", {4, 0}), {4, 3}, "model.hidden[1]: must be > 0, got 0"},
      {"unknown activation", Spec("mlp", {4}, "sigmoid"), {4, 3},
       "model.activation: must be one of relu, tanh, got 'sigmoid'"},
      {"unknown loss", Spec("mlp", {4}, "relu", "hinge"), {4, 3},
       "model.loss: must be one of cross_entropy, mse, got 'hinge'"},
      {"linear on classes", Spec("linear"), {4, 3},
       "model.kind: linear needs real-valued labels (regression), got 3 classes"},
      {"logistic on three classes", Spec("logistic"), {4, 3},
       "model.kind: logistic needs exactly 2 classes; use softmax for more, got 3 classes"},
      {"softmax on regression", Spec("softmax"), {4, 0},
       "model.kind: softmax with cross-entropy needs at least 2 classes"},
      {"mlp cross-entropy on regression", Spec("mlp", {4}, "relu", "cross_entropy"), {4, 0},
       "model.kind: mlp with cross-entropy needs at least 2 classes"},
      {"no features", Spec("softmax"), {0, 3}, "model.kind: softmax needs data with features"},
      {"missing start", Spec("quadratic"), {}, "model.start: missing"},
      {"short rosenbrock", Spec("rosenbrock", {}, "", "", {1.0}), {},
       "model.start: must have at least 2 coordinates for rosenbrock, got 1"},
      {"nan start", Spec("rastrigin", {}, "", "", {1.0, std::nan("")}), {},
       "model.start[1]: must be finite, got nan"},
  };
  for (const ErrorCase& test : cases) {
    SCOPED_TRACE(test.name);
    absl::StatusOr<std::unique_ptr<Model<double>>> model = MakeModel<double>(test.spec, test.shape, 8);
    ASSERT_FALSE(model.ok());
    EXPECT_EQ(model.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(model.status().message()), HasSubstr(test.message));
  }
}

TEST(MakeModelTest, RejectsZeroMaxBatchSize) {
  absl::StatusOr<std::unique_ptr<Model<float>>> model = MakeModel<float>(Spec("softmax"), {4, 3}, 0);
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(std::string(model.status().message()), HasSubstr("max_batch_size: must be > 0"));
}

TEST(MakeModelTest, TasksAndParameterCounts) {
  struct Expected {
    v1::ModelSpec spec;
    DataShape shape;
    ModelTask task;
    Eigen::Index num_params;
  };
  const std::vector<Expected> cases = {
      {Spec("linear"), {4, 0}, ModelTask::kRegression, 5},
      {Spec("logistic"), {4, 2}, ModelTask::kClassification, 5},
      {Spec("softmax"), {4, 3}, ModelTask::kClassification, 15},
      {Spec("mlp", {8}), {4, 3}, ModelTask::kClassification, 5 * 8 + 9 * 3},
      {Spec("mlp", {8}, "tanh", "mse"), {4, 0}, ModelTask::kRegression, 5 * 8 + 9 * 1},
      {Spec("mlp", {8}, "tanh", "mse"), {4, 3}, ModelTask::kClassification, 5 * 8 + 9 * 3},
      {Spec("rastrigin", {}, "", "", {1, 2, 3}), {}, ModelTask::kObjective, 3},
  };
  for (const Expected& test : cases) {
    SCOPED_TRACE(test.spec.ShortDebugString());
    std::unique_ptr<Model<double>> model = MakeOrDie(test.spec, test.shape);
    ASSERT_NE(model, nullptr);
    EXPECT_EQ(model->task(), test.task);
    EXPECT_EQ(model->num_params(), test.num_params);
  }
}

}  // namespace
}  // namespace lrsweep::engine
