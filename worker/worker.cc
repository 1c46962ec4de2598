#include "worker/worker.h"

#include <algorithm>
#include <cmath>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/trainer.h"
#include "glog/logging.h"
#include "grpcpp/client_context.h"

namespace lrsweep::worker {
namespace {

// Largest AcquireJobsRequest.max_jobs that the coordinator accepts.
constexpr int kMaxLeasesPerRequest = 1000;

v1::EpochPoint ToPoint(const engine::EpochMetrics& metrics) {
  v1::EpochPoint point;
  point.set_epoch(metrics.epoch);
  point.set_step(metrics.step);
  point.set_learning_rate(metrics.learning_rate);
  point.set_train_loss(metrics.train_loss);
  if (std::isfinite(metrics.val_loss)) point.set_val_loss(metrics.val_loss);
  if (std::isfinite(metrics.val_accuracy)) point.set_val_accuracy(metrics.val_accuracy);
  return point;
}

v1::Metrics ToMetrics(const engine::TrainResult& result) {
  v1::Metrics metrics;
  if (!result.curve.empty()) {
    const engine::EpochMetrics& last = result.curve.back();
    if (std::isfinite(last.train_loss)) metrics.set_train_loss(last.train_loss);
    if (std::isfinite(last.val_loss)) metrics.set_val_loss(last.val_loss);
    if (std::isfinite(last.val_accuracy)) metrics.set_val_accuracy(last.val_accuracy);
  }
  if (std::isfinite(result.test_loss)) metrics.set_test_loss(result.test_loss);
  if (std::isfinite(result.test_accuracy)) metrics.set_test_accuracy(result.test_accuracy);
  if (std::isfinite(result.best_val_loss)) metrics.set_best_val_loss(result.best_val_loss);
  metrics.set_steps(result.steps);
  metrics.set_epochs(static_cast<int64_t>(result.curve.size()));
  metrics.set_elapsed_seconds(result.wall_seconds);
  return metrics;
}

// RESOURCE_EXHAUSTED is left out: gRPC returns it for a message over the
// size limit, which no retry fixes.
bool IsTransient(const grpc::Status& status) {
  return status.error_code() == grpc::StatusCode::UNAVAILABLE ||
         status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED;
}

// Curves sent to the coordinator keep at most about this many epochs, so
// that a long run (an analytic objective steps once per epoch) stays far
// below gRPC's 4 MB message limit.
constexpr int64_t kMaxCurvePoints = 1000;

// Returns the spacing of the epochs kept in a reported curve: every epoch
// for up to kMaxCurvePoints planned epochs, every k-th beyond.
int64_t CurveStride(const v1::JobSpec& spec) {
  const v1::TrainingSpec& training = spec.training();
  const bool analytic = !engine::NeedsData(spec.model());
  int64_t planned = training.epochs();
  if (analytic && training.max_steps() > 0 && (planned <= 0 || training.max_steps() < planned)) {
    planned = training.max_steps();
  }
  return std::max<int64_t>(1, (planned + kMaxCurvePoints - 1) / kMaxCurvePoints);
}

}  // namespace

// One job being trained, shared by its slot thread and the reporter thread.
struct Worker::ActiveJob {
  explicit ActiveJob(v1::JobLease job_lease) : lease(std::move(job_lease)) {}

  const v1::JobLease lease;
  // Read by the trainer before every step.
  std::atomic<bool> stop{false};
  // Why `stop` was set: the coordinator requested it (drop the job), or the
  // worker is shutting down (hand the job back).
  std::atomic<bool> stopped_by_coordinator{false};
  std::atomic<bool> handed_back{false};

  absl::Mutex mu;
  std::vector<v1::EpochPoint> curve ABSL_GUARDED_BY(mu);

  // Used by the reporter thread only.
  size_t reported_epochs = 0;
  absl::Time last_report = absl::Now();
};

Worker::Worker(WorkerOptions options, std::shared_ptr<grpc::Channel> channel)
    : options_(std::move(options)), stub_(v1::WorkerService::NewStub(channel)) {}

Worker::~Worker() = default;

std::unique_ptr<grpc::ClientContext> Worker::NewContext() const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + options_.rpc_timeout));
  return context;
}

void Worker::Shutdown() {
  absl::MutexLock lock(&mu_);
  shutting_down_ = true;
  if (fetch_context_ != nullptr) fetch_context_->TryCancel();
  cv_.SignalAll();
}

