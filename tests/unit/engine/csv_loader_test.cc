#include <zlib.h>

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

LoadOptions ClassLabels(const std::string& column) {
  LoadOptions options;
  options.labels = LabelKind::kClass;
  options.label_column = column;
  return options;
}

// Loads `contents` as a CSV file and returns the error, which must name the
// file; the caller checks the position and the problem.
absl::Status LoadError(const std::string& contents,
                       const LoadOptions& options = ClassLabels("y")) {
  const std::string path = WriteTestFile("data.csv", contents);
  absl::StatusOr<Dataset> data = LoadCsv(path, options);
  EXPECT_FALSE(data.ok()) << "loaded " << path << " without error";
  if (data.ok()) return absl::OkStatus();
  EXPECT_THAT(std::string(data.status().message()), HasSubstr(path));
  return data.status();
}

TEST(CsvLoaderTest, IrisHasThreeClasses) {
  absl::StatusOr<Dataset> iris = LoadCsv("examples/data/iris.csv", ClassLabels("species"));
  ASSERT_TRUE(iris.ok()) << iris.status();
  EXPECT_EQ(iris->num_rows(), 150);
  EXPECT_EQ(iris->num_features(), 4);
  EXPECT_EQ(iris->num_classes(), 3);
  EXPECT_THAT(iris->class_names(), ::testing::ElementsAre("setosa", "versicolor", "virginica"));
  EXPECT_THAT(iris->feature_names(),
              ::testing::ElementsAre("sepal_length_cm", "sepal_width_cm", "petal_length_cm",
                                     "petal_width_cm"));
  EXPECT_DOUBLE_EQ(iris->features()(0, 0), 5.1);
  EXPECT_EQ(iris->labels()[0], 0);
  EXPECT_EQ(iris->labels()[149], 2);
}

TEST(CsvLoaderTest, WineHasThreeClasses) {
  absl::StatusOr<Dataset> wine = LoadCsv("examples/data/wine.csv", ClassLabels("cultivar"));
  ASSERT_TRUE(wine.ok()) << wine.status();
  EXPECT_EQ(wine->num_rows(), 178);
  EXPECT_EQ(wine->num_features(), 13);
  EXPECT_EQ(wine->num_classes(), 3);
  EXPECT_THAT(wine->class_names(), ::testing::ElementsAre("1", "2", "3"));
  EXPECT_EQ((wine->labels().array() == 0).count(), 59);
  EXPECT_EQ((wine->labels().array() == 1).count(), 71);
  EXPECT_EQ((wine->labels().array() == 2).count(), 48);
}

TEST(CsvLoaderTest, LabelColumnByIndex) {
  const std::string path = WriteTestFile("data.csv", "a,y,b\n1,cat,2\n3,dog,4\n");
  absl::StatusOr<Dataset> data = LoadCsv(path, ClassLabels("1"));
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->num_features(), 2);
  EXPECT_THAT(data->feature_names(), ::testing::ElementsAre("a", "b"));
  EXPECT_DOUBLE_EQ(data->features()(1, 1), 4.0);
  EXPECT_EQ(data->labels()[1], 1);
}

TEST(CsvLoaderTest, EmptyLabelColumnMeansLast) {
  const std::string path = WriteTestFile("data.csv", "a,b,y\n1,2,0\n3,4,1\n");
  absl::StatusOr<Dataset> data = LoadCsv(path, ClassLabels(""));
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_THAT(data->feature_names(), ::testing::ElementsAre("a", "b"));
}

TEST(CsvLoaderTest, IntegerClassesSortNumerically) {
  const std::string path = WriteTestFile("data.csv", "x,y\n1,10\n2,9\n3,+1\n4,-1\n5,9.0\n");
  absl::StatusOr<Dataset> data = LoadCsv(path, ClassLabels("y"));
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_THAT(data->class_names(), ::testing::ElementsAre("-1", "1", "9", "10"));
  EXPECT_EQ(data->labels()[0], 3);
  EXPECT_EQ(data->labels()[1], 2);
  EXPECT_EQ(data->labels()[2], 1);
  EXPECT_EQ(data->labels()[3], 0);
  EXPECT_EQ(data->labels()[4], 2);
}

TEST(CsvLoaderTest, RealLabelsForRegression) {
  const std::string path = WriteTestFile("data.csv", "x,target\n1,0.5\n2,-3e2\n");
  LoadOptions options;
  options.labels = LabelKind::kReal;
  options.label_column = "target";
  absl::StatusOr<Dataset> data = LoadCsv(path, options);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_FALSE(data->is_classification());
  EXPECT_EQ(data->num_classes(), 0);
  EXPECT_DOUBLE_EQ(data->labels()[0], 0.5);
  EXPECT_DOUBLE_EQ(data->labels()[1], -300.0);
}

TEST(CsvLoaderTest, AutoLabelsPickKindFromValues) {
  const std::string numbers = WriteTestFile("numbers.csv", "x,y\n1,0.5\n2,2\n");
  const std::string words = WriteTestFile("words.csv", "x,y\n1,low\n2,high\n");
  LoadOptions options;
  options.labels = LabelKind::kAuto;
  options.label_column = "y";
  absl::StatusOr<Dataset> regression = LoadCsv(numbers, options);
  absl::StatusOr<Dataset> classes = LoadCsv(words, options);
  ASSERT_TRUE(regression.ok()) << regression.status();
  ASSERT_TRUE(classes.ok()) << classes.status();
  EXPECT_FALSE(regression->is_classification());
  EXPECT_THAT(classes->class_names(), ::testing::ElementsAre("high", "low"));
}

