// Tests of the optimizers: trajectories against PyTorch 1.13.0a0 (Debian
// python3-torch, written by tests/golden/make_optimizer_golden.py), the
// PyTorch 2.x rules that 1.13 lacks or gets wrong, hyperparameters changed
// between steps, argument validation, and the no-allocation promise of
// Step().
//
// This file is compiled with -ffp-contract=off, so that the gradients below
// round exactly as the golden script's tensor operations do.
#include "engine/optimizer.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "support/golden.h"

// Counts calls of malloc so that StepDoesNotAllocate can check that Step()
// allocates nothing. Eigen allocates with malloc, and libstdc++'s operator
// new calls it too. The definition below takes the place of glibc's malloc
// in this test program and forwards to glibc's implementation.
namespace {
std::atomic<long> malloc_calls{0};
}  // namespace

#ifdef __GLIBC__
extern "C" void* __libc_malloc(std::size_t size);
extern "C" void* malloc(std::size_t size) {
  malloc_calls.fetch_add(1, std::memory_order_relaxed);
  return __libc_malloc(size);
}
#endif

namespace lrsweep::engine {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

template <typename T>
using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;

constexpr char kGoldenPath[] = "tests/golden/optimizers.json";

// The kernels repeat ATen's operations in order, with the same fused
// multiply-adds, so their trajectories can agree with PyTorch's
// single-tensor path to the last bit in both precisions. The tolerances
// leave room for a libm whose std::pow (in the bias corrections) rounds
// differently. They also cover the NAdam cases, whose golden values come
// from PyTorch 1.13's foreach path. That path rounds the denominator as
// sqrt(v) / sqrt(1 - beta2^t), where 2.x and lrsweep compute
// sqrt(v / (1 - beta2^t)).
constexpr double kFloat64Tolerance = 1e-10;
// float32 carries 24 bits (relative spacing 6e-8 to 1.2e-7). The NAdam
// rounding difference above is about one float32 ulp of the parameters'
// scale, which is a larger fraction of a coordinate that crosses zero. In
// nadam_foreach_scheduled, 2e-8 absolute at x = 0.002 is a relative error
// of 9e-6, the largest of the golden cases.
constexpr double kFloat32Tolerance = 1e-5;

// Returns |actual - expected| / |expected|, and 0 when both are 0.
double RelativeError(double actual, double expected) {
  if (actual == expected) return 0.0;
  return std::fabs(actual - expected) / std::fabs(expected);
}

// Parses a JSON object into a Struct, for the arguments of a solver spec.
Struct ParseArgs(const std::string& json) {
  Struct args;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &args);
  EXPECT_TRUE(status.ok()) << json << ": " << status.ToString();
  return args;
}

v1::SolverSpec MakeSpec(const std::string& name, const std::string& args_json) {
  v1::SolverSpec spec;
  spec.set_name(name);
  *spec.mutable_args() = ParseArgs(args_json);
  return spec;
}

template <typename T>
std::unique_ptr<Optimizer<T>> MustMakeOptimizer(const v1::SolverSpec& spec,
                                                double lr, Eigen::Index size) {
  auto optimizer = MakeOptimizer<T>(spec, lr, size);
  EXPECT_TRUE(optimizer.ok()) << spec.name() << ": " << optimizer.status();
  return optimizer.ok() ? *std::move(optimizer) : nullptr;
}

// ---------------------------------------------------------------------------
// Golden trajectories.

struct Problem {
  std::string name;
  std::vector<double> start;
  std::vector<double> curvature;  // Quadratics only.
};

struct GoldenCase {
  std::string label;
  v1::SolverSpec spec;
  double lr = 0.0;
  Problem problem;
  // Empty unless the case changes the value before every step.
  std::vector<double> lr_per_step;
  std::vector<double> momentum_per_step;
  std::vector<std::vector<double>> float64;
  std::vector<std::vector<double>> float32;
};

