// Datasets for the training engine: an immutable table of dense features and
// labels loaded from a CSV, LIBSVM or IDX file, plus the per-job pieces that
// depend on the seed (train/validation split, epoch order, standardization).
//
// A Dataset never changes after loading, so one instance can be shared
// between threads without locking. A worker loads each file once and hands
// std::shared_ptr<const Dataset> to all its jobs. Everything seeded uses the
// portable generators of engine/random.h: the same seed gives the same
// split and order on every machine.
//
// Example:
//   ASSIGN_OR_RETURN(DataFiles files, LoadDataFiles(spec.data(), LabelKind::kClass));
//   ASSIGN_OR_RETURN(JobData job, PrepareJobData(files, spec.data(), seed));
//   std::vector<int64_t> order;
//   ShuffleForEpoch(seed, epoch, job.split.train, &order);
//   GatherBatch<float>(*job.train, job.standardization,
//                      absl::MakeConstSpan(order).subspan(0, n),
//                      x_buffer.topRows(n), y_buffer.head(n));
#ifndef LRSWEEP_COMMON_ENGINE_DATASET_H_
#define LRSWEEP_COMMON_ENGINE_DATASET_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "lrsweep/v1/spec.pb.h"

namespace lrsweep::engine {

// Features with one example per row, stored row by row so that gathering a
// mini-batch copies contiguous rows.
using FeatureMatrix =
    Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

// How a loader reads the label column.
enum class LabelKind {
  // Class labels: the distinct label values become classes 0..K-1. If every
  // value is an integer they are ordered by numeric value (-1 before +1,
  // 2 before 10), else by their text in byte order ("setosa" < "versicolor").
  kClass,
  // Real-valued regression targets. Every label must be a finite number.
  kReal,
  // kReal if every label is a number, else kClass.
  kAuto,
};

// Returns the label kind that the model in `model` trains on: kReal for
// `linear`, kAuto for an `mlp` with the `mse` head, kClass otherwise.
LabelKind LabelKindForModel(const lrsweep::v1::ModelSpec& model);

class Dataset {
 public:
  // Builds a dataset from loaded arrays. `source` names the file in error
  // messages. A non-empty `class_names` makes it a classification set with
  // class_names.size() classes, and every label must be an integer in
  // [0, num_classes). An empty one makes a regression set. `feature_names`
  // is empty or has one name per column. Returns INVALID_ARGUMENT, naming
  // the source and the zero-based row, for no rows, no columns, a
  // non-finite feature or label, a label out of range or mismatched sizes.
  static absl::StatusOr<Dataset> Create(std::string source, FeatureMatrix features,
                                        Eigen::VectorXd labels,
                                        std::vector<std::string> class_names,
                                        std::vector<std::string> feature_names = {});

  // Movable but not copyable: a copy of a large dataset is never intended.
  Dataset(Dataset&&) = default;
  Dataset& operator=(Dataset&&) = default;
  Dataset(const Dataset&) = delete;
  Dataset& operator=(const Dataset&) = delete;

  // The file the data came from.
  const std::string& source() const { return source_; }
  Eigen::Index num_rows() const { return features_.rows(); }
  Eigen::Index num_features() const { return features_.cols(); }
  // Number of classes, or 0 for a regression set.
  int num_classes() const { return static_cast<int>(class_names_.size()); }
  bool is_classification() const { return !class_names_.empty(); }

  const FeatureMatrix& features() const { return features_; }
  // The features rounded to float32, kept beside the float64 ones so that
  // float32 jobs gather half the bytes per row.
  const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>&
  features_float() const {
    return features_float_;
  }
  // The class index (stored exactly as a double) or the regression target of
  // each row.
  const Eigen::VectorXd& labels() const { return labels_; }
  // The label text of each class in class-index order, empty for regression.
  const std::vector<std::string>& class_names() const { return class_names_; }
  // Column names from the file's header, empty when the format has none.
  const std::vector<std::string>& feature_names() const { return feature_names_; }

 private:
  Dataset() = default;

  std::string source_;
  FeatureMatrix features_;
  Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> features_float_;
  Eigen::VectorXd labels_;
  std::vector<std::string> class_names_;
  std::vector<std::string> feature_names_;
};

// Per-feature affine map x' = (x - mean) * scale, applied while gathering
// batches so that a shared Dataset is never modified.
class Standardization {
 public:
  // The map that leaves features unchanged (mean 0, scale 1).
  static Standardization Identity(Eigen::Index num_features);

