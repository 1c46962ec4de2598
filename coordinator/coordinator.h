// The coordinator's domain API: everything SweepService and WorkerService
// do, as plain functions over request and response messages with
// absl::Status errors. The gRPC services are thin adapters over this class,
// and an embedded coordinator (`lrsweep run`) can use it directly.
//
// A Coordinator owns the store, a background thread that takes back expired
// leases, and the change notification that WatchSweep waits on. It logs the
// lifecycle of sweeps and jobs. Thread-safe.
//
// Example:
//   CoordinatorOptions options;
//   options.db_path = "lrsweep.db";
//   ASSIGN_OR_RETURN(auto coordinator, Coordinator::Open(options));
//   v1::CreateSweepRequest request;
//   request.set_spec_text(yaml);
//   ASSIGN_OR_RETURN(v1::Sweep sweep, coordinator->CreateSweep(request));
#ifndef LRSWEEP_COORDINATOR_COORDINATOR_H_
#define LRSWEEP_COORDINATOR_COORDINATOR_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/random/random.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "coordinator/job_queue.h"
#include "coordinator/leaderboard.h"
#include "coordinator/sqlite.h"
#include "coordinator/sweep_store.h"
#include "lrsweep/v1/sweep.pb.h"

namespace lrsweep::coordinator {

struct CoordinatorOptions {
  // Path of the SQLite store, created when missing.
  std::string db_path = "lrsweep.db";
  // Largest number of jobs one sweep may expand to on this coordinator,
  // even when the spec's limits.max_jobs is higher.
  int64_t max_jobs_per_sweep = 1000000;
  // How often the background thread takes back expired leases.
  absl::Duration lease_check_interval = absl::Seconds(1);
  // Maximum wait of WatchSweep between two checks for the end of the call.
  absl::Duration watch_poll_interval = absl::Seconds(1);
  // Minimum time between two WatchSweep messages: changes within it are
  // sent together, so that a sweep of short jobs does not send (and read
  // the store for) one message per job.
  absl::Duration watch_min_interval = absl::Milliseconds(100);
};

// Maximum wait of one AcquireJobs call for a queued job
// (AcquireJobsRequest.wait_seconds).
inline constexpr absl::Duration kMaxAcquireWait = absl::Seconds(60);

class Coordinator {
 public:
  // Locks `db_path`.lock, opens the store, takes back the leases that
  // expired while no coordinator ran, and starts the background thread.
  // FAILED_PRECONDITION when another coordinator has the store open; errors
  // of OpenStore().
  static absl::StatusOr<std::unique_ptr<Coordinator>> Open(const CoordinatorOptions& options);

  // Calls Stop() and closes the store.
  ~Coordinator();

  Coordinator(const Coordinator&) = delete;
  Coordinator& operator=(const Coordinator&) = delete;

  // SweepService. Each returns the errors documented on its RPC in
  // sweep.proto; a missing sweep_id is INVALID_ARGUMENT.
  absl::StatusOr<v1::Sweep> CreateSweep(const v1::CreateSweepRequest& request);
  absl::StatusOr<v1::Sweep> GetSweep(const v1::GetSweepRequest& request);
  absl::StatusOr<v1::ListSweepsResponse> ListSweeps(const v1::ListSweepsRequest& request);
  absl::StatusOr<v1::Sweep> CancelSweep(const v1::CancelSweepRequest& request);
  absl::StatusOr<v1::GetLeaderboardResponse> GetLeaderboard(
      const v1::GetLeaderboardRequest& request);
  absl::StatusOr<v1::ListJobsResponse> ListJobs(const v1::ListJobsRequest& request);

  // Returns the sweep's current progress. NOT_FOUND for an unknown sweep.
  absl::StatusOr<v1::SweepProgress> GetProgress(const std::string& sweep_id);

  // Calls `send` with the sweep's progress now and after every change, until
  // the sweep is FINISHED or CANCELLED (returns OK). Returns CANCELLED when
  // `cancelled` returns true or `send` returns false (the client left), and
  // UNAVAILABLE once Stop() was called.
  absl::Status WatchSweep(const v1::WatchSweepRequest& request,
                          const std::function<bool(const v1::SweepProgress&)>& send,
                          const std::function<bool()>& cancelled);

  // WorkerService. AcquireJobs first takes back expired leases, so a worker
  // never waits for the background thread to see them. With an empty queue
  // it waits up to request.wait_seconds for a job to be queued (a new sweep,
  // an expired or released lease, a failed attempt to retry), for Stop() or
  // until `cancelled` returns true.
  absl::StatusOr<v1::AcquireJobsResponse> AcquireJobs(
      const v1::AcquireJobsRequest& request,
      const std::function<bool()>& cancelled = [] { return false; });
  absl::StatusOr<v1::ReportProgressResponse> ReportProgress(
      const v1::ReportProgressRequest& request);
  absl::StatusOr<v1::CompleteJobResponse> CompleteJob(const v1::CompleteJobRequest& request);
  absl::StatusOr<v1::ReleaseJobResponse> ReleaseJob(const v1::ReleaseJobRequest& request);

  // Takes back expired leases now and logs them; the background thread calls
  // this every lease_check_interval.
  absl::Status ExpireLeases();

  // Ends every WatchSweep call and the background thread. The other methods
  // keep working until the Coordinator is destroyed, so that calls in flight
  // during a graceful shutdown can finish. Idempotent.
  void Stop() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  Coordinator(const CoordinatorOptions& options, std::unique_ptr<Database> database);

  void RunLeaseChecks() ABSL_LOCKS_EXCLUDED(mu_);
  // Wakes WatchSweep calls after a change of job states.
  void NotifyChange() ABSL_LOCKS_EXCLUDED(mu_);
  int64_t ChangeCount() const ABSL_LOCKS_EXCLUDED(mu_);
  // Waits until the change count differs from `seen`, Stop() is called or
  // `timeout` passes; returns the change count.
  int64_t AwaitChange(int64_t seen, absl::Duration timeout) ABSL_LOCKS_EXCLUDED(mu_);
  // Wakes AcquireJobs calls waiting for a job after jobs were queued.
  void NotifyQueued() ABSL_LOCKS_EXCLUDED(mu_);
  int64_t QueuedCount() const ABSL_LOCKS_EXCLUDED(mu_);
  // Waits until the queued count differs from `seen`, Stop() is called or
  // `deadline` passes.
  void AwaitQueued(int64_t seen, absl::Time deadline) ABSL_LOCKS_EXCLUDED(mu_);
  // Waits until `deadline` or Stop(), whichever comes first.
  void SleepUnlessStopped(absl::Time deadline) ABSL_LOCKS_EXCLUDED(mu_);
  bool stopped() const ABSL_LOCKS_EXCLUDED(mu_);
  std::string NewSweepId() ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<v1::SweepSpec> SpecFromRequest(const v1::CreateSweepRequest& request) const;

  const CoordinatorOptions options_;
  std::unique_ptr<Database> database_;
  SweepStore sweeps_;
  JobQueue queue_;
  Leaderboard leaderboard_;

  mutable absl::Mutex mu_;
  // Grows by one with every change of a job state.
  int64_t change_count_ ABSL_GUARDED_BY(mu_) = 0;
  // Grows by one whenever jobs become PENDING.
  int64_t queued_count_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  absl::BitGen random_ ABSL_GUARDED_BY(mu_);
  std::thread lease_checker_;
  // Holds an exclusive flock on `db_path`.lock while the store is open.
  int lock_fd_ = -1;
};

}  // namespace lrsweep::coordinator

#endif  // LRSWEEP_COORDINATOR_COORDINATOR_H_