std::vector<std::vector<double>> ReadRows(const Value& value) {
  std::vector<std::vector<double>> rows;
  for (const Value& row : value.list_value().values()) {
    rows.push_back(testing::NumberList(row));
  }
  return rows;
}

std::vector<double> OptionalNumberList(
    const google::protobuf::Map<std::string, Value>& fields,
    const std::string& key) {
  auto it = fields.find(key);
  return it == fields.end() ? std::vector<double>{}
                            : testing::NumberList(it->second);
}

std::vector<GoldenCase> LoadGoldenCases() {
  const Struct golden = testing::LoadGoldenJson(kGoldenPath);
  const auto& problems = golden.fields().at("problems").struct_value().fields();
  std::vector<GoldenCase> cases;
  for (const Value& entry : golden.fields().at("cases").list_value().values()) {
    const auto& fields = entry.struct_value().fields();
    GoldenCase golden_case;
    golden_case.label = fields.at("label").string_value();
    const auto& solver = fields.at("solver").struct_value().fields();
    golden_case.spec.set_name(solver.at("name").string_value());
    *golden_case.spec.mutable_args() = solver.at("args").struct_value();
    golden_case.lr = fields.at("lr").number_value();

    golden_case.problem.name = fields.at("problem").string_value();
    const auto& problem =
        problems.at(golden_case.problem.name).struct_value().fields();
    golden_case.problem.start = testing::NumberList(problem.at("start"));
    golden_case.problem.curvature = OptionalNumberList(problem, "curvature");

    golden_case.lr_per_step = OptionalNumberList(fields, "lr_per_step");
    golden_case.momentum_per_step =
        OptionalNumberList(fields, "momentum_per_step");
    golden_case.float64 = ReadRows(fields.at("float64"));
    golden_case.float32 = ReadRows(fields.at("float32"));
    cases.push_back(std::move(golden_case));
  }
  return cases;
}

const std::vector<GoldenCase>& GoldenCases() {
  static const auto* const kCases =
      new std::vector<GoldenCase>(LoadGoldenCases());
  return *kCases;
}

// The gradient of the golden problem at x, with the golden script's
// operations in the same order.
template <typename T>
void Gradient(const Problem& problem, const Vector<T>& x, Vector<T>* g) {
  const Eigen::Index n = x.size();
  if (problem.name == "rosenbrock") {
    g->setZero();
    Vector<T> r(n - 1);
    for (Eigen::Index i = 0; i + 1 < n; ++i) {
      r[i] = x[i + 1] - x[i] * x[i];
      (*g)[i] += (T{-400} * x[i]) * r[i] - T{2} * (T{1} - x[i]);
    }
    for (Eigen::Index i = 0; i + 1 < n; ++i) (*g)[i + 1] += T{200} * r[i];
    return;
  }
  const T sign = problem.name == "quadratic" ? T{1} : T{-1};
  for (Eigen::Index i = 0; i < n; ++i) {
    (*g)[i] = sign * (static_cast<T>(problem.curvature[i]) * x[i]);
  }
}

// Runs the case in precision T and returns the largest relative error over
// every step and coordinate, failing the test at the first one above
// `tolerance`.
template <typename T>
double CheckTrajectory(const GoldenCase& golden_case,
                       const std::vector<std::vector<double>>& expected,
                       double tolerance) {
  const auto& start = golden_case.problem.start;
  const Eigen::Index n = static_cast<Eigen::Index>(start.size());
  Vector<T> x(n);
  for (Eigen::Index i = 0; i < n; ++i) x[i] = static_cast<T>(start[i]);
  Vector<T> g(n);
  auto optimizer = MustMakeOptimizer<T>(golden_case.spec, golden_case.lr, n);
  if (optimizer == nullptr) return 0.0;

  double max_error = 0.0;
  for (size_t step = 0; step < expected.size(); ++step) {
    if (!golden_case.lr_per_step.empty()) {
      optimizer->hyper()->lr = golden_case.lr_per_step[step];
    }
    if (!golden_case.momentum_per_step.empty()) {
      optimizer->hyper()->momentum = golden_case.momentum_per_step[step];
    }
    Gradient(golden_case.problem, x, &g);
    optimizer->Step(x, g);
    for (Eigen::Index i = 0; i < n; ++i) {
      // The golden file contains float32 values to 9 significant digits,
      // which round back to the same float.
      const T torch_value = static_cast<T>(expected[step][i]);
      const double error = RelativeError(x[i], torch_value);
      max_error = std::max(max_error, error);
      if (error > tolerance) {
        ADD_FAILURE() << "step " << step + 1 << ", coordinate " << i
                      << ": lrsweep " << x[i] << ", PyTorch " << torch_value
                      << ", relative error " << error;
        return max_error;
      }
    }
  }
  return max_error;
}

