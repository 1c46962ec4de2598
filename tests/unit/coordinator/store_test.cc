// Tests of SweepStore and JobQueue on a real SQLite file: atomic creation,
// the lease state machine, fencing by attempt number and recovery after the
// store is closed and opened again.
#include <string>
#include <vector>

#include "coordinator/job_queue.h"
#include "coordinator/schema.h"
#include "coordinator/sweep_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unit/coordinator/store_test_util.h"

namespace lrsweep::coordinator {
namespace {

using ::testing::HasSubstr;
using testing::FreshDbPath;
using testing::MakeGrid;
using testing::MakeSpec;
using testing::MustOpen;
using testing::Succeeded;
using testing::T0;
using v1::Job;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = FreshDbPath();
    Open();
  }

  void Open() {
    database_ = MustOpen(path_);
    ASSERT_NE(database_, nullptr);
    sweeps_ = std::make_unique<SweepStore>(database_.get());
    queue_ = std::make_unique<JobQueue>(database_.get());
  }

  // Closes the store as a crashed coordinator would leave it: nothing is
  // flushed beyond what was committed.
  void Reopen() {
    sweeps_.reset();
    queue_.reset();
    database_.reset();
    Open();
  }

  v1::Sweep CreateSweep(const std::string& id, int configs, int seeds,
                        const v1::SweepSpec& spec = MakeSpec()) {
    auto sweep = sweeps_->Create(id, spec, MakeGrid(configs, seeds), T0());
    EXPECT_TRUE(sweep.ok()) << sweep.status();
    return sweep.ok() ? *sweep : v1::Sweep();
  }

  std::vector<v1::JobLease> Acquire(int max_jobs, absl::Time now = T0()) {
    auto leases = queue_->Acquire("worker-1", max_jobs, now);
    EXPECT_TRUE(leases.ok()) << leases.status();
    return leases.ok() ? *leases : std::vector<v1::JobLease>();
  }

  Job GetJob(const std::string& sweep_id, const std::string& job_id, bool curves = false) {
    v1::ListJobsRequest request;
    request.set_sweep_id(sweep_id);
    request.set_page_size(1000);
    request.set_include_curves(curves);
    auto jobs = sweeps_->ListJobs(request);
    EXPECT_TRUE(jobs.ok()) << jobs.status();
    if (jobs.ok()) {
      for (const Job& job : jobs->jobs()) {
        if (job.job_id() == job_id) return job;
      }
    }
    ADD_FAILURE() << "job " << job_id << " not found";
    return Job();
  }

  std::string path_;
  std::unique_ptr<Database> database_;
  std::unique_ptr<SweepStore> sweeps_;
  std::unique_ptr<JobQueue> queue_;
};

TEST_F(StoreTest, CreateStoresSweepAndJobs) {
  v1::Sweep sweep = CreateSweep("sweep-a", 3, 2);

  EXPECT_EQ(sweep.sweep_id(), "sweep-a");
  EXPECT_EQ(sweep.name(), "test-sweep");
  EXPECT_EQ(sweep.state(), v1::Sweep::ACTIVE);
  EXPECT_EQ(sweep.counts().pending(), 6);
  EXPECT_EQ(sweep.counts().total(), 6);
  EXPECT_EQ(sweep.config_count(), 3);
  EXPECT_EQ(sweep.spec().objective().metric(), "val_loss");

  v1::ListJobsRequest request;
  request.set_sweep_id("sweep-a");
  auto jobs = sweeps_->ListJobs(request);
  ASSERT_TRUE(jobs.ok()) << jobs.status();
  ASSERT_EQ(jobs->jobs_size(), 6);
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(jobs->jobs(i).index(), i);
    EXPECT_EQ(jobs->jobs(i).state(), Job::PENDING);
    EXPECT_EQ(jobs->jobs(i).attempt(), 0);
  }
  EXPECT_EQ(jobs->jobs(5).job_id(), "cfg000002-s1");
  EXPECT_EQ(jobs->jobs(5).spec().seed(), 1);
}

