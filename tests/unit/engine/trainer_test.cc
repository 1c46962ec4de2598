#include "engine/trainer.h"

#include <cmath>
#include <string>
#include <vector>

#include "engine/dataset.h"
#include "engine/model.h"
#include "engine/optimizer.h"
#include "engine/schedule_trace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spec/grid.h"
#include "spec/parser.h"
#include "support/golden.h"

namespace lrsweep::engine {
namespace {

using ::lrsweep::testing::LoadGoldenJson;
using ::lrsweep::testing::NumberList;
using ::testing::HasSubstr;

// Float64 trajectories agree with PyTorch to this relative error at every
// step. The same operations in a different order (Eigen's blocked products
// against PyTorch's BLAS calls) differ by a few ulps per step, and 50 steps
// of gradient descent amplify that by far less than 1e5.
constexpr double kTrajectoryTolerance = 1e-9;

double RelativeError(double actual, double expected) {
  return std::fabs(actual - expected) / std::max(std::fabs(expected), 1e-300);
}

v1::SolverSpec SolverFromGolden(const google::protobuf::Value& value) {
  v1::SolverSpec solver;
  solver.set_name(value.struct_value().fields().at("name").string_value());
  *solver.mutable_args() = value.struct_value().fields().at("args").struct_value();
  return solver;
}

struct ModelCase {
  std::string name;
  v1::ModelSpec spec;
  DataShape shape;
  std::string labels;  // which label list of the golden data
};

std::vector<ModelCase> ModelCases() {
  std::vector<ModelCase> cases(5);
  cases[0] = {"softmax", {}, {5, 3}, "classes"};
  cases[0].spec.set_kind("softmax");
  cases[1] = {"mlp_relu", {}, {5, 3}, "classes"};
  cases[1].spec.set_kind("mlp");
  cases[1].spec.add_hidden(8);
  cases[1].spec.set_activation("relu");
  cases[2] = {"mlp_tanh", {}, {5, 3}, "classes"};
  cases[2].spec.set_kind("mlp");
  cases[2].spec.add_hidden(6);
  cases[2].spec.add_hidden(4);
  cases[2].spec.set_activation("tanh");
  cases[3] = {"logistic", {}, {5, 2}, "binary"};
  cases[3].spec.set_kind("logistic");
  cases[4] = {"linear", {}, {5, 0}, "targets"};
  cases[4].spec.set_kind("linear");
  return cases;
}

TEST(TrainerParityTest, ModelTrajectoriesMatchTorch) {
  const auto golden = LoadGoldenJson("tests/golden/trainer.json");
  const auto& data = golden.fields().at("data").struct_value().fields();
  const auto& rows = data.at("features").list_value().values();
  Model<double>::Matrix features(rows.size(), 5);
  for (int i = 0; i < rows.size(); ++i) {
    std::vector<double> row = NumberList(rows[i]);
    for (int j = 0; j < 5; ++j) features(i, j) = row[j];
  }

  const auto& golden_models = golden.fields().at("models").list_value().values();
  for (const ModelCase& model_case : ModelCases()) {
    SCOPED_TRACE(model_case.name);
    const google::protobuf::Struct* expected = nullptr;
    for (const auto& candidate : golden_models) {
      if (candidate.struct_value().fields().at("name").string_value() == model_case.name) {
        expected = &candidate.struct_value();
      }
    }
    ASSERT_NE(expected, nullptr);
    std::vector<double> label_list = NumberList(data.at(model_case.labels));
    Eigen::VectorXd labels = Eigen::Map<Eigen::VectorXd>(label_list.data(), label_list.size());

    auto model = MakeModel<double>(model_case.spec, model_case.shape, features.rows());
    ASSERT_TRUE(model.ok()) << model.status();
    std::vector<double> initial = NumberList(expected->fields().at("initial_params"));
    ASSERT_EQ(static_cast<Eigen::Index>(initial.size()), (*model)->num_params());
    Eigen::VectorXd params = Eigen::Map<Eigen::VectorXd>(initial.data(), initial.size());
    Eigen::VectorXd grad(params.size());

    auto optimizer = MakeOptimizer<double>(SolverFromGolden(expected->fields().at("solver")),
                                           expected->fields().at("lr").number_value(),
                                           params.size());
    ASSERT_TRUE(optimizer.ok()) << optimizer.status();
    std::vector<double> losses = NumberList(expected->fields().at("losses"));
    for (size_t step = 0; step < losses.size(); ++step) {
      SCOPED_TRACE(step);
      double loss = (*model)->LossAndGradient(params, features, labels, grad);
      ASSERT_LE(RelativeError(loss, losses[step]), kTrajectoryTolerance)
          << loss << " vs " << losses[step];
      (*optimizer)->Step(params, grad);
    }
    std::vector<double> final_params = NumberList(expected->fields().at("final_params"));
    for (size_t i = 0; i < final_params.size(); ++i) {
      EXPECT_NEAR(params[i], final_params[i], 1e-9 * std::max(1.0, std::fabs(final_params[i])));
    }
  }
}

TEST(TrainerParityTest, ObjectivesMatchTorchForEveryOptimizer) {
  const auto golden = LoadGoldenJson("tests/golden/trainer.json");
  const auto& cases = golden.fields().at("objectives").list_value().values();
  ASSERT_GE(cases.size(), 24);
  for (const auto& value : cases) {
    const auto& fields = value.struct_value().fields();
    v1::JobSpec job;
    job.mutable_model()->set_kind(fields.at("objective").string_value());
    for (double x : NumberList(fields.at("start"))) job.mutable_model()->add_start(x);
    *job.mutable_solver() = SolverFromGolden(fields.at("solver"));
    job.set_base_lr(fields.at("lr").number_value());
    std::vector<double> losses = NumberList(fields.at("losses"));
    job.mutable_training()->set_max_steps(losses.size());
    job.mutable_training()->set_precision("float64");
    SCOPED_TRACE(job.model().kind() + " " + job.solver().name());

    std::vector<StepTrace> trace;
    TrainOptions options;
    options.trace = &trace;
    auto result = RunJob(job, DataFiles(), options);
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->outcome, RunOutcome::kCompleted);
    ASSERT_EQ(trace.size(), losses.size());
    for (size_t step = 0; step < losses.size(); ++step) {
      ASSERT_LE(RelativeError(trace[step].loss, losses[step]), kTrajectoryTolerance)
          << "step " << step << ": " << trace[step].loss << " vs " << losses[step];
    }
  }
}

v1::JobSpec ParseSingleJob(const std::string& text, int index = 0) {
  auto spec = spec::ParseSweepSpec(text);
  EXPECT_TRUE(spec.ok()) << spec.status();
  auto grid = spec::ExpandGrid(*spec);
  EXPECT_TRUE(grid.ok()) << grid.status();
  return grid->jobs.at(index);
}

DataFiles Load(const v1::JobSpec& job) {
  auto files = LoadDataFiles(job.data(), LabelKindForModel(job.model()));
  EXPECT_TRUE(files.ok()) << files.status();
  return files.ok() ? *files : DataFiles();
}

TEST(TrainerTest, IrisReachesNinetyPercent) {
  auto spec = spec::LoadSweepSpec("examples/iris.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status();
  auto grid = spec::ExpandGrid(*spec);
  ASSERT_TRUE(grid.ok()) << grid.status();
  ASSERT_EQ(grid->jobs.size(), 1u);
  const v1::JobSpec& job = grid->jobs[0];
  auto result = RunJob(job, Load(job));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_FALSE(result->curve.empty());
  EXPECT_GE(result->curve.back().val_accuracy, 0.9);
}

TEST(TrainerTest, FashionMnistSoftmaxReachesEightyPercent) {
  v1::JobSpec job = ParseSingleJob(R"(
data:
  train: /usr/share/datasets/fashion-mnist/train
  test: /usr/share/datasets/fashion-mnist/t10k
model: {kind: softmax}
training: {epochs: 3, batch_size: 128}
solver: {name: Adam}
base_lr: 0.001
)");
  auto result = RunJob(job, Load(job));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->curve.size(), 3u);
  EXPECT_GE(result->test_accuracy, 0.80);
}

constexpr char kIrisJob[] = R"(
data: {train: examples/data/iris.csv, label_column: species, standardize: true,
       validation_fraction: 0.2}
model: {kind: softmax}
)";