// Checks every golden case of the class `solver` in both precisions and
// records the largest errors as test properties.
void CheckGoldenCases(const std::string& solver) {
  double max_float64 = 0.0;
  double max_float32 = 0.0;
  int count = 0;
  for (const GoldenCase& golden_case : GoldenCases()) {
    if (golden_case.spec.name() != solver) continue;
    ++count;
    SCOPED_TRACE(golden_case.label);
    {
      SCOPED_TRACE("float64");
      max_float64 = std::max(
          max_float64, CheckTrajectory<double>(golden_case, golden_case.float64,
                                               kFloat64Tolerance));
    }
    {
      SCOPED_TRACE("float32");
      max_float32 = std::max(
          max_float32, CheckTrajectory<float>(golden_case, golden_case.float32,
                                              kFloat32Tolerance));
    }
  }
  EXPECT_GT(count, 0) << "no golden case for " << solver;
  ::testing::Test::RecordProperty("max_relative_error_float64",
                                  absl::StrCat(max_float64));
  ::testing::Test::RecordProperty("max_relative_error_float32",
                                  absl::StrCat(max_float32));
}

TEST(OptimizerTest, SgdMatchesTorch) { CheckGoldenCases("SGD"); }
TEST(OptimizerTest, AdamMatchesTorch) { CheckGoldenCases("Adam"); }
TEST(OptimizerTest, AdamWMatchesTorch) { CheckGoldenCases("AdamW"); }
TEST(OptimizerTest, RmspropMatchesTorch) { CheckGoldenCases("RMSprop"); }
TEST(OptimizerTest, AdagradMatchesTorch) { CheckGoldenCases("Adagrad"); }
TEST(OptimizerTest, AdamaxMatchesTorch) { CheckGoldenCases("Adamax"); }
TEST(OptimizerTest, NAdamMatchesTorch) { CheckGoldenCases("NAdam"); }
TEST(OptimizerTest, RAdamMatchesTorch) { CheckGoldenCases("RAdam"); }
TEST(OptimizerTest, AdadeltaMatchesTorch) { CheckGoldenCases("Adadelta"); }

// ---------------------------------------------------------------------------
// PyTorch 2.x rules.

