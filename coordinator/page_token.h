// Opaque page tokens for the paged list RPCs. A token is the web-safe
// base64 of a kind tag and the fields of the position after which the next
// page starts. It is neither secret nor signed.
#ifndef LRSWEEP_COORDINATOR_PAGE_TOKEN_H_
#define LRSWEEP_COORDINATOR_PAGE_TOKEN_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lrsweep::coordinator {

// Returns a token of kind `kind` (e.g. "jobs") that contains `fields`. Fields must
// not contain the byte 0x1f.
std::string EncodePageToken(absl::string_view kind, const std::vector<std::string>& fields);

// Returns the fields of `token`. INVALID_ARGUMENT when the token is not
// base64, not of kind `kind` or does not contain `field_count` fields.
absl::StatusOr<std::vector<std::string>> DecodePageToken(absl::string_view token,
                                                         absl::string_view kind,
                                                         size_t field_count);

}  // namespace lrsweep::coordinator

#endif  // LRSWEEP_COORDINATOR_PAGE_TOKEN_H_