TEST(TrainerTest, EpochSchedulerFedValidationLoss) {
  v1::JobSpec job = ParseSingleJob(std::string(kIrisJob) + R"(
training: {epochs: 12, batch_size: 16}
solver: {name: SGD, momentum: 0.9}
base_lr: 0.5
scheduler: {name: ReduceLROnPlateau, patience: 0, factor: 0.5, threshold: 0.05}
)");
  auto result = RunJob(job, Load(job));
  ASSERT_TRUE(result.ok()) << result.status();
  ASSERT_EQ(result->curve.size(), 12u);
  // Replaying the scheduler on the epochs' validation losses must give the
  // learning rate each epoch used.
  std::vector<double> metrics;
  for (const EpochMetrics& epoch : result->curve) metrics.push_back(epoch.val_loss);
  metrics.pop_back();
  auto replay = TraceSchedule(job.solver(), job.scheduler(), job.base_lr(), 12, metrics);
  ASSERT_TRUE(replay.ok()) << replay.status();
  bool reduced = false;
  for (size_t e = 0; e < result->curve.size(); ++e) {
    EXPECT_EQ(result->curve[e].learning_rate, replay->lr[e]) << "epoch " << e + 1;
    reduced = reduced || replay->lr[e] < job.base_lr();
  }
  EXPECT_TRUE(reduced) << "the test needs a run where the plateau rule fires";
}