void Worker::Run() {
  LOG(INFO) << "worker started worker_id=" << options_.worker_id
            << " slots=" << options_.slots;
  {
    absl::MutexLock lock(&mu_);
    running_slots_ = options_.slots;
  }
  std::vector<std::thread> slots;
  for (int i = 0; i < options_.slots; ++i) slots.emplace_back([this] { RunSlot(); });
  std::thread reporter([this] { ReportLoop(); });

  {
    absl::MutexLock lock(&mu_);
    while (!shutting_down_ && running_slots_ > 0) cv_.Wait(&mu_);
    const absl::Time drain_deadline = absl::Now() + options_.drain_timeout;
    while (running_slots_ > 0 && absl::Now() < drain_deadline) {
      cv_.WaitWithDeadline(&mu_, drain_deadline);
    }
    for (auto& [job_id, job] : active_) {
      job->handed_back = true;
      job->stop = true;
    }
  }
  for (std::thread& slot : slots) slot.join();
  {
    absl::MutexLock lock(&mu_);
    reporter_done_ = true;
    cv_.SignalAll();
  }
  reporter.join();

  std::deque<v1::JobLease> unstarted;
  {
    absl::MutexLock lock(&mu_);
    unstarted.swap(queue_);
  }
  for (const v1::JobLease& lease : unstarted) Release(lease);
  LOG(INFO) << "worker stopped worker_id=" << options_.worker_id
            << " completed_jobs=" << completed_jobs() << " handed_back=" << unstarted.size();
}

void Worker::RunSlot() {
  v1::JobLease lease;
  while (NextLease(&lease)) RunLease(lease);
  absl::MutexLock lock(&mu_);
  --running_slots_;
  cv_.SignalAll();
}

bool Worker::NextLease(v1::JobLease* lease) {
  absl::MutexLock lock(&mu_);
  absl::Duration backoff = options_.min_backoff;
  const absl::Time idle_since = absl::Now();
  while (true) {
    if (shutting_down_ || idle_exit_) return false;
    if (!queue_.empty()) {
      *lease = std::move(queue_.front());
      queue_.pop_front();
      return true;
    }
    if (fetching_) {
      cv_.Wait(&mu_);
      continue;
    }

    fetching_ = true;
    const int max_jobs = LeasesToRequest();
    absl::Duration wait = options_.acquire_wait;
    if (options_.exit_when_idle_for > absl::ZeroDuration()) {
      wait = std::min(wait, options_.exit_when_idle_for);
    }
    mu_.Unlock();
    const absl::Time fetch_start = absl::Now();
    const bool got = FetchLeases(max_jobs, wait);
    const bool waited = absl::Now() - fetch_start >= wait;
    mu_.Lock();
    fetching_ = false;
    cv_.SignalAll();
    if (got) {
      backoff = options_.min_backoff;
      continue;
    }
    if (options_.exit_when_idle_for > absl::ZeroDuration() &&
        absl::Now() - idle_since >= options_.exit_when_idle_for) {
      idle_exit_ = true;
      cv_.SignalAll();
      return false;
    }
    // An empty reply after the full wait is the normal idle case; ask again
    // at once. A quick empty reply or an error (a coordinator that does not
    // wait, or none at all) backs off.
    if (waited) {
      backoff = options_.min_backoff;
      continue;
    }
    cv_.WaitWithTimeout(&mu_, backoff);
    backoff = std::min(2 * backoff, options_.max_backoff);
  }
}

int Worker::LeasesToRequest() const {
  int per_slot = options_.prefetch_per_slot;
  if (mean_job_seconds_ > 0) {
    const double fit = absl::ToDoubleSeconds(options_.prefetch_work) / mean_job_seconds_;
    per_slot = static_cast<int>(std::clamp<double>(fit, options_.prefetch_per_slot,
                                                   options_.max_prefetch_per_slot));
    if (lease_seconds_ > 0 && mean_job_seconds_ > 0.5 * lease_seconds_) per_slot = 1;
  }
  return std::clamp(options_.slots * per_slot, 1, kMaxLeasesPerRequest);
}

void Worker::RecordJobSeconds(double seconds) {
  // Exponential moving average with weight 0.2 on the newest job.
  constexpr double kWeight = 0.2;
  absl::MutexLock lock(&mu_);
  mean_job_seconds_ =
      mean_job_seconds_ < 0 ? seconds : (1 - kWeight) * mean_job_seconds_ + kWeight * seconds;
}

bool Worker::FetchLeases(int max_jobs, absl::Duration wait) {
  v1::AcquireJobsRequest request;
  request.set_worker_id(options_.worker_id);
  request.set_max_jobs(max_jobs);
  request.set_wait_seconds(absl::ToDoubleSeconds(wait));

  v1::AcquireJobsResponse response;
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + wait + options_.rpc_timeout));
  {
    absl::MutexLock lock(&mu_);
    if (shutting_down_) return false;
    fetch_context_ = &context;
  }
  grpc::Status status = stub_->AcquireJobs(&context, request, &response);
  {
    absl::MutexLock lock(&mu_);
    fetch_context_ = nullptr;
  }
  if (status.error_code() == grpc::StatusCode::CANCELLED) return false;
  if (!status.ok()) {
    LOG_EVERY_N(WARNING, 20) << "AcquireJobs failed; retrying with backoff worker_id="
                             << options_.worker_id << " code=" << status.error_code()
                             << " error=\"" << status.error_message() << "\"";
    return false;
  }
  if (response.leases_size() == 0) return false;

  absl::MutexLock lock(&mu_);
  lease_seconds_ = response.leases(response.leases_size() - 1).lease_seconds();
  for (v1::JobLease& lease : *response.mutable_leases()) queue_.push_back(std::move(lease));
  cv_.SignalAll();
  return true;
}

