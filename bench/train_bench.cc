// Training benchmarks: three jobs run through RunJob, the trainer that
// workers use, plus a float32 matrix product that measures what one core
// can do. bench/train_torch.py runs the same jobs with PyTorch and
// bench/compare_training.py puts both side by side.
//
// Each training benchmark is one iteration: RunJob on data loaded before the
// timer starts, so the time covers the split, standardization, model and
// optimizer creation, every training step and the validation and test
// evaluations. Counters: `steps`, the final metrics, and for data models
// `gflop`, the matrix-product work of the run (see MatmulFlop), with
// `gflops`, that work per second of the run.
//
// Run all with medians of 5, from the repository root:
//   build/bench/train_bench --benchmark_repetitions=5
#include <cmath>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "Eigen/Core"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "benchmark/benchmark.h"
#include "engine/dataset.h"
#include "engine/trainer.h"
#include "spec/grid.h"
#include "spec/parser.h"

ABSL_FLAG(std::string, iris, "examples/data/iris.csv", "Path of the Iris CSV file.");
ABSL_FLAG(std::string, fashion_mnist, "/usr/share/datasets/fashion-mnist",
          "Directory of the Fashion-MNIST IDX files (prefixes train and t10k).");

namespace lrsweep::bench {
namespace {

// The jobs, as sweep specs with one value per axis. $IRIS and $FASHION are
// replaced by the flag values. bench/train_torch.py mirrors each of them.
struct Task {
  const char* name;
  const char* spec;
};

const Task kTasks[] = {
    // Full batch: each of the 1000 epochs is one step on all 150 rows.
    {"iris_softmax", R"(
data: {train: $IRIS, label_column: species, standardize: true}
model: {kind: softmax}
training: {epochs: 1000, batch_size: 0, precision: float32}
solver: {name: Adam}
base_lr: 0.05
scheduler: {name: CosineAnnealingLR, T_max: 1000}
objective: {metric: train_loss, mode: min}
)"},
    {"fashion_softmax", R"(
data: {train: $FASHION/train, test: $FASHION/t10k, validation_fraction: 0.1}
model: {kind: softmax}
training: {epochs: 1, batch_size: 128, precision: float32}
solver: {name: Adam}
base_lr: 0.001
scheduler: {name: StepLR, step_size: 2, gamma: 0.5}
)"},
    {"fashion_mlp", R"(
data: {train: $FASHION/train, test: $FASHION/t10k, validation_fraction: 0.1}
model: {kind: mlp, hidden: [128], activation: relu}
training: {epochs: 1, batch_size: 128, precision: float32}
solver: {name: Adam}
base_lr: 0.001
scheduler: {name: StepLR, step_size: 2, gamma: 0.5}
)"},
};

absl::StatusOr<v1::JobSpec> MakeJob(const Task& task) {
  const std::string text = absl::StrReplaceAll(
      task.spec, {{"$IRIS", absl::GetFlag(FLAGS_iris)},
                  {"$FASHION", absl::GetFlag(FLAGS_fashion_mnist)}});
  absl::StatusOr<v1::SweepSpec> spec = spec::ParseSweepSpec(text);
  if (!spec.ok()) return spec.status();
  absl::StatusOr<spec::ExpandedGrid> grid = spec::ExpandGrid(*spec);
  if (!grid.ok()) return grid.status();
  if (grid->jobs.size() != 1) {
    return absl::InternalError(
        absl::StrCat(task.name, ": expands to ", grid->jobs.size(), " jobs, expected 1"));
  }
  return grid->jobs[0];
}

// Loads each data spec once per process, so that repetitions time training
// alone.
absl::StatusOr<engine::DataFiles> LoadOnce(const v1::JobSpec& job) {
  static auto* loaded = new std::map<std::string, engine::DataFiles>();
  const std::string key = job.data().SerializeAsString();
  auto found = loaded->find(key);
  if (found != loaded->end()) return found->second;
  absl::StatusOr<engine::DataFiles> files =
      engine::LoadDataFiles(job.data(), engine::LabelKindForModel(job.model()));
  if (files.ok()) loaded->emplace(key, *files);
  return files;
}

// Returns the floating-point operations of the run's matrix products, 2 per
// multiply-add. A layer with `in` inputs and `out` outputs costs 2 in out
// FLOP per row for its forward product and the same for its weight
// gradient. Above the first layer, the gradient of its input costs the same
// again. Training rows pay all three, evaluated rows (validation and test)
// the forward product once. Bias, activation, loss and optimizer work is
// not counted.
double MatmulFlop(const v1::JobSpec& job, const engine::DataFiles& files) {
  const int64_t rows = files.train->num_rows();
  const auto validation_rows =
      static_cast<int64_t>(std::llround(job.data().validation_fraction() * rows));
  const int64_t test_rows = files.test != nullptr ? files.test->num_rows() : 0;
  const int64_t epochs = job.training().epochs();

  double forward = 0;
  double backward = 0;
  int64_t inputs = files.train->num_features();
  std::vector<int64_t> widths(job.model().hidden().begin(), job.model().hidden().end());
  widths.push_back(files.train->num_classes());
  for (size_t layer = 0; layer < widths.size(); ++layer) {
    const double product = 2.0 * inputs * widths[layer];
    forward += product;
    backward += layer == 0 ? product : 2 * product;
    inputs = widths[layer];
  }
  const double trained_rows = static_cast<double>((rows - validation_rows) * epochs);
  const double evaluated_rows = static_cast<double>(validation_rows * epochs + test_rows);
  return trained_rows * (forward + backward) + evaluated_rows * forward;
}

void BM_Train(benchmark::State& state, const Task* task) {
  absl::StatusOr<v1::JobSpec> job = MakeJob(*task);
  if (!job.ok()) return state.SkipWithError(job.status().ToString().c_str());
  absl::StatusOr<engine::DataFiles> files = LoadOnce(*job);
  if (!files.ok()) return state.SkipWithError(files.status().ToString().c_str());

  engine::TrainResult result;
  for (auto _ : state) {
    absl::StatusOr<engine::TrainResult> run = engine::RunJob(*job, *files);
    if (!run.ok()) return state.SkipWithError(run.status().ToString().c_str());
    result = *std::move(run);
  }

  if (result.outcome != engine::RunOutcome::kCompleted) {
    return state.SkipWithError(
        absl::StrCat("run ended ", engine::RunOutcomeName(result.outcome)).c_str());
  }
  const engine::EpochMetrics& last = result.curve.back();
  state.counters["steps"] = static_cast<double>(result.steps);
  state.counters["train_loss"] = last.train_loss;
  if (std::isfinite(last.val_accuracy)) state.counters["val_accuracy"] = last.val_accuracy;
  if (std::isfinite(result.test_accuracy)) {
    state.counters["test_accuracy"] = result.test_accuracy;
  }
  const double gflop = MatmulFlop(*job, *files) / 1e9;
  state.counters["gflop"] = gflop;
  state.counters["gflops"] = benchmark::Counter(gflop, benchmark::Counter::kIsRate);
}

// C = A B on float32 n x n matrices with Eigen's own product on one thread.
// The engine's products run the same Eigen kernel on smaller matrices, so
// this is the reference for their GFLOP/s.
void BM_EigenGemm(benchmark::State& state) {
  const Eigen::Index n = state.range(0);
  const Eigen::MatrixXf a = Eigen::MatrixXf::Random(n, n);
  const Eigen::MatrixXf b = Eigen::MatrixXf::Random(n, n);
  Eigen::MatrixXf c(n, n);
  for (auto _ : state) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  state.counters["gflops"] = benchmark::Counter(
      2.0 * n * n * n / 1e9, benchmark::Counter::kIsIterationInvariantRate);
}

void AddBuildContext() {
  benchmark::AddCustomContext(
      "eigen", absl::StrCat(EIGEN_WORLD_VERSION, ".", EIGEN_MAJOR_VERSION, ".",
                            EIGEN_MINOR_VERSION));
  benchmark::AddCustomContext("eigen_simd", Eigen::SimdInstructionSetsInUse());
  benchmark::AddCustomContext("compiler", __VERSION__);
}

}  // namespace
}  // namespace lrsweep::bench

int main(int argc, char** argv) {
  namespace bench = lrsweep::bench;
  benchmark::Initialize(&argc, argv);
  absl::ParseCommandLine(argc, argv);
  bench::AddBuildContext();

  for (const bench::Task& task : bench::kTasks) {
    benchmark::RegisterBenchmark(task.name, bench::BM_Train, &task)
        ->Iterations(1)
        ->UseRealTime()
        ->Unit(benchmark::kMillisecond);
  }
  benchmark::RegisterBenchmark("gemm", bench::BM_EigenGemm)
      ->Arg(1024)
      ->UseRealTime()
      ->Unit(benchmark::kMillisecond);

  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