TEST(CsvLoaderTest, QuotesSpacesAndBlankLines) {
  const std::string path = WriteTestFile(
      "data.csv", "\"a\", \"b\" ,y\r\n\r\n 1.5 ,\"2\",\"red, dark\"\r\n3,4,\"say \"\"hi\"\"\"\n\n");
  absl::StatusOr<Dataset> data = LoadCsv(path, ClassLabels("y"));
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->num_rows(), 2);
  EXPECT_DOUBLE_EQ(data->features()(0, 0), 1.5);
  EXPECT_THAT(data->class_names(), ::testing::ElementsAre("red, dark", "say \"hi\""));
}

TEST(CsvLoaderTest, ReadsGzipFile) {
  const std::string path = WriteTestFile("data.csv.gz", "");
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  const std::string text = "x,y\n1,a\n2,b\n";
  gzwrite(file, text.data(), static_cast<unsigned>(text.size()));
  gzclose(file);
  absl::StatusOr<Dataset> data = LoadDataset(path, ClassLabels("y"));
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->num_rows(), 2);
}

TEST(CsvLoaderTest, KnownClassesKeepTrainingIndices) {
  const std::string path = WriteTestFile("test.csv", "x,y\n1,virginica\n2,setosa\n");
  LoadOptions options = ClassLabels("y");
  options.classes = {"setosa", "versicolor", "virginica"};
  absl::StatusOr<Dataset> data = LoadCsv(path, options);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->num_classes(), 3);
  EXPECT_EQ(data->labels()[0], 2);
  EXPECT_EQ(data->labels()[1], 0);
}

TEST(CsvLoaderTest, MissingFileIsNotFound) {
  absl::StatusOr<Dataset> data = LoadCsv("/nonexistent/lrsweep/data.csv", ClassLabels("y"));
  ASSERT_FALSE(data.ok());
  EXPECT_EQ(data.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(data.status().message()),
              HasSubstr("/nonexistent/lrsweep/data.csv: file not found"));
}

TEST(CsvLoaderTest, RaggedRowNamesLine) {
  absl::Status status = LoadError("a,b,y\n1,2,x\n\n3,4\n");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("data.csv:4: row has 2 fields, expected 3"));
}

TEST(CsvLoaderTest, NonNumericValueNamesLineAndColumn) {
  absl::Status status = LoadError("a,b,y\n1,2,x\n3,four,x\n");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("data.csv:3: column 'b': value 'four' is not a number"));
}

TEST(CsvLoaderTest, EmptyFieldNamesLine) {
  absl::Status status = LoadError("a,b,y\n1,,x\n");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("data.csv:2: column 'b': value '' is not a number"));
}

TEST(CsvLoaderTest, NanFeatureNamesLine) {
  absl::Status status = LoadError("a,b,y\n1,2,x\n3,nan,x\n");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("data.csv:3: column 'b': value 'nan' is not finite"));
}

TEST(CsvLoaderTest, InfFeatureNamesLine) {
  absl::Status status = LoadError("a,b,y\n-inf,2,x\n");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("data.csv:2: column 'a': value '-inf' is not finite"));
}

TEST(CsvLoaderTest, HeaderOnlyIsEmptyDataset) {
  absl::Status status = LoadError("a,b,y\n\n");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("data.csv: no data rows after the header on line 1"));
}

TEST(CsvLoaderTest, EmptyFileNeedsHeader) {
  absl::Status status = LoadError("\n  \n");
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("data.csv: file is empty; expected a header row"));
}

TEST(CsvLoaderTest, MissingLabelColumnNamesHeaderLine) {
  absl::Status status = LoadError("a,b,y\n1,2,x\n", ClassLabels("species"));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("data.csv:1: label column 'species' not found in the header "
                        "(columns: a, b, y)"));
}

TEST(CsvLoaderTest, LabelIndexOutOfRangeNamesHeaderLine) {
  absl::Status status = LoadError("a,b,y\n1,2,x\n", ClassLabels("3"));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("data.csv:1: label column index 3 is out of range; the header "
                        "has 3 columns"));
}

TEST(CsvLoaderTest, UnclosedQuoteNamesLine) {
  absl::Status status = LoadError("a,b,y\n1,2,\"x\n");
  EXPECT_THAT(std::string(status.message()), HasSubstr("data.csv:2: quoted field is not closed"));
}

TEST(CsvLoaderTest, NonNumericRegressionLabelNamesLine) {
  LoadOptions options;
  options.labels = LabelKind::kReal;
  options.label_column = "y";
  absl::Status status = LoadError("a,y\n1,2.5\n2,high\n", options);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("data.csv:3: label 'high' is not a number"));
}

TEST(CsvLoaderTest, NanRegressionLabelNamesLine) {
  LoadOptions options;
  options.labels = LabelKind::kReal;
  options.label_column = "y";
  absl::Status status = LoadError("a,y\n1,nan\n", options);
  EXPECT_THAT(std::string(status.message()), HasSubstr("data.csv:2: label 'nan' is not finite"));
}

TEST(CsvLoaderTest, UnknownTestClassNamesLine) {
  LoadOptions options = ClassLabels("y");
  options.classes = {"cat", "dog"};
  absl::Status status = LoadError("a,y\n1,cat\n2,bird\n", options);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("data.csv:3: label 'bird' is not one of the training classes "
                        "(cat, dog)"));
}

}  // namespace
}  // namespace lrsweep::engine