// NAdam follows PyTorch 2.x. PyTorch 1.13's default (single-tensor) path
// divides the last term by 1 - mu_product * mu * mu_next, so its golden
// values would be wrong. This test works the 2.x formula out by hand for
// three steps instead:
//   mu_t      = beta1 * (1 - 0.5 * 0.96^(t * psi))
//   P_t       = mu_1 * ... * mu_t
//   m = beta1 m + (1 - beta1) g,   v = beta2 v + (1 - beta2) g^2
//   r = sqrt(v / (1 - beta2^t)) + eps
//   p -= lr (1 - mu_t) / (1 - P_t) g / r
//        + lr mu_{t+1} / (1 - P_t mu_{t+1}) m / r
TEST(OptimizerTest, NAdamFollowsTorch2Formula) {
  const double lr = 0.01, beta1 = 0.9, beta2 = 0.999, eps = 1e-8,
               psi = 4e-3;
  const std::vector<std::vector<double>> grads = {
      {0.5, -2.0}, {0.25, -1.5}, {-0.75, 0.5}};
  auto optimizer = MustMakeOptimizer<double>(MakeSpec("NAdam", "{}"), lr, 2);
  ASSERT_NE(optimizer, nullptr);

  Vector<double> params(2);
  params << 1.0, -1.0;
  double expected[2] = {1.0, -1.0};
  double torch_113[2] = {1.0, -1.0};  // PyTorch 1.13's single-tensor rule.
  double m[2] = {0, 0}, v[2] = {0, 0};
  double mu_product = 1.0;
  for (int t = 1; t <= 3; ++t) {
    const double mu = beta1 * (1 - 0.5 * std::pow(0.96, t * psi));
    const double mu_next = beta1 * (1 - 0.5 * std::pow(0.96, (t + 1) * psi));
    mu_product *= mu;
    for (int i = 0; i < 2; ++i) {
      const double g = grads[t - 1][i];
      m[i] = beta1 * m[i] + (1 - beta1) * g;
      v[i] = beta2 * v[i] + (1 - beta2) * g * g;
      const double r = std::sqrt(v[i] / (1 - std::pow(beta2, t))) + eps;
      const double grad_term = lr * (1 - mu) / (1 - mu_product) * g / r;
      expected[i] -=
          grad_term + lr * mu_next / (1 - mu_product * mu_next) * m[i] / r;
      torch_113[i] -= grad_term + lr * mu_next /
                                      (1 - mu_product * mu * mu_next) * m[i] / r;
    }
    const Vector<double> grad = Eigen::Map<const Vector<double>>(
        grads[t - 1].data(), 2);
    optimizer->Step(params, grad);
    SCOPED_TRACE(absl::StrCat("step ", t));
    for (int i = 0; i < 2; ++i) {
      EXPECT_LE(RelativeError(params[i], expected[i]), 1e-14)
          << "lrsweep " << params[i] << ", hand-worked 2.x " << expected[i];
      // The check above can tell the two rules apart.
      EXPECT_GT(RelativeError(torch_113[i], expected[i]), 1e-6);
    }
  }
}

// Runs `steps` steps from `start` with gradient `grad_scale` * (p - 0.5)
// and returns the parameters.
Vector<double> RunFixed(const v1::SolverSpec& spec, double lr,
                        const Vector<double>& start, double grad_scale,
                        int steps) {
  auto optimizer = MustMakeOptimizer<double>(spec, lr, start.size());
  Vector<double> params = start;
  if (optimizer == nullptr) return params;
  for (int t = 0; t < steps; ++t) {
    const Vector<double> grad =
        grad_scale * (params.array() - 0.5).matrix();
    optimizer->Step(params, grad);
  }
  return params;
}

Vector<double> TestStart() {
  Vector<double> start(4);
  start << 1.5, -2.0, 0.25, 3.0;
  return start;
}

// maximize=True must equal minimizing with the negated gradient, bit for bit,
// for every class (PyTorch 2.x has the argument on all nine; 1.13 lacks it on
// NAdam and RAdam).
TEST(OptimizerTest, MaximizeNegatesGradient) {
  for (const char* name : {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad",
                           "Adamax", "NAdam", "RAdam", "Adadelta"}) {
    SCOPED_TRACE(name);
    const Vector<double> maximized =
        RunFixed(MakeSpec(name, R"({"maximize": true})"), 0.01, TestStart(),
                 -1.0, 20);
    const Vector<double> minimized =
        RunFixed(MakeSpec(name, "{}"), 0.01, TestStart(), 1.0, 20);
    EXPECT_EQ(maximized, minimized);
  }
}

