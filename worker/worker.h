// Worker: pulls jobs from a coordinator over gRPC, trains them with the
// engine (one job per slot, one thread per slot) and reports back.
//
// Each slot takes a lease from a local queue that is refilled with
// AcquireJobs, trains the job, and completes it with CompleteJob, retrying
// with backoff while the coordinator is unavailable so that a finished result
// is not lost. A reporter thread sends ReportProgress after every epoch (at
// most a few times a second per job) and at least every few seconds, which
// keeps the lease alive, and stops a job when the reply requests it. It also
// extends the leases that wait in the local queue.
//
// Thread-safe: Shutdown() may be called from any thread, e.g. a signal
// watcher, while Run() blocks in another.
#ifndef LRSWEEP_WORKER_WORKER_H_
#define LRSWEEP_WORKER_WORKER_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"
#include "lrsweep/v1/sweep.grpc.pb.h"
#include "worker/dataset_cache.h"

namespace lrsweep::worker {

struct WorkerOptions {
  // Name sent with every request, for the coordinator's logs and Job.worker_id.
  std::string worker_id;
  // Jobs trained at once, one thread each.
  int slots = 1;
  // Leases fetched per slot when the local queue runs empty: enough for
  // `prefetch_work` of training at the mean duration of the jobs run so far,
  // between prefetch_per_slot and max_prefetch_per_slot. Short jobs then do
  // not wait for a round trip each, and long ones are not held back from
  // other workers. Jobs longer than half the lease take one lease per slot,
  // so that a waiting lease does not sit behind a long job while another
  // worker is idle.
  int prefetch_per_slot = 2;
  int max_prefetch_per_slot = 64;
  absl::Duration prefetch_work = absl::Milliseconds(20);
  // How long one AcquireJobs call waits on the coordinator for a job to be
  // queued (AcquireJobsRequest.wait_seconds), so that an idle worker starts
  // a new sweep's jobs at once.
  absl::Duration acquire_wait = absl::Seconds(5);
  // Backoff between AcquireJobs calls while the coordinator is unavailable
  // or replies at once with no leases: doubles from min to max.
  absl::Duration min_backoff = absl::Milliseconds(50);
  absl::Duration max_backoff = absl::Seconds(2);
  // A job with a new epoch is reported at most this often.
  absl::Duration min_report_interval = absl::Milliseconds(250);
  // A job without a new epoch, and every lease waiting in the local queue,
  // is reported this often to extend its lease, or every third of the lease
  // when that is shorter.
  absl::Duration keepalive_interval = absl::Seconds(5);
  // Deadline of each RPC.
  absl::Duration rpc_timeout = absl::Seconds(10);
  // After Shutdown(), running jobs may finish for this long; then they are
  // stopped and handed back.
  absl::Duration drain_timeout = absl::Seconds(30);
  // Return from Run() once the coordinator has had no job for this long;
  // zero means never (a long-running worker).
  absl::Duration exit_when_idle_for = absl::ZeroDuration();
};

class Worker {
 public:
  Worker(WorkerOptions options, std::shared_ptr<grpc::Channel> channel);
  ~Worker();

  // Works until Shutdown() is called (or, with exit_when_idle_for, until the
  // queue stays empty), then drains: takes no new job, lets running jobs
  // finish within drain_timeout, hands back unstarted leases, and returns.
  void Run();

  // Asks Run() to stop taking jobs and return after draining.
  void Shutdown();

  // Jobs completed (accepted by the coordinator) so far.
  int64_t completed_jobs() const { return completed_jobs_.load(); }

 private:
  struct ActiveJob;

  void RunSlot();
  bool NextLease(v1::JobLease* lease);
  // Returns the number of leases to request.
  int LeasesToRequest() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  bool FetchLeases(int max_jobs, absl::Duration wait);
  void RecordJobSeconds(double seconds);
  void RunLease(const v1::JobLease& lease);
  void Complete(const v1::CompleteJobRequest& request);
  void Release(const v1::JobLease& lease);
  void ReportLoop();
  void Report(ActiveJob* job);
  // Extends the lease of a job waiting in the local queue, and drops the
  // lease when the coordinator replies stop.
  void KeepLeaseAlive(const v1::JobLease& lease);
  // Returns how often a lease of `lease_seconds` is extended.
  absl::Duration KeepaliveInterval(int32_t lease_seconds) const;
  std::unique_ptr<grpc::ClientContext> NewContext() const;

  const WorkerOptions options_;
  std::unique_ptr<v1::WorkerService::Stub> stub_;
  DatasetCache datasets_;
  std::atomic<int64_t> completed_jobs_{0};

  mutable absl::Mutex mu_;
  // Signalled on every change of the fields below.
  absl::CondVar cv_;
  bool shutting_down_ ABSL_GUARDED_BY(mu_) = false;
  bool reporter_done_ ABSL_GUARDED_BY(mu_) = false;
  bool fetching_ ABSL_GUARDED_BY(mu_) = false;
  bool idle_exit_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<v1::JobLease> queue_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::shared_ptr<ActiveJob>> active_ ABSL_GUARDED_BY(mu_);
  int running_slots_ ABSL_GUARDED_BY(mu_) = 0;
  // The AcquireJobs call in flight, cancelled by Shutdown().
  grpc::ClientContext* fetch_context_ ABSL_GUARDED_BY(mu_) = nullptr;
  // Moving average of the jobs' training time in seconds; negative before
  // the first job.
  double mean_job_seconds_ ABSL_GUARDED_BY(mu_) = -1;
  // Lease length of the last lease received, in seconds; 0 before the first.
  int32_t lease_seconds_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace lrsweep::worker

#endif  // LRSWEEP_WORKER_WORKER_H_
