// Tests of the learning-rate schedulers: golden values from PyTorch 1.13.0a0
// (Debian python3-torch, written by tests/golden/make_scheduler_golden.py),
// the PyTorch 2.x behaviour that 1.13 lacks, and argument validation.
#include "engine/scheduler.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "support/golden.h"

namespace lrsweep::engine {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;

constexpr char kGoldenPath[] = "tests/golden/schedulers.json";

// The engine mirrors PyTorch's expressions operation by operation, so the
// values agree exactly with the same libm. The bound 1e-12 leaves room for a
// different libm.
constexpr double kRelativeTolerance = 1e-12;

// Below kTinyFraction times the case's largest value, a value is compared
// with the absolute bound kRelativeTolerance * largest value. Such values
// arise where a learning rate should be 0 but is the rounding residue of a
// cancellation, such as eta_min + (lr - eta_min) * (1 + cos(pi)) terms near
// T_max (about 1e-17 of the base learning rate). There a relative error is
// meaningless, and 1e-12 of the base learning rate is far below any step an
// optimizer could notice.
constexpr double kTinyFraction = 1e-12;

struct GoldenCase {
  std::string label;
  v1::SchedulerSpec spec;
  std::string solver;
  double base_lr = 0.0;
  int steps = 0;
  // Metric passed to step t + 1 (ReduceLROnPlateau only).
  std::vector<double> metrics;
  std::vector<double> lr;
  // Empty unless the case cycles momentum.
  std::vector<double> momentum;
};

// Reads a number that the golden script may have written as "NaN",
// "Infinity" or "-Infinity", which JSON cannot express.
double DecodeNumber(const Value& value) {
  if (value.kind_case() != Value::kStringValue) return value.number_value();
  const std::string& text = value.string_value();
  if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
  if (text == "Infinity") return std::numeric_limits<double>::infinity();
  if (text == "-Infinity") return -std::numeric_limits<double>::infinity();
  ADD_FAILURE() << "unreadable number '" << text << "' in " << kGoldenPath;
  return 0.0;
}

std::vector<GoldenCase> LoadGoldenCases() {
  const Struct golden = testing::LoadGoldenJson(kGoldenPath);
  std::vector<GoldenCase> cases;
  for (const Value& entry : golden.fields().at("cases").list_value().values()) {
    const auto& fields = entry.struct_value().fields();
    GoldenCase golden_case;
    golden_case.label = fields.at("label").string_value();
    const auto& spec = fields.at("scheduler").struct_value().fields();
    golden_case.spec.set_name(spec.at("name").string_value());
    *golden_case.spec.mutable_args() = spec.at("args").struct_value();
    golden_case.solver = fields.at("solver").string_value();
    golden_case.base_lr = fields.at("base_lr").number_value();
    golden_case.steps = static_cast<int>(fields.at("steps").number_value());
    if (fields.count("metrics") != 0) {
      for (const Value& metric : fields.at("metrics").list_value().values()) {
        golden_case.metrics.push_back(DecodeNumber(metric));
      }
    }
    golden_case.lr = testing::NumberList(fields.at("lr"));
    if (fields.count("momentum") != 0) {
      golden_case.momentum = testing::NumberList(fields.at("momentum"));
    }
    cases.push_back(std::move(golden_case));
  }
  return cases;
}

// The solvers of the golden script: SGD(momentum=0.9), Adam and Adagrad.
SolverHyperParams HyperFor(const std::string& solver, double base_lr) {
  SolverHyperParams hyper;
  hyper.lr = base_lr;
  hyper.momentum = 0.9;
  hyper.momentum_kind = MomentumKind::kMomentum;
  if (solver == "Adam") hyper.momentum_kind = MomentumKind::kBeta1;
  if (solver == "Adagrad") {
    hyper.momentum = 0.0;
    hyper.momentum_kind = MomentumKind::kNone;
  }
  return hyper;
}

struct Trajectory {
  std::vector<double> lr;
  std::vector<double> momentum;
};

// Runs `golden_case` like the golden script: the values after creation,
// then after each Step().
Trajectory RunGoldenCase(const GoldenCase& golden_case, SolverHyperParams hyper) {
  Trajectory trajectory;
  auto scheduler = MakeScheduler(golden_case.spec, &hyper);
  EXPECT_TRUE(scheduler.ok()) << scheduler.status();
  if (!scheduler.ok()) return trajectory;
  for (int t = 0; t < golden_case.steps; ++t) {
    if (t > 0) {
      if (golden_case.metrics.empty()) {
        (*scheduler)->Step();
      } else {
        (*scheduler)->Step(golden_case.metrics[t - 1]);
      }
    }
    trajectory.lr.push_back(hyper.lr);
    trajectory.momentum.push_back(hyper.momentum);
  }
  return trajectory;
}

// Largest deviations seen over all comparisons, reported at the end.
struct DeviationSummary {
  double max_relative = 0.0;
  double max_tiny_absolute = 0.0;  // As a fraction of the case's scale.
  int compared = 0;
};

// Compares `actual` with `expected` step by step and reports the first
// step beyond the tolerance. `scale` is the case's largest magnitude.
void ExpectMatches(const std::string& what, const std::vector<double>& actual,
                   const std::vector<double>& expected,
                   DeviationSummary* summary) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  double scale = 0.0;
  for (double value : expected) scale = std::max(scale, std::fabs(value));
  for (size_t t = 0; t < expected.size(); ++t) {
    const double error = std::fabs(actual[t] - expected[t]);
    ++summary->compared;
    const bool tiny = std::fabs(expected[t]) < kTinyFraction * scale;
    if (tiny) {
      summary->max_tiny_absolute =
          std::max(summary->max_tiny_absolute, error / scale);
      if (error <= kRelativeTolerance * scale) continue;
    } else {
      const double relative = error / std::fabs(expected[t]);
      summary->max_relative = std::max(summary->max_relative, relative);
      if (relative <= kRelativeTolerance) continue;
    }
    ADD_FAILURE() << what << " differs from PyTorch at step " << t
                  << ": got " << actual[t] << ", expected " << expected[t];
    return;
  }
}

