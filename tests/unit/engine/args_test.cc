#include "engine/args.h"

#include "absl/status/status.h"
#include "google/protobuf/util/json_util.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lrsweep::engine {
namespace {

using ::testing::HasSubstr;

google::protobuf::Struct Args(const std::string& json) {
  google::protobuf::Struct args;
  EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(json, &args).ok()) << json;
  return args;
}

TEST(ArgReaderTest, AbsentArgumentsTakeDefaults) {
  auto args = Args("{}");
  ArgReader reader(args, "StepLR");
  EXPECT_EQ(reader.Double("gamma", 0.1), 0.1);
  EXPECT_EQ(reader.Int("step_size", 3), 3);
  EXPECT_TRUE(reader.Bool("verbose", true));
  EXPECT_EQ(reader.String("mode", "min"), "min");
  EXPECT_FALSE(reader.OptionalDouble("step_size_down").has_value());
  EXPECT_TRUE(reader.Finish().ok());
}

TEST(ArgReaderTest, ReadsGivenValues) {
  auto args = Args(R"({"gamma": 0.5, "step_size": 4, "nesterov": true,
                       "mode": "max", "milestones": [3, 1], "betas": [0.8, 0.99]})");
  ArgReader reader(args, "X");
  EXPECT_EQ(reader.Double("gamma", 0.1), 0.5);
  EXPECT_EQ(reader.Int("step_size", 1), 4);
  EXPECT_TRUE(reader.Bool("nesterov", false));
  EXPECT_EQ(reader.String("mode", "min", {"min", "max"}), "max");
  EXPECT_EQ(reader.IntList("milestones", {}), (std::vector<int64_t>{3, 1}));
  EXPECT_EQ(reader.DoubleList("betas", {}), (std::vector<double>{0.8, 0.99}));
  EXPECT_TRUE(reader.Finish().ok());
}

TEST(ArgReaderTest, LowerCaseSpellingMatchesTorchName) {
  auto args = Args(R"({"t_max": 7})");
  ArgReader reader(args, "CosineAnnealingLR");
  EXPECT_TRUE(reader.Has("T_max"));
  EXPECT_EQ(reader.Int("T_max", 1), 7);
  EXPECT_TRUE(reader.Finish().ok());
}

TEST(ArgReaderTest, NullMeansDefault) {
  auto args = Args(R"({"total_steps": null})");
  ArgReader reader(args, "OneCycleLR");
  EXPECT_FALSE(reader.OptionalInt("total_steps").has_value());
  EXPECT_TRUE(reader.Finish().ok());
}

TEST(ArgReaderTest, FractionalIntegerIsRejected) {
  auto args = Args(R"({"step_size": 2.5})");
  ArgReader reader(args, "StepLR");
  reader.Int("step_size", 1);
  absl::Status status = reader.Finish();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("step_size: must be an integer, got 2.5"));
}

TEST(ArgReaderTest, WrongTypeNamesArgumentAndValue) {
  auto args = Args(R"({"gamma": "fast"})");
  ArgReader reader(args, "StepLR");
  reader.Double("gamma", 0.1);
  EXPECT_THAT(std::string(reader.Finish().message()),
              HasSubstr("gamma: must be a finite number, got 'fast'"));
}

TEST(ArgReaderTest, UnknownChoiceListsChoices) {
  auto args = Args(R"({"mode": "sideways"})");
  ArgReader reader(args, "ReduceLROnPlateau");
  reader.String("mode", "min", {"min", "max"});
  EXPECT_THAT(std::string(reader.Finish().message()),
              HasSubstr("mode: must be one of min, max; got 'sideways'"));
}

TEST(ArgReaderTest, UnreadArgumentIsUnknown) {
  auto args = Args(R"({"gama": 0.5})");
  ArgReader reader(args, "StepLR");
  reader.Double("gamma", 0.1);
  absl::Status status = reader.Finish();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), HasSubstr("gama: unknown argument of StepLR"));
}

TEST(ArgReaderTest, FailedCheckNamesArgumentAndValue) {
  auto args = Args(R"({"gamma": -0.5})");
  ArgReader reader(args, "StepLR");
  double gamma = reader.Double("gamma", 0.1);
  reader.Check(gamma > 0, "gamma", "must be > 0", gamma);
  EXPECT_EQ(std::string(reader.Finish().message()), "gamma: must be > 0, got -0.5");
}

TEST(ArgReaderTest, FirstErrorWins) {
  auto args = Args(R"({"a": "x", "b": "y"})");
  ArgReader reader(args, "X");
  reader.Double("a", 0);
  reader.Double("b", 0);
  EXPECT_THAT(std::string(reader.Finish().message()), HasSubstr("a: "));
}

}  // namespace
}  // namespace lrsweep::engine