// decoupled_weight_decay (PyTorch 2.x, on Adam, NAdam and RAdam) multiplies
// the parameters by 1 - lr * weight_decay before an update without decay.
TEST(OptimizerTest, DecoupledWeightDecayScalesParams) {
  const double lr = 0.01, weight_decay = 0.5;
  for (const char* name : {"Adam", "NAdam", "RAdam"}) {
    SCOPED_TRACE(name);
    auto decoupled = MustMakeOptimizer<double>(
        MakeSpec(name, R"({"weight_decay": 0.5, "decoupled_weight_decay": true})"),
        lr, 4);
    auto plain = MustMakeOptimizer<double>(MakeSpec(name, "{}"), lr, 4);
    ASSERT_NE(decoupled, nullptr);
    ASSERT_NE(plain, nullptr);
    Vector<double> params = TestStart();
    Vector<double> reference = TestStart();
    for (int t = 0; t < 10; ++t) {
      const Vector<double> grad = (params.array() - 0.5).matrix();
      decoupled->Step(params, grad);
      reference *= 1 - lr * weight_decay;
      plain->Step(reference, grad);
      EXPECT_EQ(params, reference) << "step " << t + 1;
    }
  }
}

// AdamW is Adam with decoupled weight decay, as in PyTorch 2.x where AdamW
// subclasses Adam.
TEST(OptimizerTest, AdamWEqualsDecoupledAdam) {
  const v1::SolverSpec adam = MakeSpec(
      "Adam",
      R"({"weight_decay": 0.1, "decoupled_weight_decay": true, "amsgrad": true})");
  const v1::SolverSpec adamw =
      MakeSpec("AdamW", R"({"weight_decay": 0.1, "amsgrad": true})");
  EXPECT_EQ(RunFixed(adam, 0.02, TestStart(), 1.0, 30),
            RunFixed(adamw, 0.02, TestStart(), 1.0, 30));
}

// foreach, fused, capturable and differentiable choose PyTorch's kernels and
// change nothing here.
TEST(OptimizerTest, ImplementationFlagsChangeNothing) {
  const Vector<double> with_flags = RunFixed(
      MakeSpec("Adam",
               R"({"foreach": true, "fused": true, "capturable": true,
                   "differentiable": true})"),
      0.01, TestStart(), 1.0, 20);
  EXPECT_EQ(with_flags, RunFixed(MakeSpec("Adam", "{}"), 0.01, TestStart(),
                                 1.0, 20));
}

// ---------------------------------------------------------------------------
// Hyperparameters changed between steps.

// SGD reads hyper().lr and hyper().momentum on every step. Hand computation
// of torch.optim.SGD (b = buffer, d = gradient):
//   step 1: lr 0.1,  mu 0     p -= 0.1 d1 (no buffer yet)
//   step 2: lr 0.05, mu 0.9   b = d2 (first step with momentum), p -= 0.05 b
//   step 3: lr 0.2,  mu 0.5   b = 0.5 b + d3, p -= 0.2 b
//   step 4: lr 0.2,  mu 0     p -= 0.2 d4 (buffer kept, unused)
//   step 5: lr 0.1,  mu 0.8   b = 0.8 b + d5, p -= 0.1 b
TEST(OptimizerTest, SgdReadsHyperEveryStep) {
  auto optimizer = MustMakeOptimizer<double>(MakeSpec("SGD", "{}"), 0.1, 1);
  ASSERT_NE(optimizer, nullptr);
  EXPECT_EQ(optimizer->hyper()->momentum_kind, MomentumKind::kMomentum);
  const double lrs[] = {0.1, 0.05, 0.2, 0.2, 0.1};
  const double momenta[] = {0.0, 0.9, 0.5, 0.0, 0.8};
  const double grads[] = {1.0, 2.0, -1.0, 0.5, 4.0};

  Vector<double> params(1);
  params << 1.0;
  double expected = 1.0;
  double buffer = 0.0;
  bool has_buffer = false;
  for (int t = 0; t < 5; ++t) {
    optimizer->hyper()->lr = lrs[t];
    optimizer->hyper()->momentum = momenta[t];
    Vector<double> grad(1);
    grad << grads[t];
    optimizer->Step(params, grad);

    double update = grads[t];
    if (momenta[t] != 0) {
      buffer = has_buffer ? momenta[t] * buffer + grads[t] : grads[t];
      has_buffer = true;
      update = buffer;
    }
    expected -= lrs[t] * update;
    EXPECT_NEAR(params[0], expected, 1e-15) << "step " << t + 1;
  }
}

