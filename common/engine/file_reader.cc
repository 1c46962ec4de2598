#include "engine/file_reader.h"

#include <sys/stat.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"

namespace lrsweep::engine {
namespace {

constexpr unsigned kChunkBytes = 1 << 20;

struct GzFileCloser {
  void operator()(gzFile_s* file) const { gzclose(file); }
};
using GzFilePtr = std::unique_ptr<gzFile_s, GzFileCloser>;

}  // namespace

bool IsRegularFile(absl::string_view path) {
  struct stat info;
  return stat(std::string(path).c_str(), &info) == 0 && S_ISREG(info.st_mode);
}

absl::StatusOr<std::string> ReadFileContents(absl::string_view path) {
  const std::string name(path);
  struct stat info;
  if (stat(name.c_str(), &info) != 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat(path, ": file not found"));
    }
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": cannot read: ", std::strerror(errno)));
  }
  if (!S_ISREG(info.st_mode)) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": not a regular file"));
  }

  // gzread passes data that is not gzip through unchanged.
  GzFilePtr file(gzopen(name.c_str(), "rb"));
  if (file == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  }
  gzbuffer(file.get(), kChunkBytes);

  std::string contents;
  contents.reserve(static_cast<size_t>(info.st_size));
  while (true) {
    const size_t old_size = contents.size();
    contents.resize(old_size + kChunkBytes);
    const int read = gzread(file.get(), contents.data() + old_size, kChunkBytes);
    if (read < 0) {
      int code = 0;
      const char* message = gzerror(file.get(), &code);
      return absl::DataLossError(absl::StrCat(
          path, ": read failed: ",
          code == Z_ERRNO ? std::strerror(errno) : message));
    }
    contents.resize(old_size + static_cast<size_t>(read));
    if (read == 0) break;
  }
  return contents;
}

}  // namespace lrsweep::engine