TEST(SchedulerTest, MatchesPyTorchGoldenValues) {
  const std::vector<GoldenCase> cases = LoadGoldenCases();
  ASSERT_GE(cases.size(), 50u);

  DeviationSummary summary;
  for (const GoldenCase& golden_case : cases) {
    SCOPED_TRACE(golden_case.label);
    const Trajectory trajectory =
        RunGoldenCase(golden_case, HyperFor(golden_case.solver, golden_case.base_lr));
    ExpectMatches("lr", trajectory.lr, golden_case.lr, &summary);
    if (!golden_case.momentum.empty()) {
      ExpectMatches("momentum", trajectory.momentum, golden_case.momentum,
                    &summary);
    }
  }
  std::cout << "compared " << summary.compared
            << " values; max relative error " << summary.max_relative
            << "; max absolute error of tiny values "
            << summary.max_tiny_absolute << " of the case's scale\n";
}

TEST(SchedulerTest, GoldenCoversEachSchedulerThreeTimes) {
  std::map<std::string, int> counts;
  for (const GoldenCase& golden_case : LoadGoldenCases()) {
    ++counts[golden_case.spec.name()];
  }
  for (const char* name :
       {"ExponentialLR", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR",
        "PolynomialLR", "CosineAnnealingLR", "CosineAnnealingWarmRestarts",
        "CyclicLR", "ReduceLROnPlateau", "OneCycleLR", "SequentialLR"}) {
    EXPECT_GE(counts[name], 3) << name;
  }
}

Struct ParseArgs(const std::string& json) {
  Struct args;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &args);
  EXPECT_TRUE(status.ok()) << json << ": " << status.ToString();
  return args;
}

v1::SchedulerSpec Spec(const std::string& name, const std::string& args_json) {
  v1::SchedulerSpec spec;
  spec.set_name(name);
  *spec.mutable_args() = ParseArgs(args_json);
  return spec;
}