TEST(TrainerTest, IterationSchedulerStepsEveryBatch) {
  v1::JobSpec job = ParseSingleJob(std::string(kIrisJob) + R"(
training: {epochs: 3, batch_size: 10}
solver: {name: SGD, momentum: 0.9}
base_lr: 0.01
scheduler: {name: CyclicLR, max_lr: 0.1, step_size_up: 5}
)");
  std::vector<StepTrace> trace;
  TrainOptions options;
  options.trace = &trace;
  auto result = RunJob(job, Load(job), options);
  ASSERT_TRUE(result.ok()) << result.status();
  // 120 training rows in batches of 10, three epochs.
  ASSERT_EQ(trace.size(), 36u);
  auto replay = TraceSchedule(job.solver(), job.scheduler(), job.base_lr(), 36, {});
  ASSERT_TRUE(replay.ok()) << replay.status();
  for (size_t t = 0; t < trace.size(); ++t) {
    EXPECT_EQ(trace[t].learning_rate, replay->lr[t]) << "step " << t + 1;
  }
}

TEST(TrainerTest, StepLimitBeforeEpochLimit) {
  v1::JobSpec job = ParseSingleJob(std::string(kIrisJob) + R"(
training: {epochs: 10, batch_size: 10, max_steps: 25}
solver: {name: SGD}
base_lr: 0.1
)");
  auto result = RunJob(job, Load(job));
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->steps, 25);
  EXPECT_EQ(result->outcome, RunOutcome::kCompleted);
  // 12 steps per epoch: two full epochs and a partial third.
  EXPECT_EQ(result->curve.size(), 3u);
}

TEST(TrainerTest, DivergenceIsAResult) {
  v1::JobSpec job = ParseSingleJob(R"(
model: {kind: rosenbrock, start: [-1.2, 1.0]}
training: {epochs: 100, precision: float64}
solver: {name: SGD}
base_lr: 0.1
)");
  auto result = RunJob(job, DataFiles());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->outcome, RunOutcome::kDiverged);
  EXPECT_GT(result->diverged_at_step, 0);
  EXPECT_LT(result->diverged_at_step, 100);
  EXPECT_EQ(result->steps, result->diverged_at_step);
}

