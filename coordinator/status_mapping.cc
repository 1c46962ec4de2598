#include "coordinator/status_mapping.h"

#include <glog/logging.h>

#include <string>

namespace lrsweep::coordinator {

grpc::Status ToGrpcStatus(const absl::Status& status, absl::string_view method) {
  if (status.ok()) return grpc::Status::OK;
  const absl::StatusCode code = status.code();
  if (code == absl::StatusCode::kInternal || code == absl::StatusCode::kUnknown ||
      code == absl::StatusCode::kDataLoss) {
    LOG(ERROR) << "event=rpc_failed method=" << method
               << " code=" << absl::StatusCodeToString(code) << " error=\""
               << status.message() << "\"";
  }
  // absl::StatusCode and grpc::StatusCode both number the canonical codes
  // 0 (OK) to 16 (UNAUTHENTICATED) alike.
  return grpc::Status(static_cast<grpc::StatusCode>(code), std::string(status.message()));
}

}  // namespace lrsweep::coordinator
