// The job queue and its leases, kept in the store.
//
// Workers pull. Acquire() leases PENDING jobs: each becomes RUNNING with its
// attempt number raised by one and a deadline of now + the sweep's
// limits.lease_seconds. The attempt number is the fencing token: progress
// reports and completions must carry it, and only the current attempt of a
// RUNNING job may change the job. ExpireLeases() takes back leases past
// their deadline: the job returns to PENDING while it has attempts left
// (limits.max_attempts) and is FAILED otherwise. Every change is committed
// before the method returns, so a restarted coordinator finds the queue
// where it stopped.
//
// Thread-safe: every method runs under the Database's mutex. Time is passed
// in, so callers (and tests) choose the clock.
#ifndef LRSWEEP_COORDINATOR_JOB_QUEUE_H_
#define LRSWEEP_COORDINATOR_JOB_QUEUE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "coordinator/sqlite.h"
#include "lrsweep/v1/sweep.pb.h"

namespace lrsweep::coordinator {

// Largest AcquireJobsRequest.max_jobs.
inline constexpr int kMaxJobsPerAcquire = 1000;

// A lease that ExpireLeases() took back.
struct ExpiredLease {
  std::string sweep_id;
  std::string job_id;
  std::string worker_id;
  int32_t attempt = 0;
  int32_t max_attempts = 0;
  // PENDING when the job was queued again, FAILED when it had no attempts
  // left.
  v1::Job::State new_state = v1::Job::STATE_UNSPECIFIED;
  // True when this was the sweep's last unfinished job.
  bool sweep_finished = false;
};

// The outcome of Complete().
struct Completion {
  v1::CompleteJobResponse response;
  std::string config_id;
  int32_t max_attempts = 0;
  // True when this completion finished the sweep's last unfinished job.
  bool sweep_finished = false;
};

class JobQueue {
 public:
  explicit JobQueue(Database* database) : database_(database) {}

  // Leases up to `max_jobs` PENDING jobs to `worker_id`, oldest sweep first
  // and in expansion order within a sweep. Returns an empty vector when no
  // job is queued. INVALID_ARGUMENT when `max_jobs` is outside
  // [1, kMaxJobsPerAcquire].
  absl::StatusOr<std::vector<v1::JobLease>> Acquire(const std::string& worker_id,
                                                    int max_jobs, absl::Time now);

  // Stores the reported curve and extends the lease to now + the sweep's
  // limits.lease_seconds, even when the deadline has passed but the lease
  // was not yet taken back. Replies stop with SWEEP_CANCELLED for a
  // cancelled job and with LEASE_LOST when the attempt is not the current
  // attempt of a RUNNING job. NOT_FOUND for an unknown job, INVALID_ARGUMENT
  // for a request without ids or attempt.
  absl::StatusOr<v1::ReportProgressResponse> ReportProgress(
      const v1::ReportProgressRequest& request, absl::Time now);

  // Stores the result of the request's attempt:
  // - SUCCEEDED: the metrics, the curve and the objective read from the
  //   metrics by the sweep's objective.metric;
  // - DIVERGED: the metrics and the curve, without an objective;
  // - FAILED: the error; the job returns to PENDING while it has attempts
  //   left and is FAILED otherwise.
  // A second completion of an attempt already completed changes nothing and
  // returns duplicate = true with the job's current state. Errors: NOT_FOUND
  // for an unknown job; INVALID_ARGUMENT for a state other than those three,
  // SUCCEEDED without metrics or FAILED without an error; FAILED_PRECONDITION
  // for a cancelled job; ABORTED when the attempt is not the current attempt
  // of a RUNNING job.
  absl::StatusOr<Completion> Complete(const v1::CompleteJobRequest& request, absl::Time now);

  // Returns the RUNNING job leased at the request's attempt to the queue
  // without using up the attempt: the job is PENDING again with the attempt
  // count it had before the lease, so the next lease gets the same attempt
  // number. A cancelled job stays CANCELLED. ABORTED when the attempt is not
  // the current attempt of a RUNNING job, NOT_FOUND for an unknown job.
  absl::StatusOr<v1::ReleaseJobResponse> Release(const v1::ReleaseJobRequest& request,
                                                 absl::Time now);

  // Takes back every lease whose deadline is before `now` and returns them.
  absl::StatusOr<std::vector<ExpiredLease>> ExpireLeases(absl::Time now);

 private:
  Database* database_;
};

}  // namespace lrsweep::coordinator

#endif  // LRSWEEP_COORDINATOR_JOB_QUEUE_H_
