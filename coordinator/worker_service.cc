#include "coordinator/worker_service.h"

#include "coordinator/status_mapping.h"

namespace lrsweep::coordinator {

grpc::Status WorkerServiceImpl::AcquireJobs(grpc::ServerContext* context,
                                            const v1::AcquireJobsRequest* request,
                                            v1::AcquireJobsResponse* response) {
  return Respond(
      coordinator_->AcquireJobs(*request, [context] { return context->IsCancelled(); }),
      response, "AcquireJobs");
}

grpc::Status WorkerServiceImpl::ReportProgress(grpc::ServerContext* context,
                                               const v1::ReportProgressRequest* request,
                                               v1::ReportProgressResponse* response) {
  return Respond(coordinator_->ReportProgress(*request), response, "ReportProgress");
}

grpc::Status WorkerServiceImpl::CompleteJob(grpc::ServerContext* context,
                                            const v1::CompleteJobRequest* request,
                                            v1::CompleteJobResponse* response) {
  return Respond(coordinator_->CompleteJob(*request), response, "CompleteJob");
}

grpc::Status WorkerServiceImpl::ReleaseJob(grpc::ServerContext* context,
                                           const v1::ReleaseJobRequest* request,
                                           v1::ReleaseJobResponse* response) {
  return Respond(coordinator_->ReleaseJob(*request), response, "ReleaseJob");
}

}  // namespace lrsweep::coordinator
