// Grid expansion of a 100,000-job sweep: the work the coordinator does
// before it stores a sweep, and so part of the latency of submitting one.
//
// The grid is 10 SGD momentums x 100 base learning rates x 10 StepLR gammas
// x 10 seeds, all valid, so every combination becomes a job with its job id
// and configuration id.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "benchmark/benchmark.h"
#include "spec/grid.h"
#include "spec/parser.h"

namespace lrsweep::bench {
namespace {

constexpr int kJobs = 100'000;

// Returns `count` numbers spaced `step` apart from `first`, written as a
// YAML flow list.
std::string YamlList(double first, double step, int count) {
  std::vector<std::string> values;
  for (int i = 0; i < count; ++i) values.push_back(absl::StrCat(first + i * step));
  return absl::StrCat("[", absl::StrJoin(values, ", "), "]");
}

std::string GridSpecText() {
  return absl::StrCat(
      "data: {train: examples/data/iris.csv, label_column: species}\n"
      "model: {kind: softmax}\n"
      "training: {epochs: 10, seeds: ", YamlList(0, 1, 10), "}\n",
      "grid:\n"
      "  solvers: [{name: SGD, momentum: ", YamlList(0, 0.1, 10), "}]\n",
      "  base_lr: ", YamlList(0.0001, 0.0001, 100), "\n",
      "  schedulers: [{name: StepLR, step_size: 3, gamma: ", YamlList(0.05, 0.05, 10),
      "}]\n",
      "limits: {max_jobs: ", kJobs, "}\n");
}

void BM_ExpandGrid(benchmark::State& state) {
  absl::StatusOr<v1::SweepSpec> spec = spec::ParseSweepSpec(GridSpecText());
  if (!spec.ok()) return state.SkipWithError(spec.status().ToString().c_str());

  size_t jobs = 0;
  for (auto _ : state) {
    absl::StatusOr<spec::ExpandedGrid> grid = spec::ExpandGrid(*spec);
    if (!grid.ok()) return state.SkipWithError(grid.status().ToString().c_str());
    jobs = grid->jobs.size();
    benchmark::DoNotOptimize(grid);
  }

  if (jobs != kJobs) {
    return state.SkipWithError(
        absl::StrCat("expanded to ", jobs, " jobs, expected ", kJobs).c_str());
  }
  state.counters["jobs"] = static_cast<double>(jobs);
  state.counters["jobs_per_second"] = benchmark::Counter(
      static_cast<double>(jobs), benchmark::Counter::kIsIterationInvariantRate);
}

BENCHMARK(BM_ExpandGrid)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->Repetitions(5)
    ->ReportAggregatesOnly(true);

}  // namespace
}  // namespace lrsweep::bench

BENCHMARK_MAIN();
