// The IDX loader (declared in loaders.h). The format, from the MNIST
// distribution: a 4-byte magic number (two zero bytes, a type code, the
// number of dimensions), one big-endian uint32 per dimension, then the data
// in row-major order. Only type 0x08 (unsigned byte) is supported, as used
// by MNIST and Fashion-MNIST.
#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/file_reader.h"
#include "engine/loaders.h"
#include "util/status_macros.h"

namespace lrsweep::engine {
namespace {

constexpr uint8_t kUnsignedByte = 0x08;
constexpr double kMaxPixel = 255.0;

// A parsed IDX file: its dimensions and a view of its data bytes.
struct IdxArray {
  std::string path;
  std::string contents;
  std::vector<uint32_t> dims;
  size_t data_offset = 0;

  const uint8_t* data() const {
    return reinterpret_cast<const uint8_t*>(contents.data()) + data_offset;
  }
};

uint32_t ReadBigEndian32(const std::string& bytes, size_t offset) {
  uint32_t value = 0;
  for (size_t i = 0; i < 4; ++i) {
    value = (value << 8) | static_cast<uint8_t>(bytes[offset + i]);
  }
  return value;
}

// Returns `name` if it exists, else `name.gz`, else NOT_FOUND.
absl::StatusOr<std::string> FindIdxFile(const std::string& name) {
  if (IsRegularFile(name)) return name;
  const std::string gz = name + ".gz";
  if (IsRegularFile(gz)) return gz;
  return absl::NotFoundError(
      absl::StrCat(name, "[.gz]: file not found; expected an IDX file such as ", gz));
}

// Checks the magic number and that the file size matches the dimensions.
absl::Status ParseIdxHeader(size_t expected_dims, IdxArray* array) {
  const std::string& bytes = array->contents;
  const size_t header_size = 4 + 4 * expected_dims;
  if (bytes.size() < header_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        array->path, ": file has ", bytes.size(), " bytes, fewer than the ",
        header_size, "-byte IDX header"));
  }
  const uint32_t magic = ReadBigEndian32(bytes, 0);
  const uint32_t expected_magic = (kUnsignedByte << 8) | expected_dims;
  if (magic != expected_magic) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: invalid IDX magic number 0x%08x; expected 0x%08x (unsigned bytes, "
        "%d dimensions)",
        array->path, magic, expected_magic, expected_dims));
  }

  uint64_t data_size = 1;
  for (size_t d = 0; d < expected_dims; ++d) {
    array->dims.push_back(ReadBigEndian32(bytes, 4 + 4 * d));
    data_size *= array->dims.back();
  }
  array->data_offset = header_size;
  if (bytes.size() - header_size != data_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        array->path, ": size mismatch: the header declares ",
        absl::StrJoin(array->dims, " x "), " = ", data_size, " data bytes, the file has ",
        bytes.size() - header_size));
  }
  if (array->dims[0] == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat(array->path, ": no records; the header declares 0"));
  }
  return absl::OkStatus();
}

absl::StatusOr<IdxArray> ReadIdx(const std::string& name, size_t expected_dims) {
  IdxArray array;
  ASSIGN_OR_RETURN(array.path, FindIdxFile(name));
  ASSIGN_OR_RETURN(array.contents, ReadFileContents(array.path));
  RETURN_IF_ERROR(ParseIdxHeader(expected_dims, &array));
  return array;
}

FeatureMatrix ScalePixels(const IdxArray& images) {
  const Eigen::Index rows = images.dims[0];
  const Eigen::Index columns = Eigen::Index{images.dims[1]} * images.dims[2];
  Eigen::Map<const Eigen::Matrix<uint8_t, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>
      pixels(images.data(), rows, columns);
  return pixels.cast<double>() / kMaxPixel;
}

// Encodes the label bytes as class indices 0..K-1, where K is the number of
// `known_classes` or else the largest label + 1.
absl::StatusOr<Eigen::VectorXd> ClassLabels(const IdxArray& labels,
                                            const std::vector<std::string>& known_classes,
                                            std::vector<std::string>* class_names) {
  const uint8_t* data = labels.data();
  const uint32_t count = labels.dims[0];
  uint32_t num_classes = static_cast<uint32_t>(known_classes.size());
  for (uint32_t k = 0; k < num_classes; ++k) {
    if (known_classes[k] != absl::StrCat(k)) {
      return absl::InvalidArgumentError(absl::StrCat(
          labels.path, ": the training classes (", absl::StrJoin(known_classes, ", "),
          ") are not the class indices 0..", num_classes - 1, " that IDX labels are"));
    }
  }
  if (num_classes == 0) {
    num_classes = 1 + *std::max_element(data, data + count);
  }
  for (uint32_t i = 0; i < count; ++i) {
    if (data[i] >= num_classes) {
      return absl::InvalidArgumentError(absl::StrCat(
          labels.path, ": record ", i, ": label ", static_cast<int>(data[i]),
          " is out of range; the training classes are 0..", num_classes - 1));
    }
  }
  class_names->clear();
  for (uint32_t k = 0; k < num_classes; ++k) class_names->push_back(absl::StrCat(k));
  return Eigen::Map<const Eigen::Matrix<uint8_t, Eigen::Dynamic, 1>>(data, count)
      .cast<double>();
}

}  // namespace

absl::StatusOr<Dataset> LoadIdx(absl::string_view prefix, const LoadOptions& options) {
  ASSIGN_OR_RETURN(IdxArray images,
                   ReadIdx(absl::StrCat(prefix, "-images-idx3-ubyte"), 3));
  ASSIGN_OR_RETURN(IdxArray labels,
                   ReadIdx(absl::StrCat(prefix, "-labels-idx1-ubyte"), 1));
  if (images.dims[0] != labels.dims[0]) {
    return absl::InvalidArgumentError(absl::StrCat(
        images.path, ": has ", images.dims[0], " images but ", labels.path, " has ",
        labels.dims[0], " labels; the counts must match"));
  }

  std::vector<std::string> class_names;
  Eigen::VectorXd values;
  if (options.labels == LabelKind::kReal) {
    values = Eigen::Map<const Eigen::Matrix<uint8_t, Eigen::Dynamic, 1>>(
                 labels.data(), labels.dims[0])
                 .cast<double>();
  } else {
    ASSIGN_OR_RETURN(values, ClassLabels(labels, options.classes, &class_names));
  }
  return Dataset::Create(std::string(prefix), ScalePixels(images), std::move(values),
                         std::move(class_names));
}

}  // namespace lrsweep::engine