  // Fits zero mean and unit variance on the given rows of `data`: mean is
  // the column mean and scale is 1 / (population standard deviation), as in
  // sklearn's StandardScaler. A column that is constant on these rows gets
  // scale 0, so its standardized value is 0 rather than a division by zero.
  // Precondition: `rows` is non-empty and holds valid row indices.
  static Standardization Fit(const Dataset& data, absl::Span<const int64_t> rows);

  const Eigen::RowVectorXd& mean() const { return mean_; }
  const Eigen::RowVectorXd& scale() const { return scale_; }
  // mean() and scale() rounded to float32, for float32 batches.
  const Eigen::RowVectorXf& mean_float() const { return mean_float_; }
  const Eigen::RowVectorXf& scale_float() const { return scale_float_; }

 private:
  Eigen::RowVectorXd mean_;
  Eigen::RowVectorXd scale_;
  Eigen::RowVectorXf mean_float_;
  Eigen::RowVectorXf scale_float_;
};

// Row indices of the training file, split into the rows a job trains on and
// the rows it validates on. Both lists are in ascending order.
struct RowSplit {
  std::vector<int64_t> train;
  std::vector<int64_t> validation;
};

// Splits rows 0..num_rows-1 at random: a Fisher-Yates permutation drawn from
// `seed` (RandomStream::kSplit), whose first round(validation_fraction *
// num_rows) rows (at least one when the fraction is positive) go to
// validation. Returns INVALID_ARGUMENT for a fraction outside [0, 1) or a
// split that leaves no training row.
absl::StatusOr<RowSplit> SplitRows(int64_t num_rows, double validation_fraction,
                                   uint64_t seed);

// Writes to `order` the rows of `rows` in the order of epoch `epoch`: a
// Fisher-Yates permutation drawn from (seed, RandomStream::kShuffle, epoch).
// Each epoch's order depends only on the seed, the epoch and `rows`, so a
// run can resume at any epoch. Does not allocate when `order` already has
// the capacity.
void ShuffleForEpoch(uint64_t seed, int64_t epoch, absl::Span<const int64_t> rows,
                     std::vector<int64_t>* order);

// Copies the rows `rows` of `data`, standardized and cast to T, into
// `features` (rows.size() x num_features) and their labels into `labels`
// (rows.size()). Does no heap allocation. Preconditions: the shapes match
// and every index is a valid row.
template <typename T>
void GatherBatch(
    const Dataset& data, const Standardization& standardization,
    absl::Span<const int64_t> rows,
    Eigen::Ref<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>
        features,
    Eigen::Ref<Eigen::Matrix<T, Eigen::Dynamic, 1>> labels);

// Options of the file loaders.
struct LoadOptions {
  LabelKind labels = LabelKind::kClass;
  // CSV only: the label column, by header name or by zero-based index (a
  // name that is a number is tried as a name first). Empty: the last column.
  std::string label_column;
  // Classes fixed by the training file, for loading a test file: each label
  // must be one of them and keeps its index. Empty: derived from this file.
  std::vector<std::string> classes;
  // LIBSVM only: number of feature columns, as in the training file. 0: the
  // highest feature index in this file.
  Eigen::Index num_features = 0;
};

// Loads the training or test file `path`, choosing the format by name: a
// name ending in `.csv`, `.libsvm` or `.svm` (each optionally followed by
// `.gz`) is read as that format, and any other name as an IDX prefix.
// Errors as the loader of that format returns them.
absl::StatusOr<Dataset> LoadDataset(absl::string_view path, const LoadOptions& options);

// The files of a DataSpec, loaded once and shared read-only by jobs.
struct DataFiles {
  std::shared_ptr<const Dataset> train;
  // Null when the spec names no test file.
  std::shared_ptr<const Dataset> test;
};

// Loads `spec.train` and, when set, `spec.test`. The test file is read with
// the training file's classes and feature count, so class indices agree and
// a test label the training file lacks is an error.
absl::StatusOr<DataFiles> LoadDataFiles(const lrsweep::v1::DataSpec& spec,
                                        LabelKind labels);

// The data view of one job: which rows it trains and validates on and how
// features are scaled. It is cheap to build because the files are shared.
struct JobData {
  std::shared_ptr<const Dataset> train;
  std::shared_ptr<const Dataset> test;  // null without a test file
  RowSplit split;
  // Fitted on split.train when spec.standardize is set, else the identity.
  // The validation and test rows use it too.
  Standardization standardization;
};

// Splits `files.train` with `spec.validation_fraction` and `seed` and fits
// the standardization. Returns SplitRows's errors.
absl::StatusOr<JobData> PrepareJobData(const DataFiles& files,
                                       const lrsweep::v1::DataSpec& spec,
                                       uint64_t seed);

}  // namespace lrsweep::engine

#endif  // LRSWEEP_COMMON_ENGINE_DATASET_H_
