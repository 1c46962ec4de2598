// Whole-file reading for the dataset loaders. Files compressed with gzip are
// decompressed on the fly and other files are read as they are, so every
// loader accepts `name` and `name.gz` alike.
#ifndef LRSWEEP_COMMON_ENGINE_FILE_READER_H_
#define LRSWEEP_COMMON_ENGINE_FILE_READER_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lrsweep::engine {

// Reads the whole file at `path`, decompressed if it is gzip data (detected
// from its magic bytes, not its name). Returns NOT_FOUND for a missing file,
// FAILED_PRECONDITION for a directory or an unreadable file, and DATA_LOSS
// for corrupt or truncated gzip data. Each message starts with the path.
absl::StatusOr<std::string> ReadFileContents(absl::string_view path);

// Returns true if `path` names an existing regular file.
bool IsRegularFile(absl::string_view path);

}  // namespace lrsweep::engine

#endif  // LRSWEEP_COMMON_ENGINE_FILE_READER_H_