TEST(TrainerTest, SmallUpdateStopsAtTolerance) {
  v1::JobSpec job = ParseSingleJob(R"(
model: {kind: quadratic, start: [1.0, -1.0, 2.0]}
training: {max_steps: 100000, tolerance: 1e-6, precision: float64}
solver: {name: SGD}
base_lr: 0.01
)");
  auto result = RunJob(job, DataFiles());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->outcome, RunOutcome::kConverged);
  EXPECT_LT(result->steps, 100000);
  EXPECT_LT(result->curve.back().train_loss, 1e-6);
}

TEST(TrainerTest, SameSeedIsBitIdentical) {
  const std::string text = std::string(kIrisJob) + R"(
training: {epochs: 5, batch_size: 8, seeds: [3, 4]}
solver: {name: Adam}
base_lr: 0.01
)";
  v1::JobSpec job = ParseSingleJob(text, 0);
  v1::JobSpec other_seed = ParseSingleJob(text, 1);
  DataFiles files = Load(job);
  auto first = RunJob(job, files);
  auto second = RunJob(job, files);
  auto third = RunJob(other_seed, files);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(second.ok());
  ASSERT_TRUE(third.ok());
  for (size_t e = 0; e < first->curve.size(); ++e) {
    EXPECT_EQ(first->curve[e].train_loss, second->curve[e].train_loss);
    EXPECT_EQ(first->curve[e].val_loss, second->curve[e].val_loss);
  }
  EXPECT_NE(first->curve.back().train_loss, third->curve.back().train_loss);
}

TEST(TrainerTest, EpochCallbackStopsRun) {
  v1::JobSpec job = ParseSingleJob(std::string(kIrisJob) + R"(
training: {epochs: 10}
solver: {name: SGD}
base_lr: 0.1
)");
  TrainOptions options;
  int calls = 0;
  options.on_epoch = [&calls](const EpochMetrics&) { return ++calls < 2; };
  auto result = RunJob(job, Load(job), options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->outcome, RunOutcome::kStopped);
  EXPECT_EQ(result->curve.size(), 2u);
}

TEST(TrainerTest, StopFlagEndsRunMidEpoch) {
  v1::JobSpec job = ParseSingleJob(std::string(kIrisJob) + R"(
training: {epochs: 10, batch_size: 10}
solver: {name: SGD}
base_lr: 0.1
)");
  std::atomic<bool> stop{false};
  std::vector<StepTrace> trace;
  TrainOptions options;
  options.stop_requested = &stop;
  options.trace = &trace;
  options.on_epoch = [&stop](const EpochMetrics& metrics) {
    if (metrics.epoch == 2) stop = true;
    return true;
  };
  auto result = RunJob(job, Load(job), options);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->outcome, RunOutcome::kStopped);
  EXPECT_EQ(result->curve.size(), 2u);
  EXPECT_EQ(trace.size(), 24u);
}

TEST(TrainerTest, OneCycleShorterThanRunIsInvalid) {
  // 120 training rows in batches of 10 for 3 epochs: 36 optimizer steps.
  const std::string text = std::string(kIrisJob) + R"(
training: {epochs: 3, batch_size: 10}
solver: {name: SGD, momentum: 0.9}
base_lr: 0.01
scheduler: {name: OneCycleLR, max_lr: 0.1, total_steps: [35, 36]}
)";
  v1::JobSpec too_short = ParseSingleJob(text, 0);
  auto result = RunJob(too_short, Load(too_short));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("at least 36"));

  v1::JobSpec exact = ParseSingleJob(text, 1);
  auto fits = RunJob(exact, Load(exact));
  ASSERT_TRUE(fits.ok()) << fits.status();
  EXPECT_EQ(fits->steps, 36);
}

TEST(TrainerTest, ModelUnfitForDataIsInvalid) {
  v1::JobSpec job = ParseSingleJob(std::string(kIrisJob) + R"(
training: {epochs: 1}
solver: {name: SGD}
base_lr: 0.1
)");
  job.mutable_model()->set_kind("logistic");
  auto result = RunJob(job, Load(job));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("logistic"));
}

}  // namespace
}  // namespace lrsweep::engine