void Worker::RunLease(const v1::JobLease& lease) {
  auto job = std::make_shared<ActiveJob>(lease);
  {
    absl::MutexLock lock(&mu_);
    active_[lease.job_id()] = job;
  }

  absl::Status error;
  engine::TrainResult result;
  engine::DataFiles files;
  if (engine::NeedsData(lease.spec().model())) {
    auto loaded = datasets_.Get(lease.spec());
    if (loaded.ok()) {
      files = *std::move(loaded);
    } else {
      error = loaded.status();
    }
  }
  if (error.ok()) {
    engine::TrainOptions options;
    options.stop_requested = &job->stop;
    const int64_t stride = CurveStride(lease.spec());
    options.on_epoch = [&job, stride](const engine::EpochMetrics& metrics) {
      if (metrics.epoch % stride != 0 && metrics.epoch != 1) return true;
      absl::MutexLock lock(&job->mu);
      job->curve.push_back(ToPoint(metrics));
      return true;
    };
    auto trained = engine::RunJob(lease.spec(), files, options);
    if (trained.ok()) {
      result = *std::move(trained);
      RecordJobSeconds(result.wall_seconds);
    } else {
      error = trained.status();
    }
  }
  {
    absl::MutexLock lock(&mu_);
    active_.erase(lease.job_id());
  }

  if (job->stopped_by_coordinator) {
    VLOG(1) << "job dropped on the coordinator's request job_id=" << lease.job_id();
    return;
  }
  if (job->handed_back) {
    Release(lease);
    return;
  }

  v1::CompleteJobRequest request;
  request.set_sweep_id(lease.sweep_id());
  request.set_job_id(lease.job_id());
  request.set_attempt(lease.attempt());
  request.set_worker_id(options_.worker_id);
  if (!error.ok()) {
    request.set_state(v1::Job::FAILED);
    request.set_error(std::string(error.message()));
    LOG_EVERY_N(WARNING, 20) << "job failed (one line per 20) job_id=" << lease.job_id()
                             << " attempt=" << lease.attempt() << " error=\""
                             << error.message() << "\"";
  } else {
    request.set_state(result.outcome == engine::RunOutcome::kDiverged ? v1::Job::DIVERGED
                                                                      : v1::Job::SUCCEEDED);
    *request.mutable_metrics() = ToMetrics(result);
    const int64_t stride = CurveStride(lease.spec());
    for (size_t i = 0; i < result.curve.size(); ++i) {
      const engine::EpochMetrics& metrics = result.curve[i];
      const bool last = i + 1 == result.curve.size();
      if (metrics.epoch % stride == 0 || metrics.epoch == 1 || last) {
        *request.add_curve() = ToPoint(metrics);
      }
    }
  }
  Complete(request);
}

void Worker::Complete(const v1::CompleteJobRequest& request) {
  absl::Duration backoff = options_.min_backoff;
  absl::Time give_up = absl::InfiniteFuture();
  while (true) {
    v1::CompleteJobResponse response;
    auto context = NewContext();
    grpc::Status status = stub_->CompleteJob(context.get(), request, &response);
    if (status.ok()) {
      ++completed_jobs_;
      VLOG(1) << "job completed job_id=" << request.job_id()
              << " state=" << v1::Job::State_Name(response.state());
      return;
    }
    if (!IsTransient(status)) {
      LOG(WARNING) << "completion rejected job_id=" << request.job_id()
                   << " attempt=" << request.attempt() << " code=" << status.error_code()
                   << " error=\"" << status.error_message() << "\"";
      return;
    }
    {
      // A finished result is retried for as long as the worker runs; once it
      // shuts down, for the drain timeout.
      absl::MutexLock lock(&mu_);
      if (shutting_down_ && give_up == absl::InfiniteFuture()) {
        give_up = absl::Now() + options_.drain_timeout;
      }
    }
    if (absl::Now() >= give_up) {
      LOG(ERROR) << "result lost: coordinator unavailable at shutdown job_id="
                 << request.job_id() << " attempt=" << request.attempt();
      return;
    }
    LOG_EVERY_N(WARNING, 20) << "CompleteJob failed; retrying job_id=" << request.job_id()
                             << " code=" << status.error_code() << " error=\""
                             << status.error_message() << "\"";
    absl::SleepFor(backoff);
    backoff = std::min(2 * backoff, options_.max_backoff);
  }
}