// Adam reads hyper().lr and hyper().momentum (beta1) on every step, also in
// the bias correction 1 - beta1^t. Hand computation of torch.optim.Adam with
// beta2 = 0.999 and eps = 1e-8.
TEST(OptimizerTest, AdamReadsHyperEveryStep) {
  auto optimizer = MustMakeOptimizer<double>(MakeSpec("Adam", "{}"), 0.1, 1);
  ASSERT_NE(optimizer, nullptr);
  EXPECT_EQ(optimizer->hyper()->momentum_kind, MomentumKind::kBeta1);
  EXPECT_EQ(optimizer->hyper()->momentum, 0.9);
  const double lrs[] = {0.1, 0.01, 0.3};
  const double beta1s[] = {0.9, 0.5, 0.99};
  const double grads[] = {1.0, -2.0, 0.5};
  const double beta2 = 0.999, eps = 1e-8;

  Vector<double> params(1);
  params << 1.0;
  double expected = 1.0, m = 0.0, v = 0.0;
  for (int t = 1; t <= 3; ++t) {
    const double lr = lrs[t - 1], beta1 = beta1s[t - 1], g = grads[t - 1];
    optimizer->hyper()->lr = lr;
    optimizer->hyper()->momentum = beta1;
    Vector<double> grad(1);
    grad << g;
    optimizer->Step(params, grad);

    m = beta1 * m + (1 - beta1) * g;
    v = beta2 * v + (1 - beta2) * g * g;
    const double m_hat = m / (1 - std::pow(beta1, t));
    const double v_hat_sqrt = std::sqrt(v) / std::sqrt(1 - std::pow(beta2, t));
    expected -= lr * m_hat / (v_hat_sqrt + eps);
    EXPECT_NEAR(params[0], expected, 1e-14) << "step " << t;
  }
}

// ---------------------------------------------------------------------------
// Creation and validation.

