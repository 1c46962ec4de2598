#include "engine/dataset.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "engine/random.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/temp_files.h"

namespace lrsweep::engine {
namespace {

using ::lrsweep::testing::WriteTestFile;
using ::testing::HasSubstr;

using FloatBatch = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

Dataset MakeDataset(FeatureMatrix features, Eigen::VectorXd labels,
                    std::vector<std::string> classes = {}) {
  absl::StatusOr<Dataset> data =
      Dataset::Create("memory", std::move(features), std::move(labels), std::move(classes));
  EXPECT_TRUE(data.ok()) << data.status();
  return std::move(data).value();
}

std::vector<int64_t> AllRows(int64_t n) {
  std::vector<int64_t> rows(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) rows[static_cast<size_t>(i)] = i;
  return rows;
}

TEST(DatasetTest, CreateRejectsNonFiniteFeature) {
  FeatureMatrix features = FeatureMatrix::Zero(3, 2);
  features(2, 1) = std::numeric_limits<double>::quiet_NaN();
  absl::StatusOr<Dataset> data =
      Dataset::Create("mem.csv", features, Eigen::VectorXd::Zero(3), {});
  ASSERT_FALSE(data.ok());
  EXPECT_THAT(std::string(data.status().message()),
              HasSubstr("mem.csv: row 2 (0-based), column 1: feature is nan"));
}

TEST(DatasetTest, CreateRejectsLabelOutOfRange) {
  Eigen::VectorXd labels(3);
  labels << 0, 1, 2;
  absl::StatusOr<Dataset> data =
      Dataset::Create("mem.csv", FeatureMatrix::Zero(3, 2), labels, {"a", "b"});
  ASSERT_FALSE(data.ok());
  EXPECT_THAT(std::string(data.status().message()),
              HasSubstr("mem.csv: row 2 (0-based): label 2 is not a class index in 0..1"));
}

TEST(DatasetTest, CreateRejectsNoRows) {
  absl::StatusOr<Dataset> data =
      Dataset::Create("mem.csv", FeatureMatrix(0, 2), Eigen::VectorXd(0), {});
  ASSERT_FALSE(data.ok());
  EXPECT_THAT(std::string(data.status().message()), HasSubstr("mem.csv: dataset has no rows"));
}

TEST(DatasetTest, CreateRejectsSizeMismatch) {
  absl::StatusOr<Dataset> data =
      Dataset::Create("mem.csv", FeatureMatrix::Zero(3, 2), Eigen::VectorXd::Zero(2), {});
  ASSERT_FALSE(data.ok());
  EXPECT_THAT(std::string(data.status().message()), HasSubstr("mem.csv: 2 labels for 3 rows"));
}

TEST(StandardizationTest, FitsTrainingRowsOnly) {
  FeatureMatrix features(4, 2);
  features << 1, 5,  //
      3, 5,          //
      5, 5,          //
      100, -7;       // not among the fitted rows
  Dataset data = MakeDataset(features, Eigen::VectorXd::Zero(4));
  const std::vector<int64_t> rows = {0, 1, 2};
  Standardization map = Standardization::Fit(data, rows);
  EXPECT_DOUBLE_EQ(map.mean()[0], 3.0);
  // Population standard deviation of 1, 3, 5 is sqrt(8/3).
  EXPECT_DOUBLE_EQ(map.scale()[0], 1.0 / std::sqrt(8.0 / 3.0));
  EXPECT_DOUBLE_EQ(map.mean()[1], 5.0);
  // The second column is constant on the fitted rows.
  EXPECT_EQ(map.scale()[1], 0.0);
}

TEST(StandardizationTest, ConstantColumnGathersAsZero) {
  FeatureMatrix features(3, 2);
  // 0.1 is not exact in binary, so its computed variance is not exactly 0.
  features << 0.1, 1,  //
      0.1, 2,          //
      0.1, 4;
  Dataset data = MakeDataset(features, Eigen::VectorXd::Zero(3));
  const std::vector<int64_t> rows = AllRows(3);
  Standardization map = Standardization::Fit(data, rows);

  Eigen::VectorXd labels(3);
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> out(3, 2);
  GatherBatch<double>(data, map, rows, out, labels);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(out(i, 0), 0.0) << "row " << i;
  // The other column has mean 0 and variance 1 after standardization.
  EXPECT_NEAR(out.col(1).mean(), 0.0, 1e-15);
  EXPECT_NEAR(out.col(1).squaredNorm() / 3.0, 1.0, 1e-15);
}

TEST(GatherBatchTest, CopiesRowsInOrderAsFloat) {
  FeatureMatrix features(3, 2);
  features << 1, 2,  //
      3, 4,          //
      5, 6;
  Eigen::VectorXd labels(3);
  labels << 0, 1, 2;
  Dataset data = MakeDataset(features, labels, {"a", "b", "c"});
  FloatBatch batch(4, 2);
  Eigen::VectorXf batch_labels(4);
  const std::vector<int64_t> rows = {2, 0};
  GatherBatch<float>(data, Standardization::Identity(2), rows, batch.topRows(2),
                     batch_labels.head(2));
  EXPECT_EQ(batch(0, 0), 5.0f);
  EXPECT_EQ(batch(0, 1), 6.0f);
  EXPECT_EQ(batch(1, 1), 2.0f);
  EXPECT_EQ(batch_labels[0], 2.0f);
  EXPECT_EQ(batch_labels[1], 0.0f);
}

TEST(SplitRowsTest, SizesAndCoverage) {
  absl::StatusOr<RowSplit> split = SplitRows(100, 0.1, 7);
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_EQ(split->validation.size(), 10u);
  EXPECT_EQ(split->train.size(), 90u);
  std::vector<int64_t> all = split->train;
  all.insert(all.end(), split->validation.begin(), split->validation.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, AllRows(100));
  EXPECT_TRUE(std::is_sorted(split->train.begin(), split->train.end()));
  EXPECT_TRUE(std::is_sorted(split->validation.begin(), split->validation.end()));
}

// The split's definition (dataset.h): the first round(fraction * rows) rows
// of a Fisher-Yates permutation from RandomStream::kSplit go to validation,
// and both lists are in ascending order.
TEST(SplitRowsTest, FollowsPermutationOfSplitStream) {
  constexpr int64_t kRows = 1000;
  absl::StatusOr<RowSplit> split = SplitRows(kRows, 0.25, 42);
  ASSERT_TRUE(split.ok()) << split.status();

  std::vector<int64_t> permutation = AllRows(kRows);
  std::mt19937_64 generator = MakeGenerator(42, RandomStream::kSplit);
  FisherYatesShuffle(generator, absl::MakeSpan(permutation));
  std::vector<int64_t> validation(permutation.begin(), permutation.begin() + 250);
  std::vector<int64_t> train(permutation.begin() + 250, permutation.end());
  std::sort(validation.begin(), validation.end());
  std::sort(train.begin(), train.end());
  EXPECT_EQ(split->validation, validation);
  EXPECT_EQ(split->train, train);
}

TEST(SplitRowsTest, SameSeedSameSplit) {
  absl::StatusOr<RowSplit> a = SplitRows(1000, 0.2, 11);
  absl::StatusOr<RowSplit> b = SplitRows(1000, 0.2, 11);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(a->validation, b->validation);
  EXPECT_EQ(a->train, b->train);
}

TEST(SplitRowsTest, DifferentSeedDifferentSplit) {
  absl::StatusOr<RowSplit> a = SplitRows(1000, 0.2, 11);
  absl::StatusOr<RowSplit> b = SplitRows(1000, 0.2, 12);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_NE(a->validation, b->validation);
}

TEST(SplitRowsTest, ZeroFractionKeepsAllRows) {
  absl::StatusOr<RowSplit> split = SplitRows(5, 0.0, 1);
  ASSERT_TRUE(split.ok());
  EXPECT_TRUE(split->validation.empty());
  EXPECT_EQ(split->train, AllRows(5));
}

TEST(SplitRowsTest, SmallFractionKeepsOneRow) {
  absl::StatusOr<RowSplit> split = SplitRows(5, 0.01, 1);
  ASSERT_TRUE(split.ok());
  EXPECT_EQ(split->validation.size(), 1u);
}

TEST(SplitRowsTest, RejectsSplitWithoutTrainingRows) {
  absl::StatusOr<RowSplit> split = SplitRows(1, 0.5, 1);
  ASSERT_FALSE(split.ok());
  EXPECT_THAT(std::string(split.status().message()),
              HasSubstr("validation_fraction 0.5 of 1 rows leaves no training row"));
}

TEST(SplitRowsTest, RejectsFractionOfOne) {
  absl::StatusOr<RowSplit> split = SplitRows(10, 1.0, 1);
  ASSERT_FALSE(split.ok());
  EXPECT_THAT(std::string(split.status().message()), HasSubstr("must be in [0, 1), got 1"));
}

TEST(ShuffleForEpochTest, SameSeedSameOrder) {
  const std::vector<int64_t> rows = AllRows(500);
  std::vector<int64_t> a;
  std::vector<int64_t> b;
  ShuffleForEpoch(3, 4, rows, &a);
  ShuffleForEpoch(3, 4, rows, &b);
  EXPECT_EQ(a, b);
  std::vector<int64_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, rows);
}

TEST(ShuffleForEpochTest, SeedAndEpochChangeOrder) {
  const std::vector<int64_t> rows = AllRows(500);
  std::vector<int64_t> base;
  std::vector<int64_t> other_seed;
  std::vector<int64_t> other_epoch;
  ShuffleForEpoch(3, 4, rows, &base);
  ShuffleForEpoch(4, 4, rows, &other_seed);
  ShuffleForEpoch(3, 5, rows, &other_epoch);
  EXPECT_NE(base, rows);
  EXPECT_NE(base, other_seed);
  EXPECT_NE(base, other_epoch);
}

TEST(ShuffleForEpochTest, ReusesCapacity) {
  const std::vector<int64_t> rows = AllRows(64);
  std::vector<int64_t> order;
  order.reserve(64);
  const int64_t* data = order.data();
  ShuffleForEpoch(1, 0, rows, &order);
  ShuffleForEpoch(1, 1, rows, &order);
  EXPECT_EQ(order.data(), data);
}

TEST(LoadDataFilesTest, TestFileUsesTrainingClasses) {
  const std::string train = WriteTestFile("train.csv", "a,b,y\n1,2,cat\n3,4,dog\n5,6,eel\n");
  const std::string test = WriteTestFile("test.csv", "a,b,y\n1,1,eel\n2,2,cat\n");
  lrsweep::v1::DataSpec spec;
  spec.set_train(train);
  spec.set_test(test);
  spec.set_label_column("y");
  absl::StatusOr<DataFiles> files = LoadDataFiles(spec, LabelKind::kClass);
  ASSERT_TRUE(files.ok()) << files.status();
  ASSERT_NE(files->test, nullptr);
  EXPECT_EQ(files->test->num_classes(), 3);
  EXPECT_EQ(files->test->labels()[0], 2);
  EXPECT_EQ(files->test->labels()[1], 0);
}

TEST(LoadDataFilesTest, TestFileWithOtherColumnsFails) {
  const std::string train = WriteTestFile("train.csv", "a,b,y\n1,2,cat\n");
  const std::string test = WriteTestFile("test.csv", "a,c,y\n1,1,cat\n");
  lrsweep::v1::DataSpec spec;
  spec.set_train(train);
  spec.set_test(test);
  spec.set_label_column("y");
  absl::StatusOr<DataFiles> files = LoadDataFiles(spec, LabelKind::kClass);
  ASSERT_FALSE(files.ok());
  EXPECT_THAT(std::string(files.status().message()),
              HasSubstr(test + ": feature column 1 is 'c' but in the training file"));
}

TEST(LoadDataFilesTest, NoTestFileLeavesNull) {
  lrsweep::v1::DataSpec spec;
  spec.set_train("examples/data/iris.csv");
  spec.set_label_column("species");
  absl::StatusOr<DataFiles> files = LoadDataFiles(spec, LabelKind::kClass);
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ(files->test, nullptr);
  EXPECT_EQ(files->train->num_rows(), 150);
}

TEST(PrepareJobDataTest, StandardizesWithTrainingRows) {
  lrsweep::v1::DataSpec spec;
  spec.set_train("examples/data/wine.csv");
  spec.set_label_column("cultivar");
  spec.set_standardize(true);
  spec.set_validation_fraction(0.25);
  absl::StatusOr<DataFiles> files = LoadDataFiles(spec, LabelKind::kClass);
  ASSERT_TRUE(files.ok()) << files.status();
  absl::StatusOr<JobData> job = PrepareJobData(*files, spec, 3);
  ASSERT_TRUE(job.ok()) << job.status();
  EXPECT_EQ(job->split.validation.size(), 45u);  // round(0.25 * 178) = 45
  EXPECT_EQ(job->split.train.size(), 133u);

  const auto n = static_cast<Eigen::Index>(job->split.train.size());
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> x(n, 13);
  Eigen::VectorXd y(n);
  GatherBatch<double>(*job->train, job->standardization, job->split.train, x, y);
  for (Eigen::Index column = 0; column < 13; ++column) {
    SCOPED_TRACE(files->train->feature_names()[static_cast<size_t>(column)]);
    EXPECT_NEAR(x.col(column).mean(), 0.0, 1e-12);
    EXPECT_NEAR(x.col(column).squaredNorm() / static_cast<double>(n), 1.0, 1e-12);
  }
}

}  // namespace
}  // namespace lrsweep::engine
