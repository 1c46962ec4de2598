#include "coordinator/page_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace lrsweep::coordinator {
namespace {

constexpr char kSeparator[] = "\x1f";

}  // namespace

std::string EncodePageToken(absl::string_view kind, const std::vector<std::string>& fields) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(kind, kSeparator, absl::StrJoin(fields, kSeparator)));
}

absl::StatusOr<std::vector<std::string>> DecodePageToken(absl::string_view token,
                                                         absl::string_view kind,
                                                         size_t field_count) {
  std::string text;
  if (!absl::WebSafeBase64Unescape(token, &text)) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_token: invalid token '", token, "'; pass next_page_token unchanged"));
  }
  std::vector<std::string> parts = absl::StrSplit(text, kSeparator);
  if (parts.size() != field_count + 1 || parts.front() != kind) {
    return absl::InvalidArgumentError(absl::StrCat(
        "page_token: not a token of this list ('", token, "'); pass next_page_token unchanged"));
  }
  parts.erase(parts.begin());
  return parts;
}

}  // namespace lrsweep::coordinator
