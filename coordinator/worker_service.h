// lrsweep.v1.WorkerService over a Coordinator: each handler passes the
// request to the Coordinator and converts its status.
#ifndef LRSWEEP_COORDINATOR_WORKER_SERVICE_H_
#define LRSWEEP_COORDINATOR_WORKER_SERVICE_H_

#include "coordinator/coordinator.h"
#include "lrsweep/v1/sweep.grpc.pb.h"

namespace lrsweep::coordinator {

class WorkerServiceImpl final : public v1::WorkerService::Service {
 public:
  // `coordinator` must outlive the service.
  explicit WorkerServiceImpl(Coordinator* coordinator) : coordinator_(coordinator) {}

  grpc::Status AcquireJobs(grpc::ServerContext* context, const v1::AcquireJobsRequest* request,
                           v1::AcquireJobsResponse* response) override;
  grpc::Status ReportProgress(grpc::ServerContext* context,
                              const v1::ReportProgressRequest* request,
                              v1::ReportProgressResponse* response) override;
  grpc::Status CompleteJob(grpc::ServerContext* context, const v1::CompleteJobRequest* request,
                           v1::CompleteJobResponse* response) override;
  grpc::Status ReleaseJob(grpc::ServerContext* context, const v1::ReleaseJobRequest* request,
                          v1::ReleaseJobResponse* response) override;

 private:
  Coordinator* coordinator_;
};

}  // namespace lrsweep::coordinator

#endif  // LRSWEEP_COORDINATOR_WORKER_SERVICE_H_
