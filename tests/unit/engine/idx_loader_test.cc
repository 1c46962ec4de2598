#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/dataset.h"
#include "engine/loaders.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/temp_files.h"

namespace lrsweep::engine {
namespace {

using ::lrsweep::testing::TestFolder;
using ::lrsweep::testing::WriteTestFile;
using ::testing::HasSubstr;

constexpr char kFashionMnist[] = "/usr/share/datasets/fashion-mnist";

// Returns an IDX file of unsigned bytes: magic 0x0000 08 <dims>, each
// dimension as a big-endian uint32, then `data`.
std::string IdxBytes(const std::vector<uint32_t>& dims, const std::vector<uint8_t>& data) {
  std::string bytes = {0, 0, 0x08, static_cast<char>(dims.size())};
  for (uint32_t dim : dims) {
    for (int shift = 24; shift >= 0; shift -= 8) {
      bytes.push_back(static_cast<char>((dim >> shift) & 0xff));
    }
  }
  bytes.append(data.begin(), data.end());
  return bytes;
}

void WriteGzip(const std::string& path, const std::string& bytes) {
  gzFile file = gzopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr) << path;
  gzwrite(file, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(file);
}

// Three 2 x 2 images with labels 0, 2, 1, written under prefix "set".
struct SmallSet {
  std::string images = IdxBytes({3, 2, 2}, {0, 255, 51, 102, 1, 2, 3, 4, 255, 255, 0, 0});
  std::string labels = IdxBytes({3}, {0, 2, 1});

  // Writes both files and returns the prefix.
  std::string Write() const {
    const std::string suffix = "-images-idx3-ubyte";
    const std::string images_path = WriteTestFile("set" + suffix, images);
    WriteTestFile("set-labels-idx1-ubyte", labels);
    return images_path.substr(0, images_path.size() - suffix.size());
  }
};

LoadOptions ClassOptions() { return LoadOptions{}; }

absl::Status LoadError(const std::string& prefix, const LoadOptions& options = ClassOptions()) {
  absl::StatusOr<Dataset> data = LoadIdx(prefix, options);
  EXPECT_FALSE(data.ok()) << "loaded " << prefix << " without error";
  if (data.ok()) return absl::OkStatus();
  return data.status();
}

TEST(IdxLoaderTest, PlainFilesScalePixels) {
  const std::string prefix = SmallSet().Write();
  absl::StatusOr<Dataset> data = LoadIdx(prefix, ClassOptions());
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->num_rows(), 3);
  EXPECT_EQ(data->num_features(), 4);
  EXPECT_EQ(data->num_classes(), 3);
  EXPECT_DOUBLE_EQ(data->features()(0, 1), 1.0);
  EXPECT_DOUBLE_EQ(data->features()(0, 2), 0.2);
  EXPECT_DOUBLE_EQ(data->features()(1, 3), 4.0 / 255.0);
  EXPECT_EQ(data->labels()[1], 2);
}

TEST(IdxLoaderTest, GzipFilesLoad) {
  const std::string folder = TestFolder();
  SmallSet set;
  WriteGzip(folder + "/set-images-idx3-ubyte.gz", set.images);
  WriteGzip(folder + "/set-labels-idx1-ubyte.gz", set.labels);
  absl::StatusOr<Dataset> data = LoadDataset(folder + "/set", ClassOptions());
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->num_rows(), 3);
  EXPECT_DOUBLE_EQ(data->features()(2, 0), 1.0);
}

TEST(IdxLoaderTest, RealLabelsKeepValues) {
  const std::string prefix = SmallSet().Write();
  LoadOptions options;
  options.labels = LabelKind::kReal;
  absl::StatusOr<Dataset> data = LoadIdx(prefix, options);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_FALSE(data->is_classification());
  EXPECT_DOUBLE_EQ(data->labels()[1], 2.0);
}