// PyTorch 1.13 rejects CyclicLR momentum cycling on Adam; PyTorch 2.3 and
// later write the momentum formula to betas[0]. These values are worked by
// hand from the 2.x formula with step_size_up 4 (cycle length 8),
// base_momentum 0.8 and max_momentum 0.9:
//   momentum = max_momentum - (max_momentum - base_momentum) * s * scale,
// where s rises from 0 to 1 over 4 steps and falls back over the next 4.
TEST(CyclicLRTest, CyclesBeta1ByThe2xFormula) {
  SolverHyperParams hyper{0.5, 0.9, MomentumKind::kBeta1};
  auto scheduler = MakeScheduler(
      Spec("CyclicLR",
           R"({"base_lr": 0.1, "max_lr": 1.0, "step_size_up": 4,
               "mode": "triangular2"})"),
      &hyper);
  ASSERT_TRUE(scheduler.ok()) << scheduler.status();
  EXPECT_TRUE((*scheduler)->cycles_momentum());

  // Cycle 1 has full amplitude; cycle 2 (triangular2) has half.
  const double expected_beta1[] = {0.9,   0.875, 0.85,  0.825, 0.8,
                                   0.825, 0.85,  0.875, 0.9,   0.8875,
                                   0.875, 0.8625, 0.85};
  const double expected_lr[] = {0.1,    0.325,  0.55,   0.775,  1.0,
                                0.775,  0.55,   0.325,  0.1,    0.2125,
                                0.325,  0.4375, 0.55};
  for (int t = 0; t < 13; ++t) {
    if (t > 0) (*scheduler)->Step();
    EXPECT_NEAR(hyper.momentum, expected_beta1[t], 1e-15) << "step " << t;
    EXPECT_NEAR(hyper.lr, expected_lr[t], 1e-15) << "step " << t;
  }
}

// PyTorch 2.x computes beta1 with the same expression as SGD's momentum, so
// every golden CyclicLR momentum sequence must come out unchanged on Adam.
TEST(CyclicLRTest, Beta1EqualsGoldenSgdMomentum) {
  int checked = 0;
  for (const GoldenCase& golden_case : LoadGoldenCases()) {
    if (golden_case.spec.name() != "CyclicLR" || golden_case.momentum.empty()) {
      continue;
    }
    SCOPED_TRACE(golden_case.label);
    SolverHyperParams hyper = HyperFor("Adam", golden_case.base_lr);
    const Trajectory trajectory = RunGoldenCase(golden_case, hyper);
    ASSERT_EQ(trajectory.momentum.size(), golden_case.momentum.size());
    for (size_t t = 0; t < golden_case.momentum.size(); ++t) {
      EXPECT_DOUBLE_EQ(trajectory.momentum[t], golden_case.momentum[t])
          << "step " << t;
    }
    ++checked;
  }
  EXPECT_GE(checked, 3);
}

TEST(OneCycleLRTest, HoldsFinalValuesPastTotalSteps) {
  SolverHyperParams hyper{0.1, 0.9, MomentumKind::kMomentum};
  auto scheduler = MakeScheduler(
      Spec("OneCycleLR",
           R"({"max_lr": 0.1, "total_steps": 10,
               "anneal_strategy": "linear"})"),
      &hyper);
  ASSERT_TRUE(scheduler.ok()) << scheduler.status();
  for (int t = 1; t < 10; ++t) (*scheduler)->Step();
  const double final_lr = hyper.lr;
  const double final_momentum = hyper.momentum;
  // min_lr = max_lr / div_factor / final_div_factor.
  EXPECT_NEAR(final_lr, 0.1 / 25 / 1e4, 1e-16);
  EXPECT_NEAR(final_momentum, 0.95, 1e-15);

  for (int t = 10; t < 20; ++t) {
    (*scheduler)->Step();
    EXPECT_EQ(hyper.lr, final_lr) << "step " << t;
    EXPECT_EQ(hyper.momentum, final_momentum) << "step " << t;
  }
}

struct BadInput {
  const char* scheduler;
  const char* args;
  // The argument the message must start with.
  const char* argument;
};

