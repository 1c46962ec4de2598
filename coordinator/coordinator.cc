#include "coordinator/coordinator.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <glog/logging.h>

#include <algorithm>
#include <utility>

#include "absl/memory/memory.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "coordinator/schema.h"
#include "google/protobuf/util/time_util.h"
#include "spec/grid.h"
#include "spec/parser.h"
#include "util/status_macros.h"

namespace lrsweep::coordinator {
namespace {

using v1::Job;

// Expired leases logged one by one per check. The rest are counted in one
// line, so that a worker that dies with many leases does not flood the log.
constexpr int kMaxLoggedExpiries = 10;

// How often a waiting AcquireJobs call checks whether its client left.
constexpr absl::Duration kCancelCheckInterval = absl::Milliseconds(250);

// Quotes free text for a key=value log line.
std::string Quoted(absl::string_view text) {
  return absl::StrCat("\"", absl::CHexEscape(text), "\"");
}

absl::Status RequireSweepId(const std::string& sweep_id) {
  if (sweep_id.empty()) return absl::InvalidArgumentError("sweep_id: missing");
  return absl::OkStatus();
}

absl::Time TimestampToTime(const google::protobuf::Timestamp& timestamp) {
  return absl::FromUnixMillis(
      google::protobuf::util::TimeUtil::TimestampToMilliseconds(timestamp));
}

// The progress without its clock, to tell whether anything changed.
std::string ProgressKey(const v1::SweepProgress& progress) {
  v1::SweepProgress copy = progress;
  copy.clear_elapsed_seconds();
  return copy.SerializeAsString();
}

std::string DescribeCounts(const v1::JobCounts& counts) {
  return absl::StrFormat("succeeded=%d diverged=%d failed=%d cancelled=%d total=%d",
                         counts.succeeded(), counts.diverged(), counts.failed(),
                         counts.cancelled(), counts.total());
}

void LogCompletion(const v1::CompleteJobRequest& request, const Completion& completion) {
  const std::string ids = absl::StrCat(
      "sweep_id=", request.sweep_id(), " job_id=", request.job_id(),
      " config_id=", completion.config_id, " attempt=", request.attempt(),
      " worker_id=", Quoted(request.worker_id()));
  const v1::CompleteJobResponse& response = completion.response;
  if (response.duplicate()) {
    LOG(WARNING) << "event=duplicate_completion " << ids;
    return;
  }
  switch (response.state()) {
    case Job::SUCCEEDED:
      LOG(INFO) << "event=job_finished state=SUCCEEDED " << ids << " objective="
                << (response.has_objective() ? absl::StrCat(response.objective()) : "none")
                << " steps=" << request.metrics().steps()
                << " elapsed_seconds=" << request.metrics().elapsed_seconds();
      break;
    case Job::DIVERGED:
      LOG(WARNING) << "event=job_finished state=DIVERGED " << ids
                   << " steps=" << request.metrics().steps()
                   << " error=" << Quoted(request.error());
      break;
    case Job::PENDING:
      LOG(WARNING) << "event=attempt_failed retry=true " << ids
                   << " max_attempts=" << completion.max_attempts
                   << " error=" << Quoted(request.error());
      break;
    default:
      LOG(ERROR) << "event=job_failed " << ids << " max_attempts=" << completion.max_attempts
                 << " error=" << Quoted(request.error());
      break;
  }
}

}  // namespace

Coordinator::Coordinator(const CoordinatorOptions& options, std::unique_ptr<Database> database)
    : options_(options),
      database_(std::move(database)),
      sweeps_(database_.get()),
      queue_(database_.get()),
      leaderboard_(database_.get()) {}

absl::StatusOr<std::unique_ptr<Coordinator>> Coordinator::Open(
    const CoordinatorOptions& options) {
  // One coordinator per store: a second one would lease the same jobs.
  const std::string lock_path = options.db_path + ".lock";
  const int lock_fd = open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock_fd < 0) {
    return absl::PermissionDeniedError(
        absl::StrCat("db: cannot create the lock file ", lock_path, ": ", strerror(errno)));
  }
  if (flock(lock_fd, LOCK_EX | LOCK_NB) != 0) {
    close(lock_fd);
    return absl::FailedPreconditionError(absl::StrCat(
        "db: ", options.db_path, " is in use by another coordinator (", lock_path,
        " is locked); stop that coordinator or choose another --db"));
  }
  auto database = OpenStore(options.db_path);
  if (!database.ok()) {
    close(lock_fd);
    return database.status();
  }
  auto coordinator = absl::WrapUnique(new Coordinator(options, *std::move(database)));
  coordinator->lock_fd_ = lock_fd;
  LOG(INFO) << "event=store_opened db=" << Quoted(options.db_path);

