// One optimizer step on 1M float32 parameters, for each torch.optim class
// that lrsweep implements, with typical arguments. The same cases run in
// PyTorch through bench/optimizer_step_torch.py, and
// bench/compare_optimizers.py prints both side by side.

#include <cstdlib>
#include <memory>
#include <string>

#include "Eigen/Core"
#include "benchmark/benchmark.h"
#include "engine/optimizer.h"
#include "google/protobuf/util/json_util.h"

namespace lrsweep::engine {
namespace {

constexpr Eigen::Index kNumParams = 1 << 20;

// Runs Step() on kNumParams parameters with a fixed gradient. `args_json`
// contains the solver's arguments as a JSON object.
void BM_OptimizerStep(benchmark::State& state, const char* name,
                      const char* args_json, double lr) {
  v1::SolverSpec spec;
  spec.set_name(name);
  if (!google::protobuf::util::JsonStringToMessage(args_json,
                                                   spec.mutable_args())
           .ok()) {
    state.SkipWithError("invalid arguments");
    return;
  }
  auto optimizer = MakeOptimizer<float>(spec, lr, kNumParams);
  if (!optimizer.ok()) {
    state.SkipWithError(std::string(optimizer.status().message()).c_str());
    return;
  }

  // Deterministic values in [-1, 1]. With the gradient fixed, each step
  // moves a parameter by a small multiple of lr at most, so the parameters
  // stay finite over the steps of a benchmark run.
  std::srand(0);
  Eigen::VectorXf params = Eigen::VectorXf::Random(kNumParams);
  const Eigen::VectorXf grad = Eigen::VectorXf::Random(kNumParams);
  for (auto _ : state) {
    (*optimizer)->Step(params, grad);
    benchmark::DoNotOptimize(params.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * kNumParams);
}

// The cases of bench/optimizer_step_torch.py, with the same names.
BENCHMARK_CAPTURE(BM_OptimizerStep, SGD, "SGD", "{}", 0.01);
BENCHMARK_CAPTURE(BM_OptimizerStep, SGD_momentum, "SGD",
                  R"({"momentum": 0.9})", 0.01);
BENCHMARK_CAPTURE(BM_OptimizerStep, SGD_nesterov, "SGD",
                  R"({"momentum": 0.9, "nesterov": true})", 0.01);
BENCHMARK_CAPTURE(BM_OptimizerStep, Adam, "Adam", "{}", 1e-3);
BENCHMARK_CAPTURE(BM_OptimizerStep, AdamW, "AdamW", "{}", 1e-3);
BENCHMARK_CAPTURE(BM_OptimizerStep, RMSprop, "RMSprop", "{}", 1e-2);
BENCHMARK_CAPTURE(BM_OptimizerStep, Adagrad, "Adagrad", "{}", 1e-2);
BENCHMARK_CAPTURE(BM_OptimizerStep, Adamax, "Adamax", "{}", 2e-3);
BENCHMARK_CAPTURE(BM_OptimizerStep, NAdam, "NAdam", "{}", 2e-3);
BENCHMARK_CAPTURE(BM_OptimizerStep, RAdam, "RAdam", "{}", 1e-3);
BENCHMARK_CAPTURE(BM_OptimizerStep, Adadelta, "Adadelta", "{}", 1.0);

}  // namespace
}  // namespace lrsweep::engine

BENCHMARK_MAIN();