TEST(MakeSchedulerTest, RejectsInvalidArguments) {
  const BadInput kBadInputs[] = {
      {"ExponentialLR", "{}", "gamma"},
      {"ExponentialLR", R"({"gamma": 0})", "gamma"},
      {"ExponentialLR", R"({"gamma": -0.5})", "gamma"},
      {"ExponentialLR", R"({"gamma": "0.9"})", "gamma"},
      {"ExponentialLR", R"({"gamma": 0.9, "gama": 0.5})", "gama"},
      {"ExponentialLR", R"({"gamma": 0.9, "last_epoch": 3})", "last_epoch"},
      {"StepLR", "{}", "step_size"},
      {"StepLR", R"({"step_size": 0})", "step_size"},
      {"StepLR", R"({"step_size": -3})", "step_size"},
      {"StepLR", R"({"step_size": 2.5})", "step_size"},
      {"StepLR", R"({"step_size": 3, "gamma": 0})", "gamma"},
      {"MultiStepLR", "{}", "milestones"},
      {"MultiStepLR", R"({"milestones": [3, -1]})", "milestones[1]"},
      {"MultiStepLR", R"({"milestones": 3})", "milestones"},
      {"MultiStepLR", R"({"milestones": [3], "gamma": -2})", "gamma"},
      // PyTorch accepts factor 0 and then divides by it at total_iters.
      {"ConstantLR", R"({"factor": 0})", "factor"},
      {"ConstantLR", R"({"factor": 1e-310})", "factor"},
      {"ConstantLR", R"({"factor": -0.1})", "factor"},
      {"ConstantLR", R"({"factor": 1.5})", "factor"},
      {"ConstantLR", R"({"total_iters": 0})", "total_iters"},
      // PyTorch 1.13 accepts start_factor 0 and divides by zero at step 1;
      // 2.x rejects it.
      {"LinearLR", R"({"start_factor": 0})", "start_factor"},
      {"LinearLR", R"({"start_factor": 1.2})", "start_factor"},
      {"LinearLR", R"({"end_factor": -0.1})", "end_factor"},
      {"LinearLR", R"({"end_factor": 1.1})", "end_factor"},
      {"LinearLR", R"({"total_iters": 0})", "total_iters"},
      {"PolynomialLR", R"({"total_iters": 0})", "total_iters"},
      {"PolynomialLR", R"({"total_iters": -2})", "total_iters"},
      {"PolynomialLR", R"({"power": -1})", "power"},
      {"CosineAnnealingLR", "{}", "T_max"},
      {"CosineAnnealingLR", R"({"T_max": 0})", "T_max"},
      {"CosineAnnealingLR", R"({"t_max": -5})", "T_max"},
      {"CosineAnnealingLR", R"({"T_max": 1e9})", "T_max"},
      {"CosineAnnealingLR", R"({"T_max": 10, "eta_min": -0.1})", "eta_min"},
      {"CosineAnnealingWarmRestarts", "{}", "T_0"},
      {"CosineAnnealingWarmRestarts", R"({"T_0": 0})", "T_0"},
      {"CosineAnnealingWarmRestarts", R"({"T_0": 5, "T_mult": 0})", "T_mult"},
      {"CosineAnnealingWarmRestarts", R"({"T_0": 5, "t_mult": 1.5})",
       "T_mult"},
      {"CosineAnnealingWarmRestarts", R"({"T_0": 5, "eta_min": -1})",
       "eta_min"},
      {"CyclicLR", "{}", "max_lr"},
      {"CyclicLR", R"({"max_lr": 0})", "max_lr"},
      {"CyclicLR", R"({"max_lr": 1e301})", "max_lr"},
      {"CyclicLR", R"({"max_lr": 1, "base_lr": -0.1})", "base_lr"},
      {"CyclicLR", R"({"max_lr": 1, "step_size_up": 0})", "step_size_up"},
      {"CyclicLR", R"({"max_lr": 1, "step_size_down": -1})", "step_size_down"},
      {"CyclicLR", R"({"max_lr": 1, "mode": "cosine"})", "mode"},
      {"CyclicLR", R"({"max_lr": 1, "mode": "exp_range", "gamma": 0})",
       "gamma"},
      {"CyclicLR", R"({"max_lr": 1, "mode": "exp_range", "gamma": 1.01})",
       "gamma"},
      {"CyclicLR", R"({"max_lr": 1, "scale_mode": "iterations"})",
       "scale_mode"},
      {"CyclicLR", R"({"max_lr": 1, "scale_mode": "epochs"})", "scale_mode"},
      {"CyclicLR", R"({"max_lr": 1, "scale_fn": "lambda x: 1.0"})",
       "scale_fn"},
      {"CyclicLR", R"({"max_lr": 1, "base_momentum": 1.0})", "base_momentum"},
      {"CyclicLR", R"({"max_lr": 1, "max_momentum": -0.1})", "max_momentum"},
      {"ReduceLROnPlateau", R"({"factor": 1.0})", "factor"},
      {"ReduceLROnPlateau", R"({"factor": 0})", "factor"},
      {"ReduceLROnPlateau", R"({"factor": -0.5})", "factor"},
      {"ReduceLROnPlateau", R"({"mode": "maximum"})", "mode"},
      {"ReduceLROnPlateau", R"({"threshold_mode": "relative"})",
       "threshold_mode"},
      {"ReduceLROnPlateau", R"({"patience": -1})", "patience"},
      {"ReduceLROnPlateau", R"({"cooldown": -1})", "cooldown"},
      {"ReduceLROnPlateau", R"({"threshold": -0.1})", "threshold"},
      {"ReduceLROnPlateau", R"({"threshold": 1.0})", "threshold"},
      {"ReduceLROnPlateau", R"({"min_lr": -1})", "min_lr"},
      {"ReduceLROnPlateau", R"({"eps": -1})", "eps"},
      {"ReduceLROnPlateau", R"({"verbose": true})", "verbose"},
      {"OneCycleLR", R"({"total_steps": 100})", "max_lr"},
      {"OneCycleLR", R"({"max_lr": 0.1})", "total_steps"},
      {"OneCycleLR", R"({"max_lr": 0.1, "epochs": 10})", "total_steps"},
      {"OneCycleLR", R"({"max_lr": 0.1, "total_steps": 0})", "total_steps"},
      {"OneCycleLR", R"({"max_lr": 0.1, "epochs": 0, "steps_per_epoch": 10})",
       "epochs"},
      {"OneCycleLR", R"({"max_lr": 0.1, "epochs": 10, "steps_per_epoch": -1})",
       "steps_per_epoch"},
      {"OneCycleLR",
       R"({"max_lr": 0.1, "epochs": 1e9, "steps_per_epoch": 1e9})", "epochs"},
      {"OneCycleLR", R"({"max_lr": 0.1, "total_steps": 10, "pct_start": 1.5})",
       "pct_start"},
      // Phase 1 has 0.1 * 10 - 1 = 0 steps.
      {"OneCycleLR", R"({"max_lr": 0.1, "total_steps": 10, "pct_start": 0.1})",
       "pct_start"},
      // Phase 2 has 10 - 1 - (1.0 * 10 - 1) = 0 steps.
      {"OneCycleLR", R"({"max_lr": 0.1, "total_steps": 10, "pct_start": 1.0})",
       "pct_start"},
      // Phase 3 would end before phase 2.
      {"OneCycleLR",
       R"({"max_lr": 0.1, "total_steps": 10, "pct_start": 0.6,
           "three_phase": true})",
       "pct_start"},
      {"OneCycleLR",
       R"({"max_lr": 0.1, "total_steps": 10, "anneal_strategy": "cosine"})",
       "anneal_strategy"},
      {"OneCycleLR", R"({"max_lr": 0.1, "total_steps": 10, "div_factor": 0})",
       "div_factor"},
      {"OneCycleLR",
       R"({"max_lr": 0.1, "total_steps": 10, "final_div_factor": 0.5})",
       "final_div_factor"},
      {"OneCycleLR",
       R"({"max_lr": 0.1, "total_steps": 10, "max_momentum": 1.0})",
       "max_momentum"},
      {"SequentialLR", "{}", "schedulers"},
      {"SequentialLR", R"({"schedulers": [], "milestones": []})",
       "schedulers"},
      {"SequentialLR",
       R"({"schedulers": [{"name": "LinearLR"},
                          {"name": "ExponentialLR", "gamma": 0.9}],
           "milestones": []})",
       "milestones"},
      {"SequentialLR",
       R"({"schedulers": [{"name": "LinearLR"},
                          {"name": "ExponentialLR", "gamma": 0.9}],
           "milestones": [0]})",
       "milestones[0]"},
      {"SequentialLR",
       R"({"schedulers": [{"name": "LinearLR"}, {"name": "LinearLR"},
                          {"name": "ExponentialLR", "gamma": 0.9}],
           "milestones": [5, 5]})",
       "milestones[1]"},
      {"SequentialLR",
       R"({"schedulers": [{"name": "LinearLR"}, {"name": "LinearLR"},
                          {"name": "ExponentialLR", "gamma": 0.9}],
           "milestones": [5, 3]})",
       "milestones[1]"},
      // PyTorch 2.x rejects ReduceLROnPlateau inside SequentialLR.
      {"SequentialLR",
       R"({"schedulers": [{"name": "ReduceLROnPlateau"}], "milestones": []})",
       "schedulers[0].name"},
      {"SequentialLR",
       R"({"schedulers": [{"name": "LinearLR"},
                          {"name": "CyclicLR", "max_lr": 1.0}],
           "milestones": [5]})",
       "schedulers[1].name"},
      {"SequentialLR",
       R"({"schedulers": [{"name": "OneCycleLR", "max_lr": 1.0,
                           "total_steps": 10}],
           "milestones": []})",
       "schedulers[0].name"},
      {"SequentialLR",
       R"({"schedulers": [{"name": "SequentialLR"}], "milestones": []})",
       "schedulers[0].name"},
      {"SequentialLR",
       R"({"schedulers": [{"name": "Foo"}], "milestones": []})",
       "schedulers[0].name"},
      {"SequentialLR", R"({"schedulers": [3], "milestones": []})",
       "schedulers[0].name"},
      {"SequentialLR",
       R"({"schedulers": [{"gamma": 0.9}], "milestones": []})",
       "schedulers[0].name"},
      {"SequentialLR",
       R"({"schedulers": [{"name": "ExponentialLR", "gamma": -2}],
           "milestones": []})",
       "schedulers[0].gamma"},
      {"SequentialLR",
       R"({"schedulers": [{"name": "LinearLR", "step_unit": "epoch"}],
           "milestones": []})",
       "schedulers[0].step_unit"},
  };
  for (const BadInput& input : kBadInputs) {
    SCOPED_TRACE(std::string(input.scheduler) + " " + input.args);
    SolverHyperParams hyper{0.1, 0.9, MomentumKind::kMomentum};
    const auto scheduler = MakeScheduler(Spec(input.scheduler, input.args), &hyper);
    ASSERT_FALSE(scheduler.ok());
    EXPECT_EQ(scheduler.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StartsWith(scheduler.status().message(),
                                 std::string(input.argument) + ":"))
        << scheduler.status().message();
  }
}