  // Leases that ran out while no coordinator was running go back to the
  // queue before any worker requests a job.
  RETURN_IF_ERROR(coordinator->ExpireLeases());
  Coordinator* self = coordinator.get();
  coordinator->lease_checker_ = std::thread([self] { self->RunLeaseChecks(); });
  return coordinator;
}

Coordinator::~Coordinator() {
  Stop();
  database_.reset();
  if (lock_fd_ >= 0) close(lock_fd_);
  LOG(INFO) << "event=store_closed db=" << Quoted(options_.db_path);
}

void Coordinator::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopped_ = true;
  }
  if (lease_checker_.joinable()) lease_checker_.join();
}

bool Coordinator::stopped() const {
  absl::MutexLock lock(&mu_);
  return stopped_;
}

void Coordinator::RunLeaseChecks() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopped_), options_.lease_check_interval);
      if (stopped_) return;
    }
    absl::Status status = ExpireLeases();
    if (!status.ok()) {
      LOG_EVERY_N(ERROR, 60) << "event=lease_check_failed error=" << Quoted(status.ToString());
    }
  }
}

void Coordinator::NotifyChange() {
  absl::MutexLock lock(&mu_);
  ++change_count_;
}

int64_t Coordinator::ChangeCount() const {
  absl::MutexLock lock(&mu_);
  return change_count_;
}

int64_t Coordinator::AwaitChange(int64_t seen, absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto changed = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return change_count_ != seen || stopped_;
  };
  mu_.AwaitWithTimeout(absl::Condition(&changed), timeout);
  return change_count_;
}

void Coordinator::NotifyQueued() {
  absl::MutexLock lock(&mu_);
  ++queued_count_;
}

int64_t Coordinator::QueuedCount() const {
  absl::MutexLock lock(&mu_);
  return queued_count_;
}

void Coordinator::AwaitQueued(int64_t seen, absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto queued = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return queued_count_ != seen || stopped_;
  };
  mu_.AwaitWithDeadline(absl::Condition(&queued), deadline);
}

void Coordinator::SleepUnlessStopped(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  mu_.AwaitWithDeadline(absl::Condition(&stopped_), deadline);
}

std::string Coordinator::NewSweepId() {
  absl::MutexLock lock(&mu_);
  return absl::StrFormat("%016x", absl::Uniform<uint64_t>(random_));
}

absl::Status Coordinator::ExpireLeases() {
  ASSIGN_OR_RETURN(std::vector<ExpiredLease> expired, queue_.ExpireLeases(absl::Now()));
  if (expired.empty()) return absl::OkStatus();

  for (size_t i = 0; i < expired.size() && i < kMaxLoggedExpiries; ++i) {
    const ExpiredLease& lease = expired[i];
    LOG(WARNING) << "event=lease_expired sweep_id=" << lease.sweep_id
                 << " job_id=" << lease.job_id << " attempt=" << lease.attempt
                 << " max_attempts=" << lease.max_attempts
                 << " worker_id=" << Quoted(lease.worker_id)
                 << " new_state=" << Job::State_Name(lease.new_state);
  }
  if (expired.size() > kMaxLoggedExpiries) {
    LOG(WARNING) << "event=lease_expired_more count=" << expired.size() - kMaxLoggedExpiries;
  }
  bool requeued = false;
  for (const ExpiredLease& lease : expired) {
    if (lease.sweep_finished) LOG(INFO) << "event=sweep_finished sweep_id=" << lease.sweep_id;
    requeued = requeued || lease.new_state == Job::PENDING;
  }
  NotifyChange();
  if (requeued) NotifyQueued();
  return absl::OkStatus();
}

absl::StatusOr<v1::SweepSpec> Coordinator::SpecFromRequest(
    const v1::CreateSweepRequest& request) const {
  if (!request.spec_text().empty() && request.has_spec()) {
    return absl::InvalidArgumentError("spec: give either spec_text or spec, not both");
  }
  if (!request.spec_text().empty()) return spec::ParseSweepSpec(request.spec_text());
  if (!request.has_spec()) {
    return absl::InvalidArgumentError(
        "spec_text: missing; send the sweep spec as YAML or JSON text, or as spec");
  }
  v1::SweepSpec spec = request.spec();
  spec::ApplyDefaults(&spec);
  RETURN_IF_ERROR(spec::ValidateSweepSpec(spec));
  return spec;
}