TEST(OptimizerTest, MomentumKindsFollowTorch) {
  const std::map<std::string, MomentumKind> kinds = {
      {"SGD", MomentumKind::kMomentum},  {"RMSprop", MomentumKind::kMomentum},
      {"Adam", MomentumKind::kBeta1},    {"AdamW", MomentumKind::kBeta1},
      {"Adamax", MomentumKind::kBeta1},  {"NAdam", MomentumKind::kBeta1},
      {"RAdam", MomentumKind::kBeta1},   {"Adagrad", MomentumKind::kNone},
      {"Adadelta", MomentumKind::kNone},
  };
  for (const auto& [name, kind] : kinds) {
    SCOPED_TRACE(name);
    auto solver_kind = SolverMomentumKind(name);
    ASSERT_TRUE(solver_kind.ok()) << solver_kind.status();
    EXPECT_EQ(*solver_kind, kind);
    auto optimizer = MustMakeOptimizer<float>(MakeSpec(name, "{}"), 0.01, 3);
    ASSERT_NE(optimizer, nullptr);
    EXPECT_EQ(optimizer->hyper()->momentum_kind, kind);
    EXPECT_EQ(optimizer->hyper()->lr, 0.01);
  }
  EXPECT_EQ(SolverMomentumKind("Foo").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(OptimizerTest, HyperMomentumStartsAtArgument) {
  auto sgd = MustMakeOptimizer<double>(MakeSpec("SGD", R"({"momentum": 0.7})"),
                                       0.1, 1);
  ASSERT_NE(sgd, nullptr);
  EXPECT_EQ(sgd->hyper()->momentum, 0.7);
  auto rmsprop = MustMakeOptimizer<double>(
      MakeSpec("RMSprop", R"({"momentum": 0.3})"), 0.1, 1);
  ASSERT_NE(rmsprop, nullptr);
  EXPECT_EQ(rmsprop->hyper()->momentum, 0.3);
  auto adamax = MustMakeOptimizer<double>(
      MakeSpec("Adamax", R"({"betas": [0.8, 0.9]})"), 0.1, 1);
  ASSERT_NE(adamax, nullptr);
  EXPECT_EQ(adamax->hyper()->momentum, 0.8);
}

struct BadInput {
  std::string solver;
  std::string args;
  double lr;
  // The message must start with this argument name and contain `value`.
  std::string argument;
  std::string value;
};

TEST(OptimizerTest, RejectsBadInput) {
  const std::vector<BadInput> rows = {
      {"SGD", "{}", -0.1, "lr", "-0.1"},
      {"Adam", "{}", std::nan(""), "lr", "nan"},
      {"Adam", R"({"eps": -1e-8})", 0.1, "eps", "-1e-08"},
      {"Adam", R"({"betas": [1.5, 0.999]})", 0.1, "betas[0]", "1.5"},
      {"Adam", R"({"betas": [-0.1, 0.999]})", 0.1, "betas[0]", "-0.1"},
      {"AdamW", R"({"betas": [0.9, 1.0]})", 0.1, "betas[1]", "1"},
      {"NAdam", R"({"betas": [0.9]})", 0.1, "betas", "length 1"},
      {"RAdam", R"({"betas": [0.9, 0.99, 0.9]})", 0.1, "betas", "length 3"},
      {"Adamax", R"({"betas": 0.9})", 0.1, "betas", "0.9"},
      {"AdamW", R"({"weight_decay": -0.01})", 0.1, "weight_decay", "-0.01"},
      {"SGD", R"({"weight_decay": -1})", 0.1, "weight_decay", "-1"},
      {"SGD", R"({"momentum": -0.5})", 0.1, "momentum", "-0.5"},
      {"RMSprop", R"({"momentum": -0.5})", 0.1, "momentum", "-0.5"},
      {"SGD", R"({"nesterov": true})", 0.1, "nesterov", "momentum 0"},
      {"SGD", R"({"nesterov": true, "momentum": 0.9, "dampening": 0.1})", 0.1,
       "nesterov", "dampening 0.1"},
      {"Adadelta", R"({"rho": 1.5})", 0.1, "rho", "1.5"},
      {"Adadelta", R"({"rho": -0.1})", 0.1, "rho", "-0.1"},
      {"RMSprop", R"({"alpha": -0.1})", 0.1, "alpha", "-0.1"},
      {"RMSprop", R"({"eps": -1})", 0.1, "eps", "-1"},
      {"Adagrad", R"({"lr_decay": -1})", 0.1, "lr_decay", "-1"},
      {"Adagrad", R"({"initial_accumulator_value": -1})", 0.1,
       "initial_accumulator_value", "-1"},
      {"NAdam", R"({"momentum_decay": -0.004})", 0.1, "momentum_decay",
       "-0.004"},
      {"RAdam", R"({"weight_decay": -2})", 0.1, "weight_decay", "-2"},
      {"SGD", R"({"momentun": 0.9})", 0.1, "momentun", "SGD"},
      {"RMSprop", R"({"fused": true})", 0.1, "fused", "RMSprop"},
      {"Adagrad", R"({"amsgrad": true})", 0.1, "amsgrad", "Adagrad"},
      {"AdamW", R"({"decoupled_weight_decay": true})", 0.1,
       "decoupled_weight_decay", "AdamW"},
      {"Adam", R"({"foreach": "yes"})", 0.1, "foreach", "'yes'"},
      {"Adam", R"({"amsgrad": 1})", 0.1, "amsgrad", "1"},
      {"Foo", "{}", 0.1, "name", "'Foo'"},
  };
  for (const BadInput& row : rows) {
    SCOPED_TRACE(absl::StrCat(row.solver, " ", row.args, " lr=", row.lr));
    for (bool float32 : {false, true}) {
      const v1::SolverSpec spec = MakeSpec(row.solver, row.args);
      const absl::Status status =
          float32 ? MakeOptimizer<float>(spec, row.lr, 4).status()
                  : MakeOptimizer<double>(spec, row.lr, 4).status();
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
      EXPECT_TRUE(absl::StartsWith(status.message(), row.argument + ":"))
          << status.message();
      EXPECT_TRUE(absl::StrContains(status.message(), row.value))
          << status.message();
    }
  }
}

TEST(OptimizerTest, UnknownSolverListsKnownNames) {
  const auto status = MakeOptimizer<double>(MakeSpec("Foo", "{}"), 0.1, 1);
  EXPECT_EQ(status.status().message(),
            "name: unknown solver 'Foo'; known: SGD, Adam, AdamW, RMSprop, "
            "Adagrad, Adamax, NAdam, RAdam, Adadelta");
}

TEST(OptimizerTest, AcceptsTorchDefaultsAndZeroLr) {
  for (const char* name : {"SGD", "Adam", "AdamW", "RMSprop", "Adagrad",
                           "Adamax", "NAdam", "RAdam", "Adadelta"}) {
    SCOPED_TRACE(name);
    EXPECT_TRUE(MakeOptimizer<float>(MakeSpec(name, "{}"), 0.0, 0).ok());
    EXPECT_TRUE(MakeOptimizer<double>(MakeSpec(name, "{}"), 1e-3, 10).ok());
  }
  // Boundary values that PyTorch accepts.
  EXPECT_TRUE(MakeOptimizer<double>(MakeSpec("Adadelta", R"({"rho": 1})"), 1.0,
                                    2)
                  .ok());
  EXPECT_TRUE(MakeOptimizer<double>(
                  MakeSpec("Adam", R"({"betas": [0, 0], "eps": 0})"), 0.1, 2)
                  .ok());
}

// Step() must not allocate: a job calls it millions of times.
TEST(OptimizerTest, StepDoesNotAllocate) {
#ifndef __GLIBC__
  GTEST_SKIP() << "counting allocations needs glibc's __libc_malloc";
#endif
  {
    // The counter must see allocations, or the check below proves nothing.
    const long before = malloc_calls.load();
    Vector<float> buffer(1000);
    buffer.setZero();
    EXPECT_GT(malloc_calls.load() - before, 0);
  }
  const std::vector<std::pair<std::string, std::string>> specs = {
      {"SGD", R"({"momentum": 0.9, "nesterov": true, "weight_decay": 0.1})"},
      {"Adam", R"({"amsgrad": true, "weight_decay": 0.1})"},
      {"AdamW", R"({"amsgrad": true, "maximize": true})"},
      {"RMSprop", R"({"centered": true, "momentum": 0.9})"},
      {"Adagrad", R"({"lr_decay": 0.1, "weight_decay": 0.1})"},
      {"Adamax", R"({"weight_decay": 0.1})"},
      {"NAdam", R"({"decoupled_weight_decay": true, "weight_decay": 0.1})"},
      {"RAdam", R"({"weight_decay": 0.1})"},
      {"Adadelta", R"({"weight_decay": 0.1})"},
  };
  for (const auto& [name, args] : specs) {
    SCOPED_TRACE(name);
    auto optimizer = MustMakeOptimizer<float>(MakeSpec(name, args), 0.01, 1000);
    ASSERT_NE(optimizer, nullptr);
    Vector<float> params = Vector<float>::Ones(1000);
    const Vector<float> grad = Vector<float>::LinSpaced(1000, -1.0f, 1.0f);
    const long before = malloc_calls.load();
    for (int t = 0; t < 10; ++t) {
      optimizer->hyper()->lr = 0.01 / (t + 1);
      optimizer->Step(params, grad);
    }
    EXPECT_EQ(malloc_calls.load() - before, 0);
    EXPECT_TRUE(params.allFinite());
  }
}

}  // namespace
}  // namespace lrsweep::engine