TEST(MakeSchedulerTest, RejectsCycleMomentumWithoutMomentum) {
  const v1::SchedulerSpec specs[] = {
      Spec("CyclicLR", R"({"max_lr": 1.0})"),
      Spec("OneCycleLR", R"({"max_lr": 1.0, "total_steps": 100})"),
  };
  for (const v1::SchedulerSpec& spec : specs) {
    SCOPED_TRACE(spec.name());
    SolverHyperParams hyper{0.1, 0.0, MomentumKind::kNone};
    const auto scheduler = MakeScheduler(spec, &hyper);
    ASSERT_FALSE(scheduler.ok());
    EXPECT_EQ(scheduler.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StartsWith(scheduler.status().message(),
                                 "cycle_momentum:"));
    EXPECT_TRUE(absl::StrContains(scheduler.status().message(),
                                  "cycle_momentum: false"));

    v1::SchedulerSpec without_cycling = spec;
    (*without_cycling.mutable_args()->mutable_fields())["cycle_momentum"]
        .set_bool_value(false);
    const auto accepted = MakeScheduler(without_cycling, &hyper);
    ASSERT_TRUE(accepted.ok()) << accepted.status();
    EXPECT_FALSE((*accepted)->cycles_momentum());
    EXPECT_EQ(hyper.momentum, 0.0);
  }
}