absl::StatusOr<v1::Sweep> Coordinator::CreateSweep(const v1::CreateSweepRequest& request) {
  ASSIGN_OR_RETURN(v1::SweepSpec spec, SpecFromRequest(request));
  const uint64_t job_bound = spec::CountJobs(spec);
  if (job_bound > static_cast<uint64_t>(options_.max_jobs_per_sweep)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "grid: expands to ", job_bound, " jobs, more than the ", options_.max_jobs_per_sweep,
        " this coordinator accepts per sweep (--max_jobs); split the grid"));
  }
  ASSIGN_OR_RETURN(spec::ExpandedGrid grid, spec::ExpandGrid(spec));

  ASSIGN_OR_RETURN(v1::Sweep sweep, sweeps_.Create(NewSweepId(), spec, grid, absl::Now()));
  int64_t dropped = 0;
  for (const auto& [reason, count] : grid.dropped) dropped += count;
  LOG(INFO) << "event=sweep_created sweep_id=" << sweep.sweep_id()
            << " name=" << Quoted(sweep.name()) << " jobs=" << sweep.counts().total()
            << " configs=" << sweep.config_count() << " duplicates=" << grid.duplicates
            << " dropped=" << dropped;
  NotifyChange();
  NotifyQueued();
  return sweep;
}

absl::StatusOr<v1::Sweep> Coordinator::GetSweep(const v1::GetSweepRequest& request) {
  RETURN_IF_ERROR(RequireSweepId(request.sweep_id()));
  return sweeps_.Get(request.sweep_id());
}

absl::StatusOr<v1::ListSweepsResponse> Coordinator::ListSweeps(
    const v1::ListSweepsRequest& request) {
  return sweeps_.List(request);
}

absl::StatusOr<v1::Sweep> Coordinator::CancelSweep(const v1::CancelSweepRequest& request) {
  RETURN_IF_ERROR(RequireSweepId(request.sweep_id()));
  ASSIGN_OR_RETURN(CancelResult result, sweeps_.Cancel(request.sweep_id(), absl::Now()));
  if (result.cancelled_jobs > 0) {
    LOG(INFO) << "event=sweep_cancelled sweep_id=" << request.sweep_id()
              << " cancelled_jobs=" << result.cancelled_jobs << " "
              << DescribeCounts(result.sweep.counts());
    NotifyChange();
  }
  return result.sweep;
}

absl::StatusOr<v1::GetLeaderboardResponse> Coordinator::GetLeaderboard(
    const v1::GetLeaderboardRequest& request) {
  RETURN_IF_ERROR(RequireSweepId(request.sweep_id()));
  return leaderboard_.GetPage(request);
}

absl::StatusOr<v1::ListJobsResponse> Coordinator::ListJobs(const v1::ListJobsRequest& request) {
  RETURN_IF_ERROR(RequireSweepId(request.sweep_id()));
  return sweeps_.ListJobs(request);
}

absl::StatusOr<v1::SweepProgress> Coordinator::GetProgress(const std::string& sweep_id) {
  RETURN_IF_ERROR(RequireSweepId(sweep_id));
  ASSIGN_OR_RETURN(v1::Sweep sweep, sweeps_.Get(sweep_id, /*include_spec=*/false));
  ASSIGN_OR_RETURN(std::optional<v1::LeaderboardEntry> best, leaderboard_.Best(sweep_id));

  v1::SweepProgress progress;
  progress.set_sweep_id(sweep_id);
  progress.set_state(sweep.state());
  *progress.mutable_counts() = sweep.counts();
  if (best.has_value()) *progress.mutable_best() = std::move(*best);
  const absl::Time end =
      sweep.has_finish_time() ? TimestampToTime(sweep.finish_time()) : absl::Now();
  progress.set_elapsed_seconds(
      absl::ToDoubleSeconds(end - TimestampToTime(sweep.create_time())));
  return progress;
}

