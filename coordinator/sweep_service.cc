#include "coordinator/sweep_service.h"

#include "coordinator/status_mapping.h"

namespace lrsweep::coordinator {

grpc::Status SweepServiceImpl::CreateSweep(grpc::ServerContext* context,
                                           const v1::CreateSweepRequest* request,
                                           v1::Sweep* response) {
  return Respond(coordinator_->CreateSweep(*request), response, "CreateSweep");
}

grpc::Status SweepServiceImpl::GetSweep(grpc::ServerContext* context,
                                        const v1::GetSweepRequest* request,
                                        v1::Sweep* response) {
  return Respond(coordinator_->GetSweep(*request), response, "GetSweep");
}

grpc::Status SweepServiceImpl::ListSweeps(grpc::ServerContext* context,
                                          const v1::ListSweepsRequest* request,
                                          v1::ListSweepsResponse* response) {
  return Respond(coordinator_->ListSweeps(*request), response, "ListSweeps");
}

grpc::Status SweepServiceImpl::CancelSweep(grpc::ServerContext* context,
                                           const v1::CancelSweepRequest* request,
                                           v1::Sweep* response) {
  return Respond(coordinator_->CancelSweep(*request), response, "CancelSweep");
}

grpc::Status SweepServiceImpl::GetLeaderboard(grpc::ServerContext* context,
                                              const v1::GetLeaderboardRequest* request,
                                              v1::GetLeaderboardResponse* response) {
  return Respond(coordinator_->GetLeaderboard(*request), response, "GetLeaderboard");
}

grpc::Status SweepServiceImpl::ListJobs(grpc::ServerContext* context,
                                        const v1::ListJobsRequest* request,
                                        v1::ListJobsResponse* response) {
  return Respond(coordinator_->ListJobs(*request), response, "ListJobs");
}

grpc::Status SweepServiceImpl::WatchSweep(grpc::ServerContext* context,
                                          const v1::WatchSweepRequest* request,
                                          grpc::ServerWriter<v1::SweepProgress>* writer) {
  return ToGrpcStatus(
      coordinator_->WatchSweep(
          *request, [writer](const v1::SweepProgress& progress) { return writer->Write(progress); },
          [context] { return context->IsCancelled(); }),
      "WatchSweep");
}

}  // namespace lrsweep::coordinator
