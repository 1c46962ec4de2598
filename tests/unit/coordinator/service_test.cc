// Tests of SweepService and WorkerService over real gRPC on a loopback port:
// request validation and status codes, a fake worker that drains a sweep
// through the public RPCs, WatchSweep, and graceful shutdown.
#include <grpcpp/client_context.h>

#include <chrono>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "lrsweep/v1/sweep.grpc.pb.h"
#include "unit/coordinator/server_test_util.h"

namespace lrsweep::coordinator {
namespace {

using ::testing::HasSubstr;
using testing::kSmallSweep;
using testing::ServedCoordinator;
using testing::SetDeadline;
using v1::Job;

// The loss the fake worker reports: lowest for Adam and for base_lr 0.01,
// plus 0.01 per seed, so Adam at 0.01 ranks first and SGD at 0.01 second.
double FakeLoss(const v1::JobSpec& spec) {
  return std::abs(std::log10(spec.base_lr()) + 2.0) +
         (spec.solver().name() == "Adam" ? 0.0 : 0.5) + 0.01 * static_cast<double>(spec.seed());
}

class ServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    served_ = ServedCoordinator::Start();
    ASSERT_NE(served_, nullptr);
    sweeps_ = v1::SweepService::NewStub(served_->channel());
    workers_ = v1::WorkerService::NewStub(served_->channel());
  }

  grpc::Status CreateSweep(const std::string& spec_text, v1::Sweep* sweep) {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::CreateSweepRequest request;
    request.set_spec_text(spec_text);
    return sweeps_->CreateSweep(&context, request, sweep);
  }

  v1::Sweep MustCreateSweep(const std::string& spec_text) {
    v1::Sweep sweep;
    grpc::Status status = CreateSweep(spec_text, &sweep);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return sweep;
  }

  int CountStoredSweeps() {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::ListSweepsResponse response;
    grpc::Status status = sweeps_->ListSweeps(&context, v1::ListSweepsRequest(), &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.sweeps_size();
  }

  v1::AcquireJobsResponse Acquire(int max_jobs) {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::AcquireJobsRequest request;
    request.set_worker_id("test-worker");
    request.set_max_jobs(max_jobs);
    v1::AcquireJobsResponse response;
    grpc::Status status = workers_->AcquireJobs(&context, request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  grpc::Status Complete(const v1::JobLease& lease, v1::CompleteJobResponse* response) {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::CompleteJobRequest request;
    request.set_sweep_id(lease.sweep_id());
    request.set_job_id(lease.job_id());
    request.set_attempt(lease.attempt());
    request.set_worker_id("test-worker");
    request.set_state(Job::SUCCEEDED);
    const double loss = FakeLoss(lease.spec());
    request.mutable_metrics()->set_train_loss(loss);
    request.mutable_metrics()->set_steps(3);
    request.mutable_metrics()->set_epochs(3);
    for (int epoch = 1; epoch <= 3; ++epoch) {
      v1::EpochPoint* point = request.add_curve();
      point->set_epoch(epoch);
      point->set_step(epoch);
      point->set_learning_rate(lease.spec().base_lr());
      point->set_train_loss(loss + 3 - epoch);
    }
    return workers_->CompleteJob(&context, request, response);
  }

  grpc::Status Report(const v1::JobLease& lease, v1::ReportProgressResponse* response) {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::ReportProgressRequest request;
    request.set_sweep_id(lease.sweep_id());
    request.set_job_id(lease.job_id());
    request.set_attempt(lease.attempt());
    request.set_worker_id("test-worker");
    v1::EpochPoint* point = request.add_curve();
    point->set_epoch(1);
    point->set_step(1);
    point->set_learning_rate(lease.spec().base_lr());
    point->set_train_loss(FakeLoss(lease.spec()) + 2);
    return workers_->ReportProgress(&context, request, response);
  }

  // Runs the worker loop until the queue is empty: acquire up to 4 jobs,
  // report one epoch of each, complete each. Stops after 100 rounds at
  // most. Returns the number of completed jobs.
  int RunFakeWorker() {
    int completed = 0;
    for (int round = 0; round < 100; ++round) {
      v1::AcquireJobsResponse acquired = Acquire(4);
      if (acquired.leases().empty()) break;
      for (const v1::JobLease& lease : acquired.leases()) {
        v1::ReportProgressResponse report;
        grpc::Status reported = Report(lease, &report);
        EXPECT_TRUE(reported.ok()) << reported.error_message();
        EXPECT_FALSE(report.stop());
        v1::CompleteJobResponse completion;
        grpc::Status status = Complete(lease, &completion);
        EXPECT_TRUE(status.ok()) << status.error_message();
        if (status.ok()) ++completed;
      }
    }
    return completed;
  }

  std::unique_ptr<ServedCoordinator> served_;
  std::unique_ptr<v1::SweepService::Stub> sweeps_;
  std::unique_ptr<v1::WorkerService::Stub> workers_;
};

TEST_F(ServiceTest, InvalidSpecNamesFieldAndStoresNothing) {
  v1::Sweep sweep;
  grpc::Status status = CreateSweep(R"(
model: {kind: quadratic, start: [1.0]}
training: {epochs: 1}
grid: {solvers: [{name: SGD}], base_lr: [0.1, -1]}
)",
                                    &sweep);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("grid.base_lr[1]"));
  EXPECT_EQ(CountStoredSweeps(), 0);
}

TEST_F(ServiceTest, SpecMessageIsValidatedLikeText) {
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::CreateSweepRequest request;
  request.mutable_spec()->mutable_model()->set_kind("quadratic");
  request.mutable_spec()->mutable_model()->add_start(1.0);
  request.mutable_spec()->mutable_training()->set_epochs(1);
  request.mutable_spec()->mutable_grid()->add_solvers()->set_name("SGD");
  request.mutable_spec()->mutable_grid()->add_base_lr(0.1);
  request.mutable_spec()->mutable_objective()->set_mode("sideways");
  v1::Sweep sweep;
  grpc::Status status = sweeps_->CreateSweep(&context, request, &sweep);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("objective.mode"));