absl::Status Coordinator::WatchSweep(const v1::WatchSweepRequest& request,
                                     const std::function<bool(const v1::SweepProgress&)>& send,
                                     const std::function<bool()>& cancelled) {
  RETURN_IF_ERROR(RequireSweepId(request.sweep_id()));
  int64_t seen = ChangeCount();
  std::string last_sent;
  absl::Time last_send_time = absl::InfinitePast();
  while (true) {
    // `seen` is read before the progress, so a change made while the
    // progress is read wakes the next wait at once.
    ASSIGN_OR_RETURN(v1::SweepProgress progress, GetProgress(request.sweep_id()));
    std::string key = ProgressKey(progress);
    if (key != last_sent) {
      if (!send(progress)) return absl::CancelledError("the client closed the watch stream");
      last_sent = std::move(key);
      last_send_time = absl::Now();
    }
    if (progress.state() != v1::Sweep::ACTIVE) return absl::OkStatus();
    if (cancelled()) return absl::CancelledError("the client cancelled the watch");
    if (stopped()) {
      return absl::UnavailableError(
          "the coordinator is shutting down; watch again once it is back");
    }
    seen = AwaitChange(seen, options_.watch_poll_interval);
    SleepUnlessStopped(last_send_time + options_.watch_min_interval);
  }
}

absl::StatusOr<v1::AcquireJobsResponse> Coordinator::AcquireJobs(
    const v1::AcquireJobsRequest& request, const std::function<bool()>& cancelled) {
  if (request.worker_id().empty()) return absl::InvalidArgumentError("worker_id: missing");
  if (!(request.wait_seconds() >= 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("wait_seconds: must be >= 0, got ", request.wait_seconds()));
  }
  const absl::Time deadline =
      absl::Now() + std::min(absl::Seconds(request.wait_seconds()), kMaxAcquireWait);
  std::vector<v1::JobLease> leases;
  while (true) {
    // The count is read before the queue, so a job queued in between ends
    // the wait at once.
    const int64_t seen = QueuedCount();
    RETURN_IF_ERROR(ExpireLeases());
    ASSIGN_OR_RETURN(leases, queue_.Acquire(request.worker_id(), request.max_jobs(), absl::Now()));
    if (!leases.empty()) break;

    // The wait is cut into slices so that a call whose client left ends
    // within one slice instead of leasing jobs that no client receives.
    while (QueuedCount() == seen && absl::Now() < deadline && !stopped() && !cancelled()) {
      AwaitQueued(seen, std::min(deadline, absl::Now() + kCancelCheckInterval));
    }
    if (absl::Now() >= deadline || stopped() || cancelled()) break;
  }

  v1::AcquireJobsResponse response;
  for (v1::JobLease& lease : leases) {
    VLOG(1) << "event=job_leased sweep_id=" << lease.sweep_id() << " job_id=" << lease.job_id()
            << " attempt=" << lease.attempt() << " worker_id=" << Quoted(request.worker_id());
    *response.add_leases() = std::move(lease);
  }
  if (response.leases_size() > 0) NotifyChange();
  return response;
}

absl::StatusOr<v1::ReportProgressResponse> Coordinator::ReportProgress(
    const v1::ReportProgressRequest& request) {
  ASSIGN_OR_RETURN(v1::ReportProgressResponse response,
                   queue_.ReportProgress(request, absl::Now()));
  if (response.stop()) {
    VLOG(1) << "event=stop_sent sweep_id=" << request.sweep_id()
            << " job_id=" << request.job_id() << " attempt=" << request.attempt()
            << " reason=" << v1::ReportProgressResponse::StopReason_Name(response.reason());
  }
  return response;
}

absl::StatusOr<v1::ReleaseJobResponse> Coordinator::ReleaseJob(
    const v1::ReleaseJobRequest& request) {
  ASSIGN_OR_RETURN(v1::ReleaseJobResponse response, queue_.Release(request, absl::Now()));
  LOG(INFO) << "event=job_released sweep_id=" << request.sweep_id()
            << " job_id=" << request.job_id() << " attempt=" << request.attempt()
            << " worker_id=" << Quoted(request.worker_id());
  NotifyChange();
  if (response.state() == Job::PENDING) NotifyQueued();
  return response;
}

absl::StatusOr<v1::CompleteJobResponse> Coordinator::CompleteJob(
    const v1::CompleteJobRequest& request) {
  ASSIGN_OR_RETURN(Completion completion, queue_.Complete(request, absl::Now()));
  LogCompletion(request, completion);
  if (completion.sweep_finished) {
    LOG(INFO) << "event=sweep_finished sweep_id=" << request.sweep_id();
  }
  if (!completion.response.duplicate()) NotifyChange();
  if (!completion.response.duplicate() && completion.response.state() == Job::PENDING) {
    NotifyQueued();
  }
  return completion.response;
}

}  // namespace lrsweep::coordinator
