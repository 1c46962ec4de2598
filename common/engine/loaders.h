// File loaders behind LoadDataset (dataset.h), one per format. Each reads
// plain or gzip-compressed files and returns either a complete Dataset or
// an error, never a partly loaded one.
//
// Error messages start with the file and the position of the problem, as
// compilers write them: `iris.csv:7: row has 4 fields, expected 5 as in the
// header` for text formats (lines count from 1, the header is line 1) and
// `train-labels-idx1-ubyte.gz: record 17: ...` for IDX (records count from
// 0). A missing file is NOT_FOUND and malformed content INVALID_ARGUMENT.
#ifndef LRSWEEP_COMMON_ENGINE_LOADERS_H_
#define LRSWEEP_COMMON_ENGINE_LOADERS_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "engine/dataset.h"

namespace lrsweep::engine {

// Loads a comma-separated file whose first non-blank line is a header of
// column names. Fields may be enclosed in double quotes ("" inside quotes is
// one quote) and are trimmed of spaces. Blank lines are skipped. Every
// column but options.label_column is a feature and must hold finite numbers.
absl::StatusOr<Dataset> LoadCsv(absl::string_view path, const LoadOptions& options);

// Loads a LIBSVM file: one example per line, `label index:value ...` with
// 1-based feature indices, into dense features where absent entries are 0.
// Text after `#` is a comment. Feature index i becomes column i - 1.
// NOTE: the dense copy takes rows x features x 8 bytes, so a file with
// millions of feature columns does not fit in memory.
absl::StatusOr<Dataset> LoadLibsvm(absl::string_view path, const LoadOptions& options);

// Loads an image set in the IDX format of MNIST and Fashion-MNIST from the
// file pair `prefix-images-idx3-ubyte` and `prefix-labels-idx1-ubyte`, each
// plain or with `.gz` appended (the plain file wins when both exist). Each
// image becomes one row of rows x columns pixels scaled from 0..255 to
// [0, 1]. Labels are class indices as stored: the classes are 0..max label,
// or options.classes when given for a test file, which must then be the
// names "0".."K-1" that an IDX training file has. With LabelKind::kReal the
// label bytes are read as regression targets instead.
absl::StatusOr<Dataset> LoadIdx(absl::string_view prefix, const LoadOptions& options);

}  // namespace lrsweep::engine

#endif  // LRSWEEP_COMMON_ENGINE_LOADERS_H_
