// lrsweep.v1.SweepService over a Coordinator: each handler passes the
// request to the Coordinator and converts its status.
#ifndef LRSWEEP_COORDINATOR_SWEEP_SERVICE_H_
#define LRSWEEP_COORDINATOR_SWEEP_SERVICE_H_

#include "coordinator/coordinator.h"
#include "lrsweep/v1/sweep.grpc.pb.h"

namespace lrsweep::coordinator {

class SweepServiceImpl final : public v1::SweepService::Service {
 public:
  // `coordinator` must outlive the service.
  explicit SweepServiceImpl(Coordinator* coordinator) : coordinator_(coordinator) {}

  grpc::Status CreateSweep(grpc::ServerContext* context, const v1::CreateSweepRequest* request,
                           v1::Sweep* response) override;
  grpc::Status GetSweep(grpc::ServerContext* context, const v1::GetSweepRequest* request,
                        v1::Sweep* response) override;
  grpc::Status ListSweeps(grpc::ServerContext* context, const v1::ListSweepsRequest* request,
                          v1::ListSweepsResponse* response) override;
  grpc::Status CancelSweep(grpc::ServerContext* context, const v1::CancelSweepRequest* request,
                           v1::Sweep* response) override;
  grpc::Status GetLeaderboard(grpc::ServerContext* context,
                              const v1::GetLeaderboardRequest* request,
                              v1::GetLeaderboardResponse* response) override;
  grpc::Status ListJobs(grpc::ServerContext* context, const v1::ListJobsRequest* request,
                        v1::ListJobsResponse* response) override;
  grpc::Status WatchSweep(grpc::ServerContext* context, const v1::WatchSweepRequest* request,
                          grpc::ServerWriter<v1::SweepProgress>* writer) override;

 private:
  Coordinator* coordinator_;
};

}  // namespace lrsweep::coordinator

#endif  // LRSWEEP_COORDINATOR_SWEEP_SERVICE_H_
