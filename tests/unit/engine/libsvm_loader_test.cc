#include <string>

#include "absl/status/status.h"
#include "engine/dataset.h"
#include "engine/loaders.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/temp_files.h"

namespace lrsweep::engine {
namespace {

using ::lrsweep::testing::WriteTestFile;
using ::testing::HasSubstr;

LoadOptions Options(LabelKind labels, Eigen::Index num_features = 0) {
  LoadOptions options;
  options.labels = labels;
  options.num_features = num_features;
  return options;
}

absl::Status LoadError(const std::string& contents,
                       const LoadOptions& options = Options(LabelKind::kClass)) {
  const std::string path = WriteTestFile("data.libsvm", contents);
  absl::StatusOr<Dataset> data = LoadLibsvm(path, options);
  EXPECT_FALSE(data.ok()) << "loaded " << path << " without error";
  if (data.ok()) return absl::OkStatus();
  EXPECT_EQ(data.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(data.status().message()), HasSubstr(path));
  return data.status();
}

TEST(LibsvmLoaderTest, SparseRowsBecomeDense) {
  const std::string path = WriteTestFile(
      "data.libsvm", "+1 1:0.5 3:2\n# comment line\n-1 2:-1.5   # trailing comment\n\n+1\n");
  absl::StatusOr<Dataset> data = LoadDataset(path, Options(LabelKind::kClass));
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->num_rows(), 3);
  EXPECT_EQ(data->num_features(), 3);
  Eigen::MatrixXd expected(3, 3);
  expected << 0.5, 0, 2,  //
      0, -1.5, 0,         //
      0, 0, 0;
  EXPECT_EQ(Eigen::MatrixXd(data->features()), expected);
  EXPECT_THAT(data->class_names(), ::testing::ElementsAre("-1", "1"));
  EXPECT_EQ(data->labels()[0], 1);
  EXPECT_EQ(data->labels()[1], 0);
}

TEST(LibsvmLoaderTest, FixedWidthPadsColumns) {
  const std::string path = WriteTestFile("data.svm", "2.5 1:1\n-0.5 2:1\n");
  absl::StatusOr<Dataset> data = LoadDataset(path, Options(LabelKind::kReal, 5));
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->num_features(), 5);
  EXPECT_FALSE(data->is_classification());
  EXPECT_DOUBLE_EQ(data->labels()[1], -0.5);
}

TEST(LibsvmLoaderTest, MissingFileIsNotFound) {
  absl::StatusOr<Dataset> data =
      LoadLibsvm("/nonexistent/lrsweep/data.libsvm", Options(LabelKind::kClass));
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(data.status().message()), HasSubstr("/nonexistent/lrsweep/data.libsvm"));
}

TEST(LibsvmLoaderTest, ZeroIndexNamesLine) {
  absl::Status status = LoadError("1 1:1\n0 0:2\n");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("data.libsvm:2: feature index 0 is invalid; LIBSVM indices start at 1"));
}

TEST(LibsvmLoaderTest, MalformedPairNamesLine) {
  absl::Status status = LoadError("1 1:1\n\n0 2=3\n");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("data.libsvm:3: '2=3' is not an index:value pair"));
}

TEST(LibsvmLoaderTest, NonNumericValueNamesLine) {
  absl::Status status = LoadError("1 1:abc\n");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("data.libsvm:1: feature 1: value 'abc' is not a number"));
}

TEST(LibsvmLoaderTest, InfValueNamesLine) {
  absl::Status status = LoadError("1 1:1\n1 4:inf\n");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("data.libsvm:2: feature 4: value 'inf' is not finite"));
}

TEST(LibsvmLoaderTest, IndexBeyondTrainingWidthNamesLine) {
  absl::Status status = LoadError("1 1:1\n1 7:1\n", Options(LabelKind::kClass, 5));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("data.libsvm:2: feature index 7 exceeds the 5 features"));
}

TEST(LibsvmLoaderTest, NonNumericRegressionLabelNamesLine) {
  absl::Status status = LoadError("1.5 1:1\nbig 1:2\n", Options(LabelKind::kReal));
  EXPECT_THAT(std::string(status.message()), HasSubstr("data.libsvm:2: label 'big' is not a number"));
}

TEST(LibsvmLoaderTest, CommentsOnlyIsEmptyDataset) {
  absl::Status status = LoadError("# nothing\n\n");
  EXPECT_THAT(std::string(status.message()), HasSubstr("data.libsvm: no examples"));
}

}  // namespace
}  // namespace lrsweep::engine