TEST_F(StoreTest, FailedCreateStoresNothing) {
  spec::ExpandedGrid grid = MakeGrid(2, 2);
  // A repeated job id violates the unique key on the last insert, after the
  // sweep row and the other jobs were written in the same transaction.
  grid.job_ids.back() = grid.job_ids.front();

  auto sweep = sweeps_->Create("sweep-a", MakeSpec(), grid, T0());
  ASSERT_FALSE(sweep.ok());
  EXPECT_THAT(sweep.status().message(), HasSubstr("UNIQUE"));

  EXPECT_EQ(sweeps_->Get("sweep-a").status().code(), absl::StatusCode::kNotFound);
  auto list = sweeps_->List(v1::ListSweepsRequest());
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->sweeps_size(), 0);
  EXPECT_TRUE(Acquire(10).empty());
}

TEST_F(StoreTest, UnknownSweepIsNotFound) {
  EXPECT_EQ(sweeps_->Get("nope").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(sweeps_->Cancel("nope", T0()).status().code(), absl::StatusCode::kNotFound);
  v1::ListJobsRequest request;
  request.set_sweep_id("nope");
  EXPECT_EQ(sweeps_->ListJobs(request).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(StoreTest, AcquireLeasesInQueueOrder) {
  CreateSweep("sweep-a", 2, 1);
  CreateSweep("sweep-b", 2, 1);

  std::vector<v1::JobLease> leases = Acquire(3);
  ASSERT_EQ(leases.size(), 3u);
  EXPECT_EQ(leases[0].sweep_id(), "sweep-a");
  EXPECT_EQ(leases[0].job_id(), "cfg000000-s0");
  EXPECT_EQ(leases[1].job_id(), "cfg000001-s0");
  EXPECT_EQ(leases[2].sweep_id(), "sweep-b");
  for (const v1::JobLease& lease : leases) {
    EXPECT_EQ(lease.attempt(), 1);
    EXPECT_EQ(lease.lease_seconds(), 60);
  }
  EXPECT_EQ(leases[1].spec().base_lr(), 0.002);

  auto sweep = sweeps_->Get("sweep-a");
  ASSERT_TRUE(sweep.ok()) << sweep.status();
  EXPECT_EQ(sweep->counts().running(), 2);
  EXPECT_EQ(sweep->counts().pending(), 0);
  EXPECT_EQ(Acquire(10).size(), 1u);
  EXPECT_TRUE(Acquire(10).empty());
}

TEST_F(StoreTest, AcquireRejectsInvalidMaxJobs) {
  EXPECT_EQ(queue_->Acquire("w", 0, T0()).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(queue_->Acquire("w", kMaxJobsPerAcquire + 1, T0()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, ExpiredLeaseRequeuesWithNextAttempt) {
  CreateSweep("sweep-a", 1, 1);
  ASSERT_EQ(Acquire(1).size(), 1u);

  // A lease is not taken back before its deadline.
  auto early = queue_->ExpireLeases(T0() + absl::Seconds(59));
  ASSERT_TRUE(early.ok()) << early.status();
  EXPECT_TRUE(early->empty());

  auto expired = queue_->ExpireLeases(T0() + absl::Seconds(61));
  ASSERT_TRUE(expired.ok()) << expired.status();
  ASSERT_EQ(expired->size(), 1u);
  EXPECT_EQ((*expired)[0].attempt, 1);
  EXPECT_EQ((*expired)[0].worker_id, "worker-1");
  EXPECT_EQ((*expired)[0].new_state, Job::PENDING);

  Job job = GetJob("sweep-a", "cfg000000-s0");
  EXPECT_EQ(job.state(), Job::PENDING);
  EXPECT_THAT(job.error(), HasSubstr("lease of attempt 1 expired"));

  std::vector<v1::JobLease> again = Acquire(1, T0() + absl::Seconds(62));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempt(), 2);
}

TEST_F(StoreTest, LeaseExpiryFailsJobAfterMaxAttempts) {
  CreateSweep("sweep-a", 1, 1, MakeSpec("val_loss", "min", /*max_attempts=*/2));
  absl::Time now = T0();
  for (int attempt = 1; attempt <= 2; ++attempt) {
    SCOPED_TRACE(absl::StrCat("attempt ", attempt));
    std::vector<v1::JobLease> leases = Acquire(1, now);
    ASSERT_EQ(leases.size(), 1u);
    EXPECT_EQ(leases[0].attempt(), attempt);
    now += absl::Seconds(61);
    auto expired = queue_->ExpireLeases(now);
    ASSERT_TRUE(expired.ok()) << expired.status();
    ASSERT_EQ(expired->size(), 1u);
    EXPECT_EQ((*expired)[0].new_state, attempt < 2 ? Job::PENDING : Job::FAILED);
    EXPECT_EQ((*expired)[0].sweep_finished, attempt == 2);
  }

  EXPECT_TRUE(Acquire(1, now).empty());
  Job job = GetJob("sweep-a", "cfg000000-s0");
  EXPECT_EQ(job.state(), Job::FAILED);
  EXPECT_EQ(job.attempt(), 2);
  EXPECT_THAT(job.error(), HasSubstr("no attempts left"));

  auto sweep = sweeps_->Get("sweep-a");
  ASSERT_TRUE(sweep.ok()) << sweep.status();
  EXPECT_EQ(sweep->counts().failed(), 1);
  EXPECT_EQ(sweep->state(), v1::Sweep::FINISHED);
}

TEST_F(StoreTest, ReleasedJobIsQueuedWithoutUsingAttempt) {
  v1::SweepSpec spec = MakeSpec();
  spec.mutable_limits()->set_max_attempts(1);
  CreateSweep("sweep-a", 1, 1, spec);
  std::vector<v1::JobLease> leases = Acquire(1);
  ASSERT_EQ(leases.size(), 1u);
  EXPECT_EQ(leases[0].attempt(), 1);

  v1::ReleaseJobRequest release;
  release.set_sweep_id("sweep-a");
  release.set_job_id(leases[0].job_id());
  release.set_attempt(leases[0].attempt());
  release.set_worker_id("worker-1");
  auto reply = queue_->Release(release, T0() + absl::Seconds(1));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(reply->state(), Job::PENDING);
  Job job = GetJob("sweep-a", leases[0].job_id());
  EXPECT_EQ(job.state(), Job::PENDING);
  EXPECT_EQ(job.attempt(), 0);
  EXPECT_EQ(sweeps_->Get("sweep-a")->counts().pending(), 1);
  EXPECT_EQ(sweeps_->Get("sweep-a")->counts().running(), 0);

  // With max_attempts 1 the job can still run: the release cost nothing.
  std::vector<v1::JobLease> again = Acquire(1, T0() + absl::Seconds(2));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].attempt(), 1);
  auto done = queue_->Complete(Succeeded(again[0], 0.5), T0() + absl::Seconds(3));
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(done->response.state(), Job::SUCCEEDED);

  // The same release again is stale now.
  EXPECT_EQ(queue_->Release(release, T0() + absl::Seconds(4)).status().code(),
            absl::StatusCode::kAborted);
}

TEST_F(StoreTest, ProgressReportExtendsLease) {
  CreateSweep("sweep-a", 1, 1);
  std::vector<v1::JobLease> leases = Acquire(1);
  ASSERT_EQ(leases.size(), 1u);

  v1::ReportProgressRequest report;
  report.set_sweep_id("sweep-a");
  report.set_job_id(leases[0].job_id());
  report.set_attempt(1);
  report.set_worker_id("worker-1");
  v1::EpochPoint* point = report.add_curve();
  point->set_epoch(1);
  point->set_train_loss(0.5);
  auto reply = queue_->ReportProgress(report, T0() + absl::Seconds(50));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_FALSE(reply->stop());
  EXPECT_EQ(reply->lease_seconds(), 60);

  // The deadline is now 50 + 60 s after the start.
  auto expired = queue_->ExpireLeases(T0() + absl::Seconds(100));
  ASSERT_TRUE(expired.ok()) << expired.status();
  EXPECT_TRUE(expired->empty());
  Job job = GetJob("sweep-a", leases[0].job_id(), /*curves=*/true);
  ASSERT_EQ(job.curve_size(), 1);
  EXPECT_EQ(job.curve(0).train_loss(), 0.5);

  expired = queue_->ExpireLeases(T0() + absl::Seconds(111));
  ASSERT_TRUE(expired.ok()) << expired.status();
  EXPECT_EQ(expired->size(), 1u);
}

TEST_F(StoreTest, ReportForLostLeaseRepliesStop) {
  CreateSweep("sweep-a", 1, 1);
  ASSERT_EQ(Acquire(1).size(), 1u);
  ASSERT_TRUE(queue_->ExpireLeases(T0() + absl::Seconds(61)).ok());

  v1::ReportProgressRequest report;
  report.set_sweep_id("sweep-a");
  report.set_job_id("cfg000000-s0");
  report.set_attempt(1);
  auto reply = queue_->ReportProgress(report, T0() + absl::Seconds(62));
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_TRUE(reply->stop());
  EXPECT_EQ(reply->reason(), v1::ReportProgressResponse::LEASE_LOST);
}

TEST_F(StoreTest, ReportForUnknownJobIsNotFound) {
  CreateSweep("sweep-a", 1, 1);
  v1::ReportProgressRequest report;
  report.set_sweep_id("sweep-a");
  report.set_job_id("no-such-job");
  report.set_attempt(1);
  EXPECT_EQ(queue_->ReportProgress(report, T0()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(StoreTest, StaleAttemptIsAborted) {
  CreateSweep("sweep-a", 1, 1);
  std::vector<v1::JobLease> first = Acquire(1);
  ASSERT_EQ(first.size(), 1u);
  ASSERT_TRUE(queue_->ExpireLeases(T0() + absl::Seconds(61)).ok());
  std::vector<v1::JobLease> second = Acquire(1, T0() + absl::Seconds(62));
  ASSERT_EQ(second.size(), 1u);
  ASSERT_EQ(second[0].attempt(), 2);

  auto stale = queue_->Complete(Succeeded(first[0], 0.5), T0() + absl::Seconds(63));
  EXPECT_EQ(stale.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(stale.status().message(), HasSubstr("attempt 1"));

  auto current = queue_->Complete(Succeeded(second[0], 0.25), T0() + absl::Seconds(64));
  ASSERT_TRUE(current.ok()) << current.status();
  EXPECT_EQ(current->response.state(), Job::SUCCEEDED);
  EXPECT_EQ(GetJob("sweep-a", "cfg000000-s0").objective(), 0.25);
}

TEST_F(StoreTest, DuplicateCompletionIsStoredOnce) {
  CreateSweep("sweep-a", 1, 2);
  std::vector<v1::JobLease> leases = Acquire(1);
  ASSERT_EQ(leases.size(), 1u);

  auto first = queue_->Complete(Succeeded(leases[0], 0.5), T0());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->response.duplicate());
  EXPECT_EQ(first->response.objective(), 0.5);

  auto second = queue_->Complete(Succeeded(leases[0], 0.5), T0() + absl::Seconds(1));
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_TRUE(second->response.duplicate());
  EXPECT_EQ(second->response.state(), Job::SUCCEEDED);
  EXPECT_EQ(second->response.objective(), 0.5);

  auto sweep = sweeps_->Get("sweep-a");
  ASSERT_TRUE(sweep.ok()) << sweep.status();
  EXPECT_EQ(sweep->counts().succeeded(), 1);
  EXPECT_EQ(sweep->counts().pending(), 1);
  EXPECT_EQ(sweep->counts().running(), 0);
}

TEST_F(StoreTest, FailedCompletionRetriesThenFails) {
  CreateSweep("sweep-a", 1, 1, MakeSpec("val_loss", "min", /*max_attempts=*/2));
  for (int attempt = 1; attempt <= 2; ++attempt) {
    SCOPED_TRACE(absl::StrCat("attempt ", attempt));
    std::vector<v1::JobLease> leases = Acquire(1);
    ASSERT_EQ(leases.size(), 1u);
    v1::CompleteJobRequest failed;
    failed.set_sweep_id("sweep-a");
    failed.set_job_id(leases[0].job_id());
    failed.set_attempt(leases[0].attempt());
    failed.set_state(Job::FAILED);
    failed.set_error(absl::StrCat("dataset unreadable, attempt ", attempt));
    auto completion = queue_->Complete(failed, T0());
    ASSERT_TRUE(completion.ok()) << completion.status();
    EXPECT_EQ(completion->response.state(), attempt < 2 ? Job::PENDING : Job::FAILED);

    // The same failure sent again is a duplicate, also after the requeue.
    auto again = queue_->Complete(failed, T0());
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_TRUE(again->response.duplicate());
  }
  Job job = GetJob("sweep-a", "cfg000000-s0");
  EXPECT_EQ(job.state(), Job::FAILED);
  EXPECT_EQ(job.error(), "dataset unreadable, attempt 2");
}

TEST_F(StoreTest, CompletionRequiresValidState) {
  CreateSweep("sweep-a", 1, 1);
  std::vector<v1::JobLease> leases = Acquire(1);
  ASSERT_EQ(leases.size(), 1u);

  v1::CompleteJobRequest running = Succeeded(leases[0], 0.5);
  running.set_state(Job::RUNNING);
  EXPECT_EQ(queue_->Complete(running, T0()).status().code(),
            absl::StatusCode::kInvalidArgument);

  v1::CompleteJobRequest no_metrics = Succeeded(leases[0], 0.5);
  no_metrics.clear_metrics();
  EXPECT_EQ(queue_->Complete(no_metrics, T0()).status().code(),
            absl::StatusCode::kInvalidArgument);

  v1::CompleteJobRequest no_error = Succeeded(leases[0], 0.5);
  no_error.set_state(Job::FAILED);
  EXPECT_EQ(queue_->Complete(no_error, T0()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, DivergedJobHasNoObjective) {
  CreateSweep("sweep-a", 1, 1);
  std::vector<v1::JobLease> leases = Acquire(1);
  ASSERT_EQ(leases.size(), 1u);
  v1::CompleteJobRequest diverged = Succeeded(leases[0], 1e30);
  diverged.set_state(Job::DIVERGED);
  diverged.set_error("train_loss became inf at step 12");

  auto completion = queue_->Complete(diverged, T0());
  ASSERT_TRUE(completion.ok()) << completion.status();
  EXPECT_EQ(completion->response.state(), Job::DIVERGED);
  EXPECT_FALSE(completion->response.has_objective());
  Job job = GetJob("sweep-a", "cfg000000-s0");
  EXPECT_EQ(job.state(), Job::DIVERGED);
  EXPECT_FALSE(job.has_objective());
  EXPECT_EQ(job.error(), "train_loss became inf at step 12");
}

TEST_F(StoreTest, CancelStopsQueuedAndRunningJobs) {
  CreateSweep("sweep-a", 2, 1);
  std::vector<v1::JobLease> leases = Acquire(1);
  ASSERT_EQ(leases.size(), 1u);

  auto cancelled = sweeps_->Cancel("sweep-a", T0());
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->cancelled_jobs, 2);
  EXPECT_EQ(cancelled->sweep.state(), v1::Sweep::CANCELLED);
  EXPECT_EQ(cancelled->sweep.counts().cancelled(), 2);
  EXPECT_EQ(cancelled->sweep.counts().running(), 0);
  EXPECT_TRUE(cancelled->sweep.has_finish_time());

  v1::ReportProgressRequest report;
  report.set_sweep_id("sweep-a");
  report.set_job_id(leases[0].job_id());
  report.set_attempt(1);
  auto reply = queue_->ReportProgress(report, T0());
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_TRUE(reply->stop());
  EXPECT_EQ(reply->reason(), v1::ReportProgressResponse::SWEEP_CANCELLED);

  EXPECT_EQ(queue_->Complete(Succeeded(leases[0], 0.5), T0()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Acquire(10).empty());

  // Cancelling again is a no-op.
  auto again = sweeps_->Cancel("sweep-a", T0());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->cancelled_jobs, 0);
}

TEST_F(StoreTest, CancelFinishedSweepIsFailedPrecondition) {
  CreateSweep("sweep-a", 1, 1);
  std::vector<v1::JobLease> leases = Acquire(1);
  ASSERT_EQ(leases.size(), 1u);
  ASSERT_TRUE(queue_->Complete(Succeeded(leases[0], 0.5), T0()).ok());

  EXPECT_EQ(sweeps_->Cancel("sweep-a", T0()).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(StoreTest, SweepFinishesWhenEveryJobIsFinal) {
  CreateSweep("sweep-a", 2, 1);
  std::vector<v1::JobLease> leases = Acquire(2);
  ASSERT_EQ(leases.size(), 2u);
  auto first = queue_->Complete(Succeeded(leases[0], 0.5), T0());
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->sweep_finished);
  auto active = sweeps_->Get("sweep-a");
  ASSERT_TRUE(active.ok()) << active.status();
  EXPECT_EQ(active->state(), v1::Sweep::ACTIVE);
  EXPECT_FALSE(active->has_finish_time());

  auto last = queue_->Complete(Succeeded(leases[1], 0.4), T0() + absl::Seconds(5));
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_TRUE(last->sweep_finished);
  auto finished = sweeps_->Get("sweep-a");
  ASSERT_TRUE(finished.ok()) << finished.status();
  EXPECT_EQ(finished->state(), v1::Sweep::FINISHED);
  EXPECT_EQ(finished->finish_time().seconds(), absl::ToUnixSeconds(T0()) + 5);
}

TEST_F(StoreTest, ReopenKeepsFinishedResults) {
  CreateSweep("sweep-a", 2, 1);
  std::vector<v1::JobLease> leases = Acquire(2);
  ASSERT_EQ(leases.size(), 2u);
  ASSERT_TRUE(queue_->Complete(Succeeded(leases[0], 0.125), T0()).ok());

  Reopen();

  Job finished = GetJob("sweep-a", leases[0].job_id(), /*curves=*/true);
  EXPECT_EQ(finished.state(), Job::SUCCEEDED);
  EXPECT_EQ(finished.objective(), 0.125);
  EXPECT_EQ(finished.metrics().val_loss(), 0.125);
  EXPECT_EQ(finished.curve_size(), 1);

  // The job that was running when the store closed goes back to the queue
  // once its lease expires, with the next attempt number.
  EXPECT_EQ(GetJob("sweep-a", leases[1].job_id()).state(), Job::RUNNING);
  auto expired = queue_->ExpireLeases(T0() + absl::Seconds(61));
  ASSERT_TRUE(expired.ok()) << expired.status();
  ASSERT_EQ(expired->size(), 1u);
  std::vector<v1::JobLease> again = Acquire(1, T0() + absl::Seconds(61));
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].job_id(), leases[1].job_id());
  EXPECT_EQ(again[0].attempt(), 2);
}

TEST_F(StoreTest, ListJobsPagesAndFilters) {
  CreateSweep("sweep-a", 5, 2);
  std::vector<v1::JobLease> leases = Acquire(3);
  ASSERT_EQ(leases.size(), 3u);

  v1::ListJobsRequest request;
  request.set_sweep_id("sweep-a");
  request.set_page_size(4);
  std::vector<std::string> seen;
  for (int page = 0; page < 10; ++page) {
    auto response = sweeps_->ListJobs(request);
    ASSERT_TRUE(response.ok()) << response.status();
    for (const Job& job : response->jobs()) seen.push_back(job.job_id());
    if (response->next_page_token().empty()) break;
    request.set_page_token(response->next_page_token());
  }
  EXPECT_EQ(seen.size(), 10u);
  EXPECT_EQ(seen.front(), "cfg000000-s0");
  EXPECT_EQ(seen.back(), "cfg000004-s1");

  v1::ListJobsRequest running;
  running.set_sweep_id("sweep-a");
  running.add_states(Job::RUNNING);
  auto running_jobs = sweeps_->ListJobs(running);
  ASSERT_TRUE(running_jobs.ok()) << running_jobs.status();
  EXPECT_EQ(running_jobs->jobs_size(), 3);

  v1::ListJobsRequest one_config;
  one_config.set_sweep_id("sweep-a");
  one_config.set_config_id("cfg000003");
  auto config_jobs = sweeps_->ListJobs(one_config);
  ASSERT_TRUE(config_jobs.ok()) << config_jobs.status();
  ASSERT_EQ(config_jobs->jobs_size(), 2);
  EXPECT_EQ(config_jobs->jobs(0).job_id(), "cfg000003-s0");

  v1::ListJobsRequest bad_state;
  bad_state.set_sweep_id("sweep-a");
  bad_state.add_states(Job::STATE_UNSPECIFIED);
  EXPECT_EQ(sweeps_->ListJobs(bad_state).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, ListSweepsNewestFirstInPages) {
  for (int i = 0; i < 5; ++i) CreateSweep(absl::StrCat("sweep-", i), 1, 1);

  v1::ListSweepsRequest request;
  request.set_page_size(2);
  std::vector<std::string> seen;
  for (int page = 0; page < 10; ++page) {
    auto response = sweeps_->List(request);
    ASSERT_TRUE(response.ok()) << response.status();
    for (const v1::Sweep& sweep : response->sweeps()) seen.push_back(sweep.sweep_id());
    if (response->next_page_token().empty()) break;
    request.set_page_token(response->next_page_token());
  }
  EXPECT_THAT(seen, ::testing::ElementsAre("sweep-4", "sweep-3", "sweep-2", "sweep-1",
                                           "sweep-0"));

  request.set_page_token("not a token");
  EXPECT_EQ(sweeps_->List(request).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(StoreTest, NewerSchemaIsRejected) {
  ASSERT_TRUE(database_->Write([](Connection& connection) {
    return connection.Execute("PRAGMA user_version = 99");
  }).ok());
  database_.reset();
  sweeps_.reset();
  queue_.reset();

  auto reopened = OpenStore(path_);
  EXPECT_EQ(reopened.status().code(), absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace lrsweep::coordinator
