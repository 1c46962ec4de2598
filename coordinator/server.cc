#include "coordinator/server.h"

#include <glog/logging.h>
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "coordinator/sweep_service.h"
#include "coordinator/worker_service.h"

namespace lrsweep::coordinator {

absl::StatusOr<std::unique_ptr<CoordinatorServer>> CoordinatorServer::Start(
    Coordinator* coordinator, const std::string& address) {
  // Both are process-wide switches read when a server is built.
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  auto sweep_service = std::make_unique<SweepServiceImpl>(coordinator);
  auto worker_service = std::make_unique<WorkerServiceImpl>(coordinator);
  int port = 0;
  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default, which lets a second coordinator bind
  // the same port and take half of the connections. An address in use must
  // be an error instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(sweep_service.get());
  builder.RegisterService(worker_service.get());
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", address, "; check that the port is free and the host is local"));
  }

  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  health->SetServingStatus(v1::SweepService::service_full_name(), true);
  health->SetServingStatus(v1::WorkerService::service_full_name(), true);
  return std::unique_ptr<CoordinatorServer>(
      new CoordinatorServer(coordinator, port, std::move(sweep_service),
                            std::move(worker_service), std::move(server)));
}

CoordinatorServer::CoordinatorServer(Coordinator* coordinator, int port,
                                     std::unique_ptr<SweepServiceImpl> sweep_service,
                                     std::unique_ptr<WorkerServiceImpl> worker_service,
                                     std::unique_ptr<grpc::Server> server)
    : coordinator_(coordinator),
      port_(port),
      sweep_service_(std::move(sweep_service)),
      worker_service_(std::move(worker_service)),
      server_(std::move(server)) {}

CoordinatorServer::~CoordinatorServer() { Shutdown(absl::ZeroDuration()); }

void CoordinatorServer::Shutdown(absl::Duration grace) {
  absl::MutexLock lock(&mu_);
  if (shut_down_) return;
  shut_down_ = true;

  server_->GetHealthCheckService()->SetServingStatus(false);
  coordinator_->Stop();
  server_->Shutdown(absl::ToChronoTime(absl::Now() + grace));
  server_->Wait();
  LOG(INFO) << "event=server_stopped port=" << port_;
}

}  // namespace lrsweep::coordinator
