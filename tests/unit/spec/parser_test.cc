#include "spec/parser.h"

#include <string>

#include "absl/status/status.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "gmock/gmock.h"
#include "spec/axes.h"

namespace lrsweep::spec {
namespace {

using ::testing::HasSubstr;

// The example of the sweep spec from the design document, on Fashion-MNIST.
constexpr char kFashionSpec[] = R"(
name: fashion-mlp
data:
  train: /usr/share/datasets/fashion-mnist/train
  test: /usr/share/datasets/fashion-mnist/t10k
  standardize: true
  validation_fraction: 0.1
model: {kind: mlp, hidden: [128], activation: relu}
training:
  epochs: 10
  batch_size: 128
  max_steps: 0
  tolerance: 0
  precision: float32
  seeds: [0, 1, 2]
grid:
  solvers:
    - {name: SGD, momentum: [0.0, 0.9], nesterov: [false, true]}
    - {name: Adam}
  base_lr: [0.3, 0.1, 0.03, 0.01]
  schedulers:
    - {name: StepLR, step_size: 3, gamma: [0.1, 0.5]}
    - {name: MultiStepLR, milestones: [[3, 6], [5, 8]], gamma: 0.1}
    - {name: CosineAnnealingLR, T_max: 10}
    - {name: ReduceLROnPlateau, patience: 2, factor: 0.5}
objective: {metric: val_loss, mode: min}
limits: {max_jobs: 100000, max_attempts: 3, lease_seconds: 60}
)";

// A minimal valid spec; tests append or replace lines.
std::string IrisSpec(const std::string& grid) {
  return R"(
data: {train: examples/data/iris.csv, label_column: species, validation_fraction: 0.2}
model: {kind: softmax}
training: {epochs: 5}
)" + grid;
}

std::string ErrorOf(const std::string& text) {
  auto spec = ParseSweepSpec(text);
  EXPECT_FALSE(spec.ok()) << "expected an error for:\n" << text;
  if (spec.ok()) return "";
  EXPECT_EQ(spec.status().code(), absl::StatusCode::kInvalidArgument);
  return std::string(spec.status().message());
}

TEST(ParseSweepSpecTest, ReadsDesignExample) {
  auto spec = ParseSweepSpec(kFashionSpec);
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->name(), "fashion-mlp");
  EXPECT_EQ(spec->data().train(), "/usr/share/datasets/fashion-mnist/train");
  EXPECT_TRUE(spec->data().standardize());
  EXPECT_DOUBLE_EQ(spec->data().validation_fraction(), 0.1);
  EXPECT_EQ(spec->model().kind(), "mlp");
  ASSERT_EQ(spec->model().hidden_size(), 1);
  EXPECT_EQ(spec->model().hidden(0), 128);
  EXPECT_EQ(spec->training().epochs(), 10);
  EXPECT_EQ(spec->training().seeds_size(), 3);
  ASSERT_EQ(spec->grid().solvers_size(), 2);
  EXPECT_EQ(spec->grid().solvers(0).name(), "SGD");
  EXPECT_EQ(spec->grid().solvers(0).args().fields().at("momentum").list_value().values_size(), 2);
  EXPECT_EQ(spec->grid().base_lr_size(), 4);
  ASSERT_EQ(spec->grid().schedulers_size(), 4);
  EXPECT_EQ(spec->grid().schedulers(2).args().fields().at("T_max").number_value(), 10);
  EXPECT_EQ(spec->limits().max_attempts(), 3);
}

TEST(ParseSweepSpecTest, JsonAndYamlGiveSameMessage) {
  const std::string yaml = IrisSpec(
      "grid: {solvers: [{name: Adam, betas: [0.8, 0.9]}], base_lr: [0.1], "
      "schedulers: [{name: StepLR, step_size: 2}]}");
  const std::string json = R"({
    "data": {"train": "examples/data/iris.csv", "label_column": "species",
             "validation_fraction": 0.2},
    "model": {"kind": "softmax"},
    "training": {"epochs": 5},
    "grid": {"solvers": [{"name": "Adam", "betas": [0.8, 0.9]}], "base_lr": [0.1],
             "schedulers": [{"name": "StepLR", "step_size": 2}]}})";
  auto from_yaml = ParseSweepSpec(yaml);
  auto from_json = ParseSweepSpec(json);
  ASSERT_TRUE(from_yaml.ok()) << from_yaml.status();
  ASSERT_TRUE(from_json.ok()) << from_json.status();
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(*from_yaml, *from_json));
}

