// Worker: pulls jobs from a coordinator over gRPC, trains them with the
// engine (one job per slot, one thread per slot) and reports back.
//
// Each slot takes a lease from a local queue that is refilled with
// AcquireJobs, trains the job, and completes it with CompleteJob, retrying
// with backoff while the coordinator is unavailable so that a finished result
// is not lost. A reporter thread sends ReportProgress after every epoch (at
// most a few times a second per job) and at least every third of the lease,
// which keeps the lease alive, and stops a job when the reply requests it.
// Leases waiting in the local queue are extended the same way.
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
  // Leases held in the local queue per slot, so that short jobs do not wait
  // for a round trip each.
  int prefetch_per_slot = 2;
  // Backoff between AcquireJobs calls while the queue is empty or the
  // coordinator unavailable: doubles from min to max.
  absl::Duration min_backoff = absl::Milliseconds(50);
  absl::Duration max_backoff = absl::Seconds(2);
  // A job with a new epoch is reported at most this often.
  absl::Duration min_report_interval = absl::Milliseconds(250);
  // A job without a new epoch is reported this often, to extend its lease.
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
  // A lease waiting in the local queue, with the time it was last extended.
  struct QueuedLease {
    v1::JobLease lease;
    absl::Time extended;
  };

  void RunSlot();
  bool NextLease(v1::JobLease* lease);
  bool FetchLeases(int max_jobs);
  void RunLease(const v1::JobLease& lease);
  void Complete(const v1::CompleteJobRequest& request);
  void Release(const v1::JobLease& lease);
  void ReportLoop();
  void Report(ActiveJob* job);
  void KeepQueuedLeasesAlive();
  // Sends ReportProgress for `lease` with `curve`; returns false when the
  // reply says to drop the job or the call failed.
  bool SendProgress(const v1::JobLease& lease, const std::vector<v1::EpochPoint>& curve,
                    bool* stop);
  // How often a lease must be extended: a third of its length, at most
  // keepalive_interval.
  absl::Duration KeepaliveInterval(const v1::JobLease& lease) const;
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
  std::deque<QueuedLease> queue_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::shared_ptr<ActiveJob>> active_ ABSL_GUARDED_BY(mu_);
  int running_slots_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace lrsweep::worker

#endif  // LRSWEEP_WORKER_WORKER_H_
