// Tests of the lrsweep-coordinator process: it is started on a loopback port,
// killed with SIGKILL in the middle of a sweep and started again on the same
// store, then stopped with SIGTERM.
#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lrsweep/v1/sweep.grpc.pb.h"
#include "support/child_process.h"

namespace lrsweep {
namespace {

using ::lrsweep::testing::ChildProcess;
using ::testing::HasSubstr;

// How long the process may take to start listening or to exit.
constexpr auto kProcessTimeout = ::lrsweep::testing::kChildTimeout;

// 2 solvers x 2 seeds = 4 jobs with leases of 1 s.
constexpr char kSweep[] = R"(
model: {kind: quadratic, start: [1.0]}
training: {epochs: 1, seeds: [0, 1]}
grid: {solvers: [{name: SGD}, {name: Adam}], base_lr: [0.1]}
objective: {metric: train_loss}
limits: {lease_seconds: 1}
)";

// Starts lrsweep-coordinator on a free loopback port with its log in
// `log_path`.
std::unique_ptr<ChildProcess> StartCoordinator(const std::string& db_path,
                                               const std::string& log_path) {
  auto process = std::make_unique<ChildProcess>(
      std::vector<std::string>{LRSWEEP_COORDINATOR_BINARY, "--host=127.0.0.1", "--port=0",
                               absl::StrCat("--db=", db_path), "--shutdown_grace_seconds=1"},
      log_path);
  EXPECT_TRUE(process->started()) << "cannot start " << LRSWEEP_COORDINATOR_BINARY;
  return process;
}

class Client {
 public:
  explicit Client(int port)
      : channel_(grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                     grpc::InsecureChannelCredentials())),
        sweeps_(v1::SweepService::NewStub(channel_)),
        workers_(v1::WorkerService::NewStub(channel_)) {}

  v1::SweepService::Stub& sweeps() { return *sweeps_; }
  v1::WorkerService::Stub& workers() { return *workers_; }

  static void SetDeadline(grpc::ClientContext* context) {
    context->set_deadline(std::chrono::system_clock::now() + kProcessTimeout);
  }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::SweepService::Stub> sweeps_;
  std::unique_ptr<v1::WorkerService::Stub> workers_;
};

TEST(CoordinatorProcessTest, KilledCoordinatorKeepsResults) {
  const std::filesystem::path dir =
      std::filesystem::path(::testing::TempDir()) / "lrsweep_coordinator_process";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string db = (dir / "lrsweep.db").string();

  std::string sweep_id;
  std::string finished_job;
  {
    std::unique_ptr<ChildProcess> process = StartCoordinator(db, (dir / "first.log").string());
    std::optional<int> port = process->WaitForCoordinatorPort();
    ASSERT_TRUE(port.has_value()) << process->log();
    Client client(*port);

    grpc::ClientContext create_context;
    Client::SetDeadline(&create_context);
    v1::CreateSweepRequest create;
    create.set_spec_text(kSweep);
    v1::Sweep sweep;
    grpc::Status status = client.sweeps().CreateSweep(&create_context, create, &sweep);
    ASSERT_TRUE(status.ok()) << status.error_message();
    sweep_id = sweep.sweep_id();

    grpc::ClientContext acquire_context;
    Client::SetDeadline(&acquire_context);
    v1::AcquireJobsRequest acquire;
    acquire.set_worker_id("process-test");
    acquire.set_max_jobs(2);
    v1::AcquireJobsResponse leases;
    ASSERT_TRUE(client.workers().AcquireJobs(&acquire_context, acquire, &leases).ok());
    ASSERT_EQ(leases.leases_size(), 2);

    grpc::ClientContext complete_context;
    Client::SetDeadline(&complete_context);
    v1::CompleteJobRequest complete;
    complete.set_sweep_id(sweep_id);
    complete.set_job_id(leases.leases(0).job_id());
    complete.set_attempt(leases.leases(0).attempt());
    complete.set_state(v1::Job::SUCCEEDED);
    complete.mutable_metrics()->set_train_loss(0.125);
    v1::CompleteJobResponse completed;
    ASSERT_TRUE(client.workers().CompleteJob(&complete_context, complete, &completed).ok());
    finished_job = leases.leases(0).job_id();

    // The acknowledged result must survive a crash: no shutdown code runs.
    std::optional<int> killed = process->Stop(SIGKILL);
    ASSERT_TRUE(killed.has_value());
    EXPECT_TRUE(WIFSIGNALED(*killed));
  }

  // Let the 1 s lease of the second job run out while no coordinator runs.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));

  std::unique_ptr<ChildProcess> process = StartCoordinator(db, (dir / "second.log").string());
  std::optional<int> port = process->WaitForCoordinatorPort();
  ASSERT_TRUE(port.has_value()) << process->log();
  Client client(*port);

  grpc::ClientContext jobs_context;
  Client::SetDeadline(&jobs_context);
  v1::ListJobsRequest list;
  list.set_sweep_id(sweep_id);
  v1::ListJobsResponse jobs;
  grpc::Status status = client.sweeps().ListJobs(&jobs_context, list, &jobs);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(jobs.jobs_size(), 4);
  int pending = 0;
  for (const v1::Job& job : jobs.jobs()) {
    if (job.job_id() == finished_job) {
      EXPECT_EQ(job.state(), v1::Job::SUCCEEDED);
      EXPECT_EQ(job.objective(), 0.125);
    } else {
      EXPECT_EQ(job.state(), v1::Job::PENDING) << job.job_id();
      if (job.state() == v1::Job::PENDING) ++pending;
    }
  }
  // The job whose lease expired during the outage is queued again.
  EXPECT_EQ(pending, 3);
  EXPECT_THAT(process->log(), HasSubstr("event=lease_expired"));

  std::optional<int> stopped = process->Stop(SIGTERM);
  ASSERT_TRUE(stopped.has_value()) << process->log();
  ASSERT_TRUE(WIFEXITED(*stopped)) << process->log();
  EXPECT_EQ(WEXITSTATUS(*stopped), 0);
  EXPECT_THAT(process->log(), HasSubstr("event=shutdown_started signal=Terminated"));
  EXPECT_THAT(process->log(), HasSubstr("event=stopped"));
}

}  // namespace
}  // namespace lrsweep