TEST(ParseSweepSpecTest, ProtoJsonArgsFormIsAccepted) {
  auto spec = ParseSweepSpec(IrisSpec(
      "grid: {solvers: [{name: SGD, args: {momentum: 0.9}}], base_lr: 0.1}"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->grid().solvers(0).args().fields().at("momentum").number_value(), 0.9);
}

TEST(ParseSweepSpecTest, DefaultsAreApplied) {
  auto spec = ParseSweepSpec(IrisSpec("grid: {solver: {name: SGD}, base_lr: 0.1}"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  EXPECT_EQ(spec->training().precision(), "float32");
  ASSERT_EQ(spec->training().seeds_size(), 1);
  EXPECT_EQ(spec->training().seeds(0), 0);
  EXPECT_EQ(spec->objective().metric(), "val_loss");
  EXPECT_EQ(spec->objective().mode(), "min");
  EXPECT_EQ(spec->limits().max_jobs(), 100000);
  EXPECT_EQ(spec->limits().max_attempts(), 3);
  EXPECT_EQ(spec->limits().lease_seconds(), 60);
}

TEST(ParseSweepSpecTest, SingularAxesAtTopLevel) {
  auto spec = ParseSweepSpec(IrisSpec(
      "solver: {name: SGD, momentum: 0.9}\nbase_lr: 0.05\n"
      "scheduler: {name: ExponentialLR, gamma: 0.9}"));
  ASSERT_TRUE(spec.ok()) << spec.status();
  ASSERT_EQ(spec->grid().solvers_size(), 1);
  EXPECT_EQ(spec->grid().solvers(0).name(), "SGD");
  ASSERT_EQ(spec->grid().base_lr_size(), 1);
  EXPECT_EQ(spec->grid().base_lr(0), 0.05);
  ASSERT_EQ(spec->grid().schedulers_size(), 1);
  EXPECT_EQ(spec->grid().schedulers(0).name(), "ExponentialLR");
}

TEST(ParseSweepSpecTest, UnknownFieldNamesPath) {
  std::string message = ErrorOf(IrisSpec("grid: {solver: {name: SGD}, base_lr: 0.1}") +
                                "\nextra: 1");
  EXPECT_THAT(message, HasSubstr("extra: unknown field"));

  message = ErrorOf(R"(
data: {train: x.csv, validaton_fraction: 0.2}
model: {kind: softmax}
training: {epochs: 1}
grid: {solver: {name: SGD}, base_lr: 0.1})");
  EXPECT_THAT(message, HasSubstr("data.validaton_fraction: unknown field"));
  EXPECT_THAT(message, HasSubstr("validation_fraction"));
}

TEST(ParseSweepSpecTest, SchedulerArgumentErrorNamesPathAndValue) {
  std::string message = ErrorOf(IrisSpec(
      "grid:\n  solvers: [{name: SGD}]\n  base_lr: [0.1]\n  schedulers:\n"
      "    - {name: StepLR, step_size: 2}\n"
      "    - {name: ExponentialLR, gamma: [0.9, -0.5]}\n"));
  EXPECT_THAT(message, HasSubstr("grid.schedulers[1].gamma"));
  EXPECT_THAT(message, HasSubstr("-0.5"));
}

TEST(ParseSweepSpecTest, UnknownSchedulerArgumentNamesPath) {
  std::string message = ErrorOf(IrisSpec(
      "grid: {solvers: [{name: SGD}], base_lr: [0.1], "
      "schedulers: [{name: StepLR, step_size: 2, gama: 0.5}]}"));
  EXPECT_THAT(message, HasSubstr("grid.schedulers[0].gama"));
}

TEST(ParseSweepSpecTest, SolverArgumentErrorNamesPath) {
  std::string message = ErrorOf(IrisSpec(
      "grid: {solvers: [{name: SGD}, {name: SGD, nesterov: true}], base_lr: [0.1]}"));
  EXPECT_THAT(message, HasSubstr("grid.solvers[1]."));
  EXPECT_THAT(message, HasSubstr("nesterov"));
}

TEST(ParseSweepSpecTest, UnknownSolverNamesPath) {
  std::string message =
      ErrorOf(IrisSpec("grid: {solvers: [{name: Adamm}], base_lr: [0.1]}"));
  EXPECT_THAT(message, HasSubstr("grid.solvers[0].name"));
  EXPECT_THAT(message, HasSubstr("Adamm"));
}

TEST(ParseSweepSpecTest, FieldValueErrorsNameFieldAndValue) {
  struct Case {
    std::string text;
    std::string expected;
  };
  const std::string grid = "grid: {solver: {name: SGD}, base_lr: 0.1}\n";
  const std::vector<Case> cases = {
      {"data: {train: a.csv}\nmodel: {kind: softmax}\ntraining: {epochs: ten}\n" + grid,
       "training.epochs: must be an integer, got 'ten'"},
      {"data: {train: a.csv}\nmodel: {kind: softmax}\ntraining: {epochs: 0}\n" + grid,
       "training: set epochs or max_steps"},
      {"data: {train: a.csv}\nmodel: {kind: softmax}\ntraining: {epochs: -2}\n" + grid,
       "training.epochs: must be >= 0, got -2"},
      {"data: {train: a.csv}\nmodel: {kind: softmax}\ntraining: {epochs: 1, precision: half}\n" + grid,
       "training.precision: must be one of float32, float64, got 'half'"},
      {"data: {train: a.csv, validation_fraction: 1}\nmodel: {kind: softmax}\ntraining: {epochs: 1}\n" + grid,
       "data.validation_fraction: must be in [0, 1), got 1"},
      {"data: {train: a.csv}\nmodel: {kind: convnet}\ntraining: {epochs: 1}\n" + grid,
       "model.kind: must be one of"},
      {"model: {kind: softmax}\ntraining: {epochs: 1}\n" + grid,
       "data.train: missing"},
      {"model: {kind: rosenbrock}\ntraining: {epochs: 1}\n" + grid,
       "model.start: missing"},
      {"data: {train: a.csv}\nmodel: {kind: rosenbrock, start: [1, 2]}\ntraining: {epochs: 1}\n" + grid,
       "data.train: must be empty for the analytic objective 'rosenbrock'"},
      {"data: {train: a.csv}\nmodel: {kind: mlp, hidden: [64, 0]}\ntraining: {epochs: 1}\n" + grid,
       "model.hidden[1]: must be > 0, got 0"},
      {"data: {train: a.csv}\nmodel: {kind: mlp}\ntraining: {epochs: 1}\n" + grid,
       "model.hidden: missing"},
      {"data: {train: a.csv}\nmodel: {kind: softmax}\ntraining: {epochs: 1}\n"
       "grid: {solver: {name: SGD}, base_lr: [0.1, -1]}\n",
       "grid.base_lr[1]: must be > 0, got -1"},
      {"data: {train: a.csv}\nmodel: {kind: softmax}\ntraining: {epochs: 1}\ngrid: {base_lr: 0.1}\n",
       "grid.solvers: missing"},
      {"data: {train: a.csv}\nmodel: {kind: linear}\ntraining: {epochs: 1}\n"
       "objective: {metric: val_accuracy}\n" + grid,
       "objective.metric: val_accuracy needs a classification model"},
      {"data: {train: a.csv}\nmodel: {kind: softmax}\ntraining: {epochs: 1}\n"
       "objective: {mode: lowest}\n" + grid,
       "objective.mode: must be one of min, max, got 'lowest'"},
      {"data: {train: a.csv}\nmodel: {kind: softmax}\ntraining: {epochs: 1}\n"
       "limits: {max_attempts: -1}\n" + grid,
       "limits.max_attempts: must be > 0, got -1"},
      {"data: {train: a.csv}\nmodel: {kind: softmax}\ntraining: {epochs: 1, seeds: [0, x]}\n" + grid,
       "training.seeds[1]: must be an integer, got 'x'"},
      {"data: {train: a.csv}\nmodel: {kind: softmax}\ntraining: {epochs: 1}\n"
       "grid: {solver: {name: SGD}, base_lr: 0.1, scheduler: {name: StepLR, step_size: 1, step_unit: week}}\n",
       "grid.schedulers[0].step_unit: must be one of epoch, iteration, got 'week'"},
      {"data: {train: a.csv}\nmodel: {kind: softmax}\ntraining: {epochs: 1}\n"
       "grid: {solver: {name: SGD}, base_lr: 0.1, scheduler: {name: StepLR, step_size: \"2\"}}\n",
       "grid.schedulers[0].step_size: must be an integer, got '2'"},
      {"data: [a.csv]\nmodel: {kind: softmax}\ntraining: {epochs: 1}\n" + grid,
       "data: must be a map, got a list"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.text);
    EXPECT_THAT(ErrorOf(c.text), HasSubstr(c.expected));
  }
}

TEST(ParseSweepSpecTest, InvalidYamlNamesLine) {
  std::string message = ErrorOf("model: {kind: softmax\ntraining: [1, 2\n");
  EXPECT_THAT(message, HasSubstr("invalid YAML at line"));
}

TEST(ParseSweepSpecTest, EmptyDocumentIsRejected) {
  EXPECT_THAT(ErrorOf(""), HasSubstr("spec: empty document"));
  EXPECT_THAT(ErrorOf("just words"), HasSubstr("spec: must be a map"));
}

TEST(ParseSweepSpecTest, GridOverMaxJobsIsRejectedByCount) {
  // 2 solvers x 3 learning rates x 2 schedulers x 2 seeds = 24 jobs.
  std::string message = ErrorOf(R"(
data: {train: a.csv}
model: {kind: softmax}
training: {epochs: 1, seeds: [0, 1]}
grid:
  solvers: [{name: SGD, momentum: [0, 0.9]}]
  base_lr: [0.1, 0.01, 0.001]
  schedulers: [{name: StepLR, step_size: 1, gamma: [0.1, 0.5]}]
limits: {max_jobs: 23}
)");
  EXPECT_THAT(message, HasSubstr("expands to 24 jobs"));
  EXPECT_THAT(message, HasSubstr("limits.max_jobs = 23"));
}

TEST(ParseSweepSpecTest, HugeGridIsRejectedWithoutExpanding) {
  // 1000^3 scheduler combinations: expansion would not fit in memory.
  std::string values = "[";
  for (int i = 1; i <= 1000; ++i) values += (i > 1 ? "," : "") + std::to_string(i);
  values += "]";
  std::string message = ErrorOf(IrisSpec(
      "grid: {solver: {name: SGD}, base_lr: 0.1, scheduler: {name: CyclicLR, "
      "max_lr: " + values + ", step_size_up: " + values + ", step_size_down: " +
      values + "}}"));
  EXPECT_THAT(message, HasSubstr("more than limits.max_jobs"));
}

TEST(LoadSweepSpecTest, DataPathsBecomeAbsolute) {
  auto spec = LoadSweepSpec("examples/iris.yaml");
  ASSERT_TRUE(spec.ok()) << spec.status();
  const std::string& train = spec->data().train();
  ASSERT_FALSE(train.empty());
  EXPECT_EQ(train.front(), '/') << train;
  EXPECT_THAT(train, ::testing::EndsWith("/examples/data/iris.csv"));
}

TEST(ParseSolverSpecTest, ReadsInlineSolver) {
  auto solver = ParseSolverSpec("{name: SGD, momentum: 0.9, nesterov: true}");
  ASSERT_TRUE(solver.ok()) << solver.status();
  EXPECT_EQ(solver->name(), "SGD");
  EXPECT_TRUE(solver->args().fields().at("nesterov").bool_value());
}

TEST(ParseSolverSpecTest, RejectsAxes) {
  auto solver = ParseSolverSpec("{name: SGD, momentum: [0.5, 0.9]}");
  ASSERT_FALSE(solver.ok());
  EXPECT_THAT(std::string(solver.status().message()), HasSubstr("one value per argument"));
}

TEST(ParseSchedulerSpecTest, ListValuedArgumentIsNoAxis) {
  auto scheduler = ParseSchedulerSpec("{name: MultiStepLR, milestones: [5, 2, 5]}");
  ASSERT_TRUE(scheduler.ok()) << scheduler.status();
  EXPECT_EQ(scheduler->args().fields().at("milestones").list_value().values_size(), 3);
}

TEST(ParseSchedulerSpecTest, MissingNameIsRejected) {
  auto scheduler = ParseSchedulerSpec("{gamma: 0.5}");
  ASSERT_FALSE(scheduler.ok());
  EXPECT_THAT(std::string(scheduler.status().message()), HasSubstr("scheduler.name: missing"));
}

TEST(ExpandArgsTest, ProductInNameOrder) {
  auto scheduler = ParseSweepSpec(IrisSpec(
      "grid: {solver: {name: SGD}, base_lr: 0.1, scheduler: {name: MultiStepLR, "
      "milestones: [[2, 4], [3]], gamma: [0.1, 0.5, 0.9]}}"));
  ASSERT_TRUE(scheduler.ok()) << scheduler.status();
  const auto& args = scheduler->grid().schedulers(0).args();
  EXPECT_EQ(CountArgCombinations(args), 6u);
  auto expanded = ExpandArgs(args);
  ASSERT_EQ(expanded.size(), 6u);
  // gamma sorts before milestones, so milestones varies fastest.
  EXPECT_EQ(expanded[0].fields().at("gamma").number_value(), 0.1);
  EXPECT_EQ(expanded[0].fields().at("milestones").list_value().values_size(), 2);
  EXPECT_EQ(expanded[1].fields().at("gamma").number_value(), 0.1);
  EXPECT_EQ(expanded[1].fields().at("milestones").list_value().values_size(), 1);
  EXPECT_EQ(expanded[5].fields().at("gamma").number_value(), 0.9);
}

}  // namespace
}  // namespace lrsweep::spec
