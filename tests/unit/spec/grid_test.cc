#include "spec/grid.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "spec/parser.h"

namespace lrsweep::spec {
namespace {

using ::testing::HasSubstr;

v1::SweepSpec Parse(const std::string& grid_and_training) {
  auto spec = ParseSweepSpec(
      "data: {train: examples/data/iris.csv, label_column: species}\n"
      "model: {kind: softmax}\n" +
      grid_and_training);
  EXPECT_TRUE(spec.ok()) << spec.status();
  return spec.ok() ? *spec : v1::SweepSpec();
}

TEST(ExpandGridTest, DesignExampleDropsNesterovWithoutMomentum) {
  v1::SweepSpec spec = Parse(R"(
training: {epochs: 10, seeds: [0, 1, 2]}
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
)");
  auto grid = ExpandGrid(spec);
  ASSERT_TRUE(grid.ok()) << grid.status();
  // (3 SGD combinations + Adam) x 4 rates x 6 schedulers x 3 seeds.
  EXPECT_EQ(grid->jobs.size(), 4u * 4 * 6 * 3);
  ASSERT_EQ(grid->dropped.size(), 1u);
  EXPECT_THAT(grid->dropped.begin()->first, HasSubstr("grid.solvers[0]."));
  EXPECT_THAT(grid->dropped.begin()->first, HasSubstr("nesterov"));
  // The one dropped SGD combination would have made 4 x 6 x 3 jobs.
  EXPECT_EQ(grid->dropped.begin()->second, 4 * 6 * 3);
  EXPECT_EQ(grid->duplicates, 0);
}

TEST(ExpandGridTest, OrderIsSolverRateSchedulerSeed) {
  v1::SweepSpec spec = Parse(R"(
training: {epochs: 1, seeds: [7, 8]}
grid:
  solvers: [{name: SGD}, {name: Adam}]
  base_lr: [0.1, 0.01]
  schedulers: [{name: StepLR, step_size: 1}, {name: ExponentialLR, gamma: 0.9}]
)");
  auto grid = ExpandGrid(spec);
  ASSERT_TRUE(grid.ok()) << grid.status();
  ASSERT_EQ(grid->jobs.size(), 16u);
  EXPECT_EQ(grid->jobs[0].solver().name(), "SGD");
  EXPECT_EQ(grid->jobs[0].base_lr(), 0.1);
  EXPECT_EQ(grid->jobs[0].scheduler().name(), "StepLR");
  EXPECT_EQ(grid->jobs[0].seed(), 7);
  EXPECT_EQ(grid->jobs[1].seed(), 8);
  EXPECT_EQ(grid->jobs[2].scheduler().name(), "ExponentialLR");
  EXPECT_EQ(grid->jobs[4].base_lr(), 0.01);
  EXPECT_EQ(grid->jobs[8].solver().name(), "Adam");
  EXPECT_EQ(grid->jobs[0].training().seeds_size(), 0);
}

TEST(ExpandGridTest, ReplicatesShareConfigId) {
  v1::SweepSpec spec = Parse(R"(
training: {epochs: 1, seeds: [0, 1, 2]}
grid: {solvers: [{name: SGD}, {name: Adam}], base_lr: [0.1]}
)");
  auto grid = ExpandGrid(spec);
  ASSERT_TRUE(grid.ok()) << grid.status();
  ASSERT_EQ(grid->jobs.size(), 6u);
  EXPECT_EQ(grid->config_ids[0], grid->config_ids[1]);
  EXPECT_EQ(grid->config_ids[0], grid->config_ids[2]);
  EXPECT_NE(grid->config_ids[0], grid->config_ids[3]);
  // Seed 0 serializes like a cleared seed; the ids must still differ.
  EXPECT_NE(grid->job_ids[0], grid->config_ids[0]);
  std::set<std::string> job_ids(grid->job_ids.begin(), grid->job_ids.end());
  EXPECT_EQ(job_ids.size(), 6u);
  // Without schedulers the learning rate stays constant: no scheduler set.
  EXPECT_FALSE(grid->jobs[0].has_scheduler());
}

TEST(ExpandGridTest, IdsAreStableAcrossExpansions) {
  const std::string text = R"(
training: {epochs: 1, seeds: [0, 1]}
grid: {solvers: [{name: SGD, momentum: [0, 0.9]}], base_lr: [0.1, 0.2]}
)";
  auto first = ExpandGrid(Parse(text));
  auto second = ExpandGrid(Parse(text));
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(first->job_ids, second->job_ids);
  EXPECT_EQ(first->job_ids[0].size(), 16u);
}

TEST(ExpandGridTest, DuplicateEntriesCollapse) {
  v1::SweepSpec spec = Parse(R"(
training: {epochs: 1, seeds: [0, 1]}
grid: {solvers: [{name: SGD, momentum: 0.5}, {name: SGD, momentum: 0.5}], base_lr: [0.1]}
)");
  auto grid = ExpandGrid(spec);
  ASSERT_TRUE(grid.ok()) << grid.status();
  EXPECT_EQ(grid->jobs.size(), 2u);
  EXPECT_EQ(grid->duplicates, 2);
}

TEST(ExpandGridTest, MomentumCyclingWithoutMomentumIsDropped) {
  v1::SweepSpec spec = Parse(R"(
training: {epochs: 1}
grid:
  solvers: [{name: SGD}, {name: Adagrad}]
  base_lr: [0.1]
  schedulers: [{name: CyclicLR, max_lr: 1.0}, {name: StepLR, step_size: 2}]
)");
  auto grid = ExpandGrid(spec);
  ASSERT_TRUE(grid.ok()) << grid.status();
  // SGD x 2 schedulers + Adagrad x StepLR.
  EXPECT_EQ(grid->jobs.size(), 3u);
  ASSERT_EQ(grid->dropped.size(), 1u);
  EXPECT_THAT(grid->dropped.begin()->first, HasSubstr("grid.schedulers[0].cycle_momentum"));
  EXPECT_THAT(grid->dropped.begin()->first, HasSubstr("Adagrad"));
}

TEST(ExpandGridTest, NoValidCombinationIsRejected) {
  v1::SweepSpec spec = Parse(R"(
training: {epochs: 1}
grid:
  solvers: [{name: Adagrad}]
  base_lr: [0.1]
  schedulers: [{name: CyclicLR, max_lr: 1.0}]
)");
  auto grid = ExpandGrid(spec);
  ASSERT_FALSE(grid.ok());
  EXPECT_EQ(grid.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(grid.status().message()), HasSubstr("no valid combination"));
}

TEST(ExpandGridTest, ValueInvalidEverywhereIsAnError) {
  auto spec = ParseSweepSpec(R"(
data: {train: a.csv}
model: {kind: softmax}
training: {epochs: 1}
grid:
  solvers: [{name: SGD, momentum: [0.9, -1]}]
  base_lr: [0.1]
)");
  ASSERT_FALSE(spec.ok());
  EXPECT_THAT(std::string(spec.status().message()), HasSubstr("grid.solvers[0].momentum"));
  EXPECT_THAT(std::string(spec.status().message()), HasSubstr("-1"));
}

TEST(ExpandGridTest, HundredThousandJobs) {
  std::string momenta = "[";
  for (int i = 0; i < 10; ++i) momenta += (i ? ", " : "") + std::to_string(i / 10.0);
  momenta += "]";
  std::string rates = "[";
  for (int i = 1; i <= 100; ++i) rates += (i > 1 ? ", " : "") + std::to_string(i / 1000.0);
  rates += "]";
  v1::SweepSpec spec = Parse(
      "training: {epochs: 1, seeds: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]}\n"
      "grid:\n  solvers: [{name: SGD, momentum: " + momenta + "}]\n"
      "  base_lr: " + rates + "\n"
      "  schedulers: [{name: StepLR, step_size: 2, gamma: " + momenta.substr(0, 1) +
      "0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95]}]\n");
  EXPECT_EQ(CountJobs(spec), 100000u);
  auto grid = ExpandGrid(spec);
  ASSERT_TRUE(grid.ok()) << grid.status();
  EXPECT_EQ(grid->jobs.size(), 100000u);
  std::set<std::string> ids(grid->job_ids.begin(), grid->job_ids.end());
  EXPECT_EQ(ids.size(), 100000u);
  std::set<std::string> configs(grid->config_ids.begin(), grid->config_ids.end());
  EXPECT_EQ(configs.size(), 10000u);
}

}  // namespace
}  // namespace lrsweep::spec