TEST(MakeSchedulerTest, RejectsUnknownName) {
  SolverHyperParams hyper{0.1, 0.9, MomentumKind::kMomentum};
  const auto scheduler = MakeScheduler(Spec("Foo", "{}"), &hyper);
  ASSERT_FALSE(scheduler.ok());
  EXPECT_EQ(scheduler.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(scheduler.status().message(),
                               "name: unknown scheduler 'Foo'; known: "))
      << scheduler.status().message();
  EXPECT_TRUE(absl::StrContains(scheduler.status().message(), "OneCycleLR"));
}

TEST(MakeSchedulerTest, RejectsInvalidBaseLearningRate) {
  for (double base_lr : {-0.1, std::numeric_limits<double>::quiet_NaN(),
                         std::numeric_limits<double>::infinity()}) {
    SCOPED_TRACE(base_lr);
    SolverHyperParams hyper{base_lr, 0.9, MomentumKind::kMomentum};
    const auto scheduler =
        MakeScheduler(Spec("ExponentialLR", R"({"gamma": 0.9})"), &hyper);
    ASSERT_FALSE(scheduler.ok());
    EXPECT_TRUE(absl::StartsWith(scheduler.status().message(), "base_lr:"));
  }
}

TEST(MakeSchedulerTest, LeavesMomentumAloneUnlessCycling) {
  SolverHyperParams hyper{0.1, 0.7, MomentumKind::kMomentum};
  auto scheduler =
      MakeScheduler(Spec("CosineAnnealingLR", R"({"T_max": 5})"), &hyper);
  ASSERT_TRUE(scheduler.ok()) << scheduler.status();
  for (int t = 0; t < 10; ++t) (*scheduler)->Step();
  EXPECT_EQ(hyper.momentum, 0.7);
  EXPECT_FALSE((*scheduler)->cycles_momentum());
}