  request.mutable_spec()->mutable_objective()->set_mode("min");
  grpc::ClientContext valid_context;
  SetDeadline(&valid_context);
  status = sweeps_->CreateSweep(&valid_context, request, &sweep);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(sweep.counts().total(), 1);
  // Defaults are filled in before the spec is stored.
  EXPECT_EQ(sweep.spec().limits().max_attempts(), 3);
}

TEST_F(ServiceTest, RequestWithoutSpecIsInvalid) {
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::Sweep sweep;
  grpc::Status status = sweeps_->CreateSweep(&context, v1::CreateSweepRequest(), &sweep);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("spec_text"));
}

TEST_F(ServiceTest, OverLimitGridIsRejectedBeforeStoring) {
  v1::Sweep sweep;
  grpc::Status small_limit = CreateSweep(absl::StrCat(kSmallSweep, "limits: {max_jobs: 5}\n"),
                                         &sweep);
  EXPECT_EQ(small_limit.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(small_limit.error_message(), HasSubstr("limits.max_jobs"));

  // 1000 rates x 1000 seeds = 10^6 jobs against the default limit of 10^5:
  // rejected from the count, before any job is expanded or stored.
  std::string rates;
  for (int i = 1; i <= 1000; ++i) absl::StrAppend(&rates, i > 1 ? ", " : "", 1e-4 * i);
  std::string seeds;
  for (int i = 0; i < 1000; ++i) absl::StrAppend(&seeds, i > 0 ? ", " : "", i);
  grpc::Status huge = CreateSweep(absl::StrCat("model: {kind: quadratic, start: [1.0]}\n",
                                               "training: {epochs: 1, seeds: [", seeds, "]}\n",
                                               "grid: {solvers: [{name: SGD}], base_lr: [",
                                               rates, "]}\n"),
                                  &sweep);
  EXPECT_EQ(huge.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(huge.error_message(), HasSubstr("1000000 jobs"));

  EXPECT_EQ(CountStoredSweeps(), 0);
  EXPECT_TRUE(Acquire(10).leases().empty());
}

TEST_F(ServiceTest, UnknownSweepIsNotFound) {
  {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::GetSweepRequest request;
    request.set_sweep_id("0123456789abcdef");
    v1::Sweep sweep;
    EXPECT_EQ(sweeps_->GetSweep(&context, request, &sweep).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::GetLeaderboardRequest request;
    request.set_sweep_id("0123456789abcdef");
    v1::GetLeaderboardResponse response;
    EXPECT_EQ(sweeps_->GetLeaderboard(&context, request, &response).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::ListJobsRequest request;
    request.set_sweep_id("0123456789abcdef");
    v1::ListJobsResponse response;
    EXPECT_EQ(sweeps_->ListJobs(&context, request, &response).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::CancelSweepRequest request;
    request.set_sweep_id("0123456789abcdef");
    v1::Sweep sweep;
    EXPECT_EQ(sweeps_->CancelSweep(&context, request, &sweep).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  {
    grpc::ClientContext context;
    SetDeadline(&context);
    v1::WatchSweepRequest request;
    request.set_sweep_id("0123456789abcdef");
    auto reader = sweeps_->WatchSweep(&context, request);
    v1::SweepProgress progress;
    EXPECT_FALSE(reader->Read(&progress));
    EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
  }
}

TEST_F(ServiceTest, FakeWorkerDrainsSweep) {
  v1::Sweep created = MustCreateSweep(kSmallSweep);
  EXPECT_EQ(created.counts().pending(), 12);
  EXPECT_EQ(created.config_count(), 6);

  EXPECT_EQ(RunFakeWorker(), 12);

  grpc::ClientContext sweep_context;
  SetDeadline(&sweep_context);
  v1::GetSweepRequest get;
  get.set_sweep_id(created.sweep_id());
  v1::Sweep sweep;
  ASSERT_TRUE(sweeps_->GetSweep(&sweep_context, get, &sweep).ok());
  EXPECT_EQ(sweep.state(), v1::Sweep::FINISHED);
  EXPECT_EQ(sweep.counts().succeeded(), 12);

  grpc::ClientContext board_context;
  SetDeadline(&board_context);
  v1::GetLeaderboardRequest board_request;
  board_request.set_sweep_id(created.sweep_id());
  v1::GetLeaderboardResponse board;
  grpc::Status status = sweeps_->GetLeaderboard(&board_context, board_request, &board);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(board.entries_size(), 6);
  EXPECT_EQ(board.objective().metric(), "train_loss");
  const v1::LeaderboardEntry& best = board.entries(0);
  EXPECT_EQ(best.solver().name(), "Adam");
  EXPECT_DOUBLE_EQ(best.base_lr(), 0.01);
  EXPECT_EQ(best.status(), v1::LeaderboardEntry::FINISHED);
  EXPECT_EQ(best.objective_count(), 2);
  // Seeds 0 and 1 add 0 and 0.01: mean 0.005, sample std 0.01 / sqrt(2).
  EXPECT_NEAR(best.objective_mean(), 0.005, 1e-12);
  EXPECT_NEAR(best.objective_std(), 0.01 / std::sqrt(2.0), 1e-12);
  EXPECT_EQ(board.entries(1).solver().name(), "SGD");
  EXPECT_DOUBLE_EQ(board.entries(1).base_lr(), 0.01);
  for (int i = 1; i < board.entries_size(); ++i) {
    EXPECT_LE(board.entries(i - 1).objective_mean(), board.entries(i).objective_mean());
  }

  grpc::ClientContext jobs_context;
  SetDeadline(&jobs_context);
  v1::ListJobsRequest jobs_request;
  jobs_request.set_sweep_id(created.sweep_id());
  jobs_request.set_config_id(best.config_id());
  jobs_request.set_include_curves(true);
  v1::ListJobsResponse jobs;
  ASSERT_TRUE(sweeps_->ListJobs(&jobs_context, jobs_request, &jobs).ok());
  ASSERT_EQ(jobs.jobs_size(), 2);
  EXPECT_EQ(jobs.jobs(0).state(), Job::SUCCEEDED);
  EXPECT_EQ(jobs.jobs(0).curve_size(), 3);
  EXPECT_EQ(jobs.jobs(0).worker_id(), "test-worker");
}

TEST_F(ServiceTest, StaleAndDuplicateCompletions) {
  MustCreateSweep(kSmallSweep);
  v1::AcquireJobsResponse acquired = Acquire(1);
  ASSERT_EQ(acquired.leases_size(), 1);
  v1::JobLease lease = acquired.leases(0);

  v1::CompleteJobResponse first;
  ASSERT_TRUE(Complete(lease, &first).ok());
  EXPECT_FALSE(first.duplicate());
  v1::CompleteJobResponse second;
  ASSERT_TRUE(Complete(lease, &second).ok());
  EXPECT_TRUE(second.duplicate());
  EXPECT_EQ(second.state(), Job::SUCCEEDED);

  v1::JobLease stale = lease;
  stale.set_attempt(lease.attempt() + 1);
  v1::CompleteJobResponse aborted;
  grpc::Status status = Complete(stale, &aborted);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
}

TEST_F(ServiceTest, CancelledSweepStopsWorker) {
  v1::Sweep created = MustCreateSweep(kSmallSweep);
  v1::AcquireJobsResponse acquired = Acquire(1);
  ASSERT_EQ(acquired.leases_size(), 1);

  grpc::ClientContext cancel_context;
  SetDeadline(&cancel_context);
  v1::CancelSweepRequest cancel;
  cancel.set_sweep_id(created.sweep_id());
  v1::Sweep cancelled;
  ASSERT_TRUE(sweeps_->CancelSweep(&cancel_context, cancel, &cancelled).ok());
  EXPECT_EQ(cancelled.state(), v1::Sweep::CANCELLED);
  EXPECT_EQ(cancelled.counts().cancelled(), 12);

  v1::ReportProgressResponse report;
  ASSERT_TRUE(Report(acquired.leases(0), &report).ok());
  EXPECT_TRUE(report.stop());
  EXPECT_EQ(report.reason(), v1::ReportProgressResponse::SWEEP_CANCELLED);

  v1::CompleteJobResponse completion;
  EXPECT_EQ(Complete(acquired.leases(0), &completion).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_TRUE(Acquire(10).leases().empty());
}

TEST_F(ServiceTest, WatchSweepStreamsUntilFinished) {
  v1::Sweep created = MustCreateSweep(kSmallSweep);
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::WatchSweepRequest request;
  request.set_sweep_id(created.sweep_id());
  auto reader = sweeps_->WatchSweep(&context, request);

  v1::SweepProgress first;
  ASSERT_TRUE(reader->Read(&first));
  EXPECT_EQ(first.state(), v1::Sweep::ACTIVE);
  EXPECT_EQ(first.counts().pending(), 12);
  EXPECT_FALSE(first.has_best());

  int completed = 0;
  std::thread worker([this, &completed] { completed = RunFakeWorker(); });
  std::vector<v1::SweepProgress> updates;
  v1::SweepProgress progress;
  while (reader->Read(&progress)) updates.push_back(progress);
  worker.join();
  grpc::Status status = reader->Finish();

  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(completed, 12);
  ASSERT_FALSE(updates.empty());
  const v1::SweepProgress& last = updates.back();
  EXPECT_EQ(last.state(), v1::Sweep::FINISHED);
  EXPECT_EQ(last.counts().succeeded(), 12);
  EXPECT_EQ(last.best().solver().name(), "Adam");
  int64_t succeeded = 0;
  for (const v1::SweepProgress& update : updates) {
    EXPECT_GE(update.counts().succeeded(), succeeded);
    succeeded = update.counts().succeeded();
  }
}

TEST_F(ServiceTest, WaitingAcquireGetsNewSweepsJobs) {
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::AcquireJobsRequest request;
  request.set_worker_id("test-worker");
  request.set_max_jobs(2);
  request.set_wait_seconds(20);
  v1::AcquireJobsResponse response;
  grpc::Status status;
  const auto start = std::chrono::steady_clock::now();
  std::thread waiting([&] { status = workers_->AcquireJobs(&context, request, &response); });

  // The call waits on the empty queue and takes the jobs of a sweep created
  // meanwhile, long before its 20 s wait ends.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  MustCreateSweep(kSmallSweep);
  waiting.join();
  const auto elapsed = std::chrono::steady_clock::now() - start;

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.leases_size(), 2);
  EXPECT_GE(elapsed, std::chrono::milliseconds(200));
  EXPECT_LT(elapsed, std::chrono::seconds(10));
}

TEST_F(ServiceTest, WaitingAcquireEndsEmptyAfterWait) {
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::AcquireJobsRequest request;
  request.set_worker_id("test-worker");
  request.set_max_jobs(2);
  request.set_wait_seconds(0.3);
  v1::AcquireJobsResponse response;
  const auto start = std::chrono::steady_clock::now();
  grpc::Status status = workers_->AcquireJobs(&context, request, &response);
  const auto elapsed = std::chrono::steady_clock::now() - start;

  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.leases_size(), 0);
  EXPECT_GE(elapsed, std::chrono::milliseconds(300));
  EXPECT_LT(elapsed, std::chrono::seconds(5));
}

TEST_F(ServiceTest, NegativeAcquireWaitIsInvalid) {
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::AcquireJobsRequest request;
  request.set_worker_id("test-worker");
  request.set_max_jobs(1);
  request.set_wait_seconds(-1);
  v1::AcquireJobsResponse response;
  grpc::Status status = workers_->AcquireJobs(&context, request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("wait_seconds"));
}

TEST_F(ServiceTest, ShutdownEndsWatchWithUnavailable) {
  v1::Sweep created = MustCreateSweep(kSmallSweep);
  grpc::ClientContext context;
  SetDeadline(&context);
  v1::WatchSweepRequest request;
  request.set_sweep_id(created.sweep_id());
  auto reader = sweeps_->WatchSweep(&context, request);
  v1::SweepProgress first;
  ASSERT_TRUE(reader->Read(&first));

  std::thread shutdown([this] { served_->server()->Shutdown(absl::Seconds(10)); });
  v1::SweepProgress progress;
  while (reader->Read(&progress)) {
  }
  grpc::Status status = reader->Finish();
  shutdown.join();

  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(status.error_message(), HasSubstr("shutting down"));
}

}  // namespace
}  // namespace lrsweep::coordinator