void Worker::Release(const v1::JobLease& lease) {
  v1::ReleaseJobRequest request;
  request.set_sweep_id(lease.sweep_id());
  request.set_job_id(lease.job_id());
  request.set_attempt(lease.attempt());
  request.set_worker_id(options_.worker_id);
  v1::ReleaseJobResponse response;
  auto context = NewContext();
  grpc::Status status = stub_->ReleaseJob(context.get(), request, &response);
  if (!status.ok()) {
    LOG(WARNING) << "could not hand back job; its lease will expire job_id=" << lease.job_id()
                 << " code=" << status.error_code() << " error=\"" << status.error_message()
                 << "\"";
  }
}

void Worker::ReportLoop() {
  const absl::Duration tick = std::min(options_.min_report_interval, absl::Milliseconds(100));
  absl::Time last_keepalive = absl::Now();
  while (true) {
    std::vector<std::shared_ptr<ActiveJob>> jobs;
    std::vector<v1::JobLease> waiting;
    {
      absl::MutexLock lock(&mu_);
      cv_.WaitWithTimeout(&mu_, tick);
      if (reporter_done_) return;
      for (auto& [job_id, job] : active_) jobs.push_back(job);
      if (absl::Now() - last_keepalive >= KeepaliveInterval(lease_seconds_)) {
        waiting.assign(queue_.begin(), queue_.end());
        last_keepalive = absl::Now();
      }
    }
    for (auto& job : jobs) Report(job.get());
    for (const v1::JobLease& lease : waiting) KeepLeaseAlive(lease);
  }
}

absl::Duration Worker::KeepaliveInterval(int32_t lease_seconds) const {
  if (lease_seconds <= 0) return options_.keepalive_interval;
  return std::min(options_.keepalive_interval, absl::Seconds(lease_seconds) / 3);
}

void Worker::KeepLeaseAlive(const v1::JobLease& lease) {
  // A report without a curve extends the lease of a job not started yet. If
  // the job started meanwhile, its next report sends the curve again.
  v1::ReportProgressRequest request;
  request.set_sweep_id(lease.sweep_id());
  request.set_job_id(lease.job_id());
  request.set_attempt(lease.attempt());
  request.set_worker_id(options_.worker_id);
  v1::ReportProgressResponse response;
  auto context = NewContext();
  grpc::Status status = stub_->ReportProgress(context.get(), request, &response);
  if (!status.ok()) {
    LOG_EVERY_N(WARNING, 20) << "ReportProgress failed for a waiting lease job_id="
                             << lease.job_id() << " code=" << status.error_code()
                             << " error=\"" << status.error_message() << "\"";
    return;
  }
  if (!response.stop()) return;

  absl::MutexLock lock(&mu_);
  auto it = std::find_if(queue_.begin(), queue_.end(), [&lease](const v1::JobLease& queued) {
    return queued.job_id() == lease.job_id() && queued.attempt() == lease.attempt();
  });
  if (it == queue_.end()) return;
  queue_.erase(it);
  LOG(INFO) << "dropping a waiting lease on the coordinator's request job_id=" << lease.job_id()
            << " reason=" << v1::ReportProgressResponse::StopReason_Name(response.reason());
}

void Worker::Report(ActiveJob* job) {
  v1::ReportProgressRequest request;
  {
    absl::MutexLock lock(&job->mu);
    const absl::Duration since = absl::Now() - job->last_report;
    const bool new_epoch = job->curve.size() > job->reported_epochs;
    if (!(new_epoch && since >= options_.min_report_interval) &&
        since < KeepaliveInterval(job->lease.lease_seconds())) {
      return;
    }
    for (const v1::EpochPoint& point : job->curve) *request.add_curve() = point;
  }
  request.set_sweep_id(job->lease.sweep_id());
  request.set_job_id(job->lease.job_id());
  request.set_attempt(job->lease.attempt());
  request.set_worker_id(options_.worker_id);
  v1::ReportProgressResponse response;
  auto context = NewContext();
  grpc::Status status = stub_->ReportProgress(context.get(), request, &response);
  job->last_report = absl::Now();
  if (!status.ok()) {
    LOG_EVERY_N(WARNING, 20) << "ReportProgress failed job_id=" << job->lease.job_id()
                             << " code=" << status.error_code() << " error=\""
                             << status.error_message() << "\"";
    return;
  }
  job->reported_epochs = request.curve_size();
  if (response.stop()) {
    LOG(INFO) << "stopping job on the coordinator's request job_id=" << job->lease.job_id()
              << " reason="
              << v1::ReportProgressResponse::StopReason_Name(response.reason());
    job->stopped_by_coordinator = true;
    job->stop = true;
  }
}

}  // namespace lrsweep::worker
