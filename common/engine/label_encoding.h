// Conversion of label texts read from a file into Dataset labels, shared by
// the CSV and LIBSVM loaders. The rules are those of LabelKind (dataset.h).
#ifndef LRSWEEP_COMMON_ENGINE_LABEL_ENCODING_H_
#define LRSWEEP_COMMON_ENGINE_LABEL_ENCODING_H_

#include <cstdint>
#include <string>
#include <vector>

#include "Eigen/Core"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/dataset.h"

namespace lrsweep::engine {

// Labels ready for Dataset::Create: an empty class_names means regression.
struct EncodedLabels {
  Eigen::VectorXd values;
  std::vector<std::string> class_names;
};

// Encodes `texts` (one per row, read from `lines[i]` of file `source`)
// according to `kind`. With kClass or kAuto resolving to classes, a
// non-empty `known_classes` fixes the classes and their order, and a label
// outside them is an error. Returns INVALID_ARGUMENT naming the source and
// the line for a label that is not a number where one is needed, a
// non-finite label or an unknown class.
absl::StatusOr<EncodedLabels> EncodeLabels(absl::string_view source,
                                           const std::vector<std::string>& texts,
                                           const std::vector<int64_t>& lines,
                                           LabelKind kind,
                                           const std::vector<std::string>& known_classes);

// Parses `text` (surrounding spaces allowed) as a double. Accepts "nan" and
// "inf", so the caller checks finiteness and can name the problem.
bool ParseDouble(absl::string_view text, double* value);

}  // namespace lrsweep::engine

#endif  // LRSWEEP_COMMON_ENGINE_LABEL_ENCODING_H_
