// The one place where absl::Status becomes grpc::Status. Both use the same
// canonical codes, so the code and the message pass through unchanged.
#ifndef LRSWEEP_COORDINATOR_STATUS_MAPPING_H_
#define LRSWEEP_COORDINATOR_STATUS_MAPPING_H_

#include <grpcpp/support/status.h>

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace lrsweep::coordinator {

// Converts `status`, returned by the handler of `method`. Server-side faults
// (INTERNAL, UNKNOWN, DATA_LOSS) are logged at ERROR here, because the
// client that receives them is not the operator who can fix them.
grpc::Status ToGrpcStatus(const absl::Status& status, absl::string_view method);

// Moves the value of `result` into `*response`, or converts its error.
template <typename T>
grpc::Status Respond(absl::StatusOr<T> result, T* response, absl::string_view method) {
  if (!result.ok()) return ToGrpcStatus(result.status(), method);
  *response = std::move(*result);
  return grpc::Status::OK;
}

}  // namespace lrsweep::coordinator

#endif  // LRSWEEP_COORDINATOR_STATUS_MAPPING_H_