TEST(IdxLoaderTest, MissingFileNamesBothNames) {
  const std::string folder = TestFolder();
  absl::Status status = LoadError(folder + "/absent");
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr(folder + "/absent-images-idx3-ubyte[.gz]: file not found"));
}

TEST(IdxLoaderTest, WrongMagicNamesFile) {
  SmallSet set;
  set.images = IdxBytes({3, 4}, std::vector<uint8_t>(12, 0));
  const std::string prefix = set.Write();
  absl::Status status = LoadError(prefix);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("set-images-idx3-ubyte: invalid IDX magic number 0x00000802; "
                        "expected 0x00000803"));
}

TEST(IdxLoaderTest, ShortHeaderNamesFile) {
  SmallSet set;
  set.labels = std::string("\0\0\x08", 3);
  const std::string prefix = set.Write();
  absl::Status status = LoadError(prefix);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("set-labels-idx1-ubyte: file has 3 bytes, fewer than the 8-byte "
                        "IDX header"));
}

TEST(IdxLoaderTest, TruncatedImagesNameSizes) {
  SmallSet set;
  set.images.pop_back();
  const std::string prefix = set.Write();
  absl::Status status = LoadError(prefix);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("set-images-idx3-ubyte: size mismatch: the header declares "
                        "3 x 2 x 2 = 12 data bytes, the file has 11"));
}

TEST(IdxLoaderTest, CountMismatchNamesBothFiles) {
  SmallSet set;
  set.labels = IdxBytes({2}, {0, 1});
  const std::string prefix = set.Write();
  absl::Status status = LoadError(prefix);
  EXPECT_THAT(std::string(status.message()), HasSubstr("set-images-idx3-ubyte: has 3 images but"));
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("set-labels-idx1-ubyte has 2 labels; the counts must match"));
}

TEST(IdxLoaderTest, LabelOutOfRangeNamesRecord) {
  const std::string prefix = SmallSet().Write();
  LoadOptions options;
  options.classes = {"0", "1"};
  absl::Status status = LoadError(prefix, options);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("set-labels-idx1-ubyte: record 1: label 2 is out of range; the "
                        "training classes are 0..1"));
}

TEST(IdxLoaderTest, ZeroRecordsIsEmptyDataset) {
  SmallSet set;
  set.images = IdxBytes({0, 2, 2}, {});
  const std::string prefix = set.Write();
  absl::Status status = LoadError(prefix);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("set-images-idx3-ubyte: no records; the header declares 0"));
}

// Loads a Fashion-MNIST file pair installed by Debian's dataset-fashion-mnist
// (scripts/setup installs it) and prints the load time.
absl::StatusOr<Dataset> LoadFashionMnist(const std::string& name) {
  const auto start = std::chrono::steady_clock::now();
  absl::StatusOr<Dataset> data = LoadIdx(std::string(kFashionMnist) + "/" + name, ClassOptions());
  const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
  std::printf("fashion-mnist %s: load_seconds=%.3f\n", name.c_str(), elapsed.count());
  return data;
}

TEST(IdxLoaderTest, FashionMnistTrain) {
  absl::StatusOr<Dataset> data = LoadFashionMnist("train");
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->num_rows(), 60000);
  EXPECT_EQ(data->num_features(), 784);
  EXPECT_EQ(data->num_classes(), 10);
  EXPECT_EQ(data->features().minCoeff(), 0.0);
  EXPECT_EQ(data->features().maxCoeff(), 1.0);
  // Fashion-MNIST has 6000 training images of each class.
  for (int k = 0; k < 10; ++k) {
    EXPECT_EQ((data->labels().array() == k).count(), 6000) << "class " << k;
  }
}

TEST(IdxLoaderTest, FashionMnistTest) {
  absl::StatusOr<Dataset> data = LoadFashionMnist("t10k");
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->num_rows(), 10000);
  EXPECT_EQ(data->num_features(), 784);
  EXPECT_EQ(data->num_classes(), 10);
}

}  // namespace
}  // namespace lrsweep::engine
