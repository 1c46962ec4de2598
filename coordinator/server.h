// The coordinator's gRPC server: SweepService, WorkerService, the standard
// grpc.health.v1.Health service and server reflection (so that grpc_cli and
// grpcurl work without .proto files), all on one port without TLS.
#ifndef LRSWEEP_COORDINATOR_SERVER_H_
#define LRSWEEP_COORDINATOR_SERVER_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "coordinator/coordinator.h"

namespace grpc {
class Server;
}  // namespace grpc

namespace lrsweep::coordinator {

class SweepServiceImpl;
class WorkerServiceImpl;

class CoordinatorServer {
 public:
  // Starts serving `coordinator`, which must outlive the server, on
  // `address` ("host:port"; port 0 picks a free port). UNAVAILABLE when the
  // address cannot be bound.
  static absl::StatusOr<std::unique_ptr<CoordinatorServer>> Start(Coordinator* coordinator,
                                                                  const std::string& address);

  // Shuts down without a grace period if Shutdown() was not called.
  ~CoordinatorServer();

  CoordinatorServer(const CoordinatorServer&) = delete;
  CoordinatorServer& operator=(const CoordinatorServer&) = delete;

  // The bound port, useful when Start() was given port 0.
  int port() const { return port_; }

  // Shuts down gracefully: reports NOT_SERVING on the health service, ends
  // the WatchSweep streams (Coordinator::Stop), stops accepting calls and
  // waits up to `grace` for the calls in flight, then cancels those still
  // running. Returns when every call has ended. Idempotent.
  // NOTE: an idle client connection delays the end until the client reads
  // the GOAWAY. A gRPC 1.51 client does so on its backup poll, every 5 s by
  // default, but the wait never exceeds `grace`.
  void Shutdown(absl::Duration grace) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  CoordinatorServer(Coordinator* coordinator, int port,
                    std::unique_ptr<SweepServiceImpl> sweep_service,
                    std::unique_ptr<WorkerServiceImpl> worker_service,
                    std::unique_ptr<grpc::Server> server);

  Coordinator* coordinator_;
  const int port_;
  std::unique_ptr<SweepServiceImpl> sweep_service_;
  std::unique_ptr<WorkerServiceImpl> worker_service_;
  std::unique_ptr<grpc::Server> server_;

  absl::Mutex mu_;
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace lrsweep::coordinator

#endif  // LRSWEEP_COORDINATOR_SERVER_H_
