// A real worker against an in-process coordinator over loopback gRPC: leases
// held in the worker's local queue must stay alive while an earlier job
// trains, so that no job is retried although no worker failed.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "coordinator/coordinator.h"
#include "coordinator/server.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "gtest/gtest.h"
#include "unit/coordinator/store_test_util.h"
#include "worker/worker.h"

namespace lrsweep {
namespace {

// Three jobs of about 1.5 s each (a 2000-dimensional Rosenbrock function)
// under 1-second leases with a single attempt: any lease left to expire
// fails its job.
constexpr char kSlowSweep[] = R"(
model: {kind: rosenbrock, start: [START]}
training: {max_steps: 300000, precision: float64}
grid: {solvers: [{name: SGD}], base_lr: [1e-6, 2e-6, 3e-6]}
limits: {lease_seconds: 1, max_attempts: 1}
)";

std::string SlowSweepSpec() {
  std::string start;
  for (int i = 0; i < 2000; ++i) absl::StrAppend(&start, i ? ", " : "", "-1.2");
  std::string spec = kSlowSweep;
  spec.replace(spec.find("START"), 5, start);
  return spec;
}

TEST(WorkerLeaseTest, QueuedLeasesStayAliveOnOneSlot) {
  coordinator::CoordinatorOptions options;
  options.db_path = coordinator::testing::FreshDbPath();
  options.lease_check_interval = absl::Milliseconds(100);
  auto coordinator = coordinator::Coordinator::Open(options);
  ASSERT_TRUE(coordinator.ok()) << coordinator.status();
  auto server = coordinator::CoordinatorServer::Start(coordinator->get(), "127.0.0.1:0");
  ASSERT_TRUE(server.ok()) << server.status();

  v1::CreateSweepRequest create;
  create.set_spec_text(SlowSweepSpec());
  auto sweep = (*coordinator)->CreateSweep(create);
  ASSERT_TRUE(sweep.ok()) << sweep.status();
  ASSERT_EQ(sweep->counts().total(), 3);

  worker::WorkerOptions worker_options;
  worker_options.worker_id = "test-worker";
  worker_options.slots = 1;
  worker_options.prefetch_per_slot = 3;
  worker_options.exit_when_idle_for = absl::Milliseconds(500);
  worker::Worker worker(worker_options,
                        grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                                            grpc::InsecureChannelCredentials()));
  worker.Run();

  v1::ListJobsRequest list;
  list.set_sweep_id(sweep->sweep_id());
  auto jobs = (*coordinator)->ListJobs(list);
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  ASSERT_EQ(jobs->jobs_size(), 3);
  for (const v1::Job& job : jobs->jobs()) {
    SCOPED_TRACE(job.job_id());
    EXPECT_EQ(job.state(), v1::Job::SUCCEEDED) << job.error();
    EXPECT_EQ(job.attempt(), 1);
    EXPECT_GE(job.metrics().elapsed_seconds(), 1.0)
        << "jobs must outlast the lease for the test to mean anything";
  }
  EXPECT_EQ(worker.completed_jobs(), 3);
  (*server)->Shutdown(absl::Seconds(1));
}

}  // namespace
}  // namespace lrsweep