TEST(DefaultStepUnitTest, IterationOnlyForCyclicLRAndOneCycleLR) {
  const std::map<std::string, StepUnit> expected = {
      {"ConstantLR", StepUnit::kEpoch},
      {"CosineAnnealingLR", StepUnit::kEpoch},
      {"CosineAnnealingWarmRestarts", StepUnit::kEpoch},
      {"CyclicLR", StepUnit::kIteration},
      {"ExponentialLR", StepUnit::kEpoch},
      {"LinearLR", StepUnit::kEpoch},
      {"MultiStepLR", StepUnit::kEpoch},
      {"OneCycleLR", StepUnit::kIteration},
      {"PolynomialLR", StepUnit::kEpoch},
      {"ReduceLROnPlateau", StepUnit::kEpoch},
      {"SequentialLR", StepUnit::kEpoch},
      {"StepLR", StepUnit::kEpoch},
  };
  for (const auto& [name, unit] : expected) {
    SCOPED_TRACE(name);
    const auto actual = DefaultStepUnit(name);
    ASSERT_TRUE(actual.ok()) << actual.status();
    EXPECT_EQ(*actual, unit);
  }
  const auto unknown = DefaultStepUnit("LambdaLR");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(SchedulerTest, InstanceStepUnitMatchesDefaultStepUnit) {
  for (const GoldenCase& golden_case : LoadGoldenCases()) {
    SCOPED_TRACE(golden_case.label);
    SolverHyperParams hyper = HyperFor(golden_case.solver, golden_case.base_lr);
    const auto scheduler = MakeScheduler(golden_case.spec, &hyper);
    ASSERT_TRUE(scheduler.ok()) << scheduler.status();
    const auto unit = DefaultStepUnit(golden_case.spec.name());
    ASSERT_TRUE(unit.ok());
    EXPECT_EQ((*scheduler)->default_step_unit(), *unit);
    EXPECT_EQ((*scheduler)->needs_metric(),
              golden_case.spec.name() == "ReduceLROnPlateau");
    EXPECT_EQ((*scheduler)->cycles_momentum(), !golden_case.momentum.empty());
  }
}

// Accepted arguments at the edges of their ranges, stepped far beyond their
// schedules: the learning rate must stay finite and non-negative, and
// momentum within [0, 1).
TEST(SchedulerTest, StaysFiniteForExtremeAcceptedArguments) {
  struct Extreme {
    const char* scheduler;
    const char* args;
  };
  const Extreme kExtremes[] = {
      {"ExponentialLR", R"({"gamma": 1e-300})"},
      {"StepLR", R"({"step_size": 1, "gamma": 1e-300})"},
      {"MultiStepLR", R"({"milestones": [0, 0, 0, 1, 1, 1], "gamma": 1e-200})"},
      {"ConstantLR", R"({"factor": 2.2250738585072014e-308})"},
      {"LinearLR", R"({"start_factor": 2.2250738585072014e-308,
                       "end_factor": 0})"},
      {"PolynomialLR", R"({"total_iters": 3, "power": 1e6})"},
      {"CosineAnnealingLR", R"({"T_max": 1})"},
      {"CosineAnnealingLR", R"({"T_max": 100000000, "eta_min": 1e300})"},
      {"CosineAnnealingWarmRestarts",
       R"({"T_0": 2, "T_mult": 4611686018427387904})"},
      {"CyclicLR", R"({"max_lr": 1e300, "base_lr": 0, "step_size_up": 1,
                       "mode": "triangular2"})"},
      {"CyclicLR", R"({"max_lr": 1, "step_size_up": 1, "step_size_down": 0,
                       "mode": "exp_range", "gamma": 1e-300})"},
      {"OneCycleLR", R"({"max_lr": 1e300, "total_steps": 2, "pct_start": 0.75,
                         "div_factor": 1, "final_div_factor": 1e300,
                         "anneal_strategy": "linear"})"},
      {"SequentialLR",
       R"({"schedulers": [{"name": "LinearLR"},
                          {"name": "CosineAnnealingLR", "T_max": 1},
                          {"name": "CosineAnnealingWarmRestarts", "T_0": 1}],
           "milestones": [1, 2]})"},
  };
  for (const Extreme& extreme : kExtremes) {
    SCOPED_TRACE(std::string(extreme.scheduler) + " " + extreme.args);
    SolverHyperParams hyper{1e300, 0.9, MomentumKind::kMomentum};
    auto scheduler = MakeScheduler(Spec(extreme.scheduler, extreme.args), &hyper);
    ASSERT_TRUE(scheduler.ok()) << scheduler.status();
    for (int t = 0; t < 20000; ++t) {
      if (t > 0) (*scheduler)->Step();
      ASSERT_TRUE(std::isfinite(hyper.lr)) << "lr " << hyper.lr << " at step " << t;
      ASSERT_GE(hyper.lr, 0) << "step " << t;
      ASSERT_GE(hyper.momentum, 0) << "step " << t;
      ASSERT_LT(hyper.momentum, 1) << "step " << t;
    }
  }
}

TEST(ReduceLROnPlateauTest, StaysFiniteForNonFiniteMetrics) {
  SolverHyperParams hyper{0.1, 0.9, MomentumKind::kMomentum};
  auto scheduler = MakeScheduler(
      Spec("ReduceLROnPlateau", R"({"patience": 0, "eps": 0})"), &hyper);
  ASSERT_TRUE(scheduler.ok()) << scheduler.status();
  const double metrics[] = {std::numeric_limits<double>::quiet_NaN(),
                            std::numeric_limits<double>::infinity(),
                            -std::numeric_limits<double>::infinity()};
  for (int t = 0; t < 3000; ++t) {
    (*scheduler)->Step(metrics[t % 3]);
    ASSERT_TRUE(std::isfinite(hyper.lr)) << "step " << t;
    ASSERT_GE(hyper.lr, 0) << "step " << t;
  }
  // Every step is without improvement after -inf, so the learning rate has
  // decayed to 0.
  EXPECT_EQ(hyper.lr, 0.0);
}

}  // namespace
}  // namespace lrsweep::engine
