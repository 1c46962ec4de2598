// Runs the real `lrsweep` binary and checks the output a user gets.
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/process.h"

namespace lrsweep {
namespace {

using ::lrsweep::testing::CommandResult;
using ::lrsweep::testing::RunCommand;
using ::testing::HasSubstr;
using ::testing::StartsWith;

CommandResult Lrsweep(const std::string& args) {
  return RunCommand(std::string(LRSWEEP_CLI_PATH) + " " + args);
}

std::vector<std::string> Lines(const std::string& text) {
  return absl::StrSplit(text, '\n', absl::SkipEmpty());
}

TEST(ScheduleCommandTest, CsvHasHeaderAndOneRowPerStep) {
  CommandResult result = Lrsweep(
      "schedule --scheduler='{name: CosineAnnealingLR, T_max: 10}' --base_lr=1 "
      "--steps=25 --format=csv");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::vector<std::string> lines = Lines(result.out);
  ASSERT_EQ(lines.size(), 26u);
  EXPECT_EQ(lines[0], "step,lr");
  EXPECT_EQ(lines[1], "0,1");
  // 17 significant digits: cos(pi/10) schedule value at step 1.
  EXPECT_EQ(lines[2], "1,0.97552825814757682");
  std::vector<std::string> last = absl::StrSplit(lines[25], ',');
  ASSERT_EQ(last.size(), 2u);
  EXPECT_EQ(last[0], "24");
  double lr;
  ASSERT_TRUE(absl::SimpleAtod(last[1], &lr));
  EXPECT_NEAR(lr, 0.6545084971874737, 1e-12);
}

TEST(ScheduleCommandTest, MomentumColumnWhenCycling) {
  CommandResult result = Lrsweep(
      "schedule --solver='{name: Adam}' --scheduler='{name: CyclicLR, max_lr: 0.1, "
      "step_size_up: 2}' --base_lr=0.01 --steps=5 --format=csv");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::vector<std::string> lines = Lines(result.out);
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0], "step,lr,momentum");
  EXPECT_THAT(lines[1], StartsWith("0,0.01"));
  EXPECT_THAT(lines[1], HasSubstr(",0.90000000000000002"));
}

TEST(ScheduleCommandTest, PlateauTakesMetrics) {
  CommandResult result = Lrsweep(
      "schedule --scheduler='{name: ReduceLROnPlateau, patience: 0, factor: 0.5}' "
      "--base_lr=1 --steps=4 --metrics=1,1,1 --format=json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("{\"step\": 1, \"lr\": 1}"));
  EXPECT_THAT(result.out, HasSubstr("{\"step\": 2, \"lr\": 0.5}"));
  EXPECT_THAT(result.out, HasSubstr("{\"step\": 3, \"lr\": 0.25}"));
}

TEST(ScheduleCommandTest, InvalidArgumentNamesField) {
  CommandResult result = Lrsweep(
      "schedule --scheduler='{name: ExponentialLR, gamma: -0.5}' --steps=3");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("scheduler.gamma"));
  EXPECT_THAT(result.err, HasSubstr("-0.5"));
  EXPECT_EQ(result.out, "");
}

TEST(ScheduleCommandTest, TooFewMetricsIsAnError) {
  CommandResult result = Lrsweep(
      "schedule --scheduler='{name: ReduceLROnPlateau}' --steps=5 --metrics=1,2");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("metrics"));
  EXPECT_THAT(result.err, HasSubstr("at least 4"));
}

TEST(TrainCommandTest, TraceCsvHasOneRowPerStep) {
  CommandResult result = Lrsweep("train examples/iris.yaml --trace=csv");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::vector<std::string> lines = Lines(result.out);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines[0], "step,lr,loss");
  // 120 training rows in batches of 16 (8 steps an epoch) for 50 epochs.
  EXPECT_EQ(lines.size(), 1u + 8 * 50);
  std::vector<std::string> first = absl::StrSplit(lines[1], ',');
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(first[0], "1");
  EXPECT_EQ(first[1], "0.050000000000000003");
  double loss;
  EXPECT_TRUE(absl::SimpleAtod(first[2], &loss));
  EXPECT_GT(loss, 0);
  // The curve goes to stderr so that stdout stays machine-readable.
  EXPECT_THAT(result.err, HasSubstr("outcome: completed after 400 steps"));
}

TEST(TrainCommandTest, JsonCurveHasEveryEpoch) {
  CommandResult result = Lrsweep("train examples/iris.yaml --format=json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("\"epoch\": 50,"));
  EXPECT_THAT(result.out, HasSubstr("\"outcome\": \"completed\""));
}

TEST(TrainCommandTest, GridNeedsJobIndex) {
  char dir[] = "/tmp/lrsweep_cli_test_XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string spec = std::string(dir) + "/grid.yaml";
  ASSERT_EQ(RunCommand("printf 'model: {kind: quadratic, start: [1, 2]}\\n"
                       "training: {max_steps: 5}\\nsolver: {name: SGD}\\n"
                       "base_lr: [0.1, 0.01]\\n' > " + spec).exit_code, 0);
  CommandResult result = Lrsweep("train " + spec);
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("--job"));
  EXPECT_THAT(result.err, HasSubstr("2 jobs"));

  result = Lrsweep("train " + spec + " --job=1");
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_THAT(result.out, HasSubstr("base_lr 0.01"));
  RunCommand(std::string("rm -rf ") + dir);
}

TEST(TrainCommandTest, MissingSpecNamesPath) {
  CommandResult result = Lrsweep("train /nonexistent/spec.yaml");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_THAT(result.err, HasSubstr("/nonexistent/spec.yaml"));
}

TEST(TrainCommandTest, MissingDataFileNamesPath) {
  char dir[] = "/tmp/lrsweep_cli_test_XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string spec = std::string(dir) + "/spec.yaml";
  ASSERT_EQ(RunCommand("printf 'data: {train: missing.csv}\\nmodel: {kind: softmax}\\n"
                       "training: {epochs: 1}\\nsolver: {name: SGD}\\nbase_lr: 0.1\\n' > " +
                       spec).exit_code, 0);
  CommandResult result = Lrsweep("train " + spec);
  EXPECT_NE(result.exit_code, 0);
  EXPECT_THAT(result.err, HasSubstr(std::string(dir) + "/missing.csv"));
  RunCommand(std::string("rm -rf ") + dir);
}

}  // namespace
}  // namespace lrsweep
