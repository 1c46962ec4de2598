#include "coordinator/job_queue.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "coordinator/objective.h"
#include "coordinator/rows.h"
#include "coordinator/tally.h"
#include "util/status_macros.h"

namespace lrsweep::coordinator {
namespace {

using v1::Job;

// The columns of a job and its sweep that the lease transitions read.
struct LeaseRow {
  int64_t job_seq = 0;
  std::string config_id;
  Job::State state = Job::STATE_UNSPECIFIED;
  int32_t attempt = 0;
  int32_t completed_attempt = 0;
  std::optional<double> objective;
  int32_t max_attempts = 0;
  int32_t lease_seconds = 0;
  std::string objective_metric;
};

absl::Status JobNotFound(absl::string_view sweep_id, absl::string_view job_id) {
  return absl::NotFoundError(
      absl::StrCat("job '", job_id, "' of sweep '", sweep_id, "' not found"));
}

absl::StatusOr<LeaseRow> ReadLeaseRow(Connection& connection, const std::string& sweep_id,
                                      const std::string& job_id) {
  ASSIGN_OR_RETURN(
      ScopedStatement select,
      connection.Prepare(
          "SELECT j.job_seq, j.config_id, j.state, j.attempt, j.completed_attempt, "
          "j.objective, s.max_attempts, s.lease_seconds, s.objective_metric "
          "FROM jobs j JOIN sweeps s ON s.sweep_id = j.sweep_id "
          "WHERE j.sweep_id = ?1 AND j.job_id = ?2"));
  select->BindText(1, sweep_id).BindText(2, job_id);
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) return JobNotFound(sweep_id, job_id);

  LeaseRow row;
  row.job_seq = select->ColumnInt(0);
  row.config_id = select->ColumnText(1);
  row.state = static_cast<Job::State>(select->ColumnInt(2));
  row.attempt = static_cast<int32_t>(select->ColumnInt(3));
  row.completed_attempt = static_cast<int32_t>(select->ColumnInt(4));
  if (!select->ColumnIsNull(5)) row.objective = select->ColumnDouble(5);
  row.max_attempts = static_cast<int32_t>(select->ColumnInt(6));
  row.lease_seconds = static_cast<int32_t>(select->ColumnInt(7));
  row.objective_metric = select->ColumnText(8);
  return row;
}

absl::Status CheckJobRef(const std::string& sweep_id, const std::string& job_id,
                         int32_t attempt) {
  if (sweep_id.empty()) return absl::InvalidArgumentError("sweep_id: missing");
  if (job_id.empty()) return absl::InvalidArgumentError("job_id: missing");
  if (attempt < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("attempt: must be the attempt number of the lease (>= 1), got ", attempt));
  }
  return absl::OkStatus();
}

absl::Status CheckCompletion(const v1::CompleteJobRequest& request) {
  RETURN_IF_ERROR(CheckJobRef(request.sweep_id(), request.job_id(), request.attempt()));
  switch (request.state()) {
    case Job::SUCCEEDED:
      if (!request.has_metrics()) {
        return absl::InvalidArgumentError(
            "metrics: missing; a SUCCEEDED completion must carry the final metrics");
      }
      return absl::OkStatus();
    case Job::DIVERGED:
      return absl::OkStatus();
    case Job::FAILED:
      if (request.error().empty()) {
        return absl::InvalidArgumentError(
            "error: missing; a FAILED completion must say why the attempt failed");
      }
      return absl::OkStatus();
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("state: must be SUCCEEDED, DIVERGED or FAILED, got ",
                       Job::State_Name(request.state())));
  }
}

std::string SerializeCurve(const google::protobuf::RepeatedPtrField<v1::EpochPoint>& curve) {
  Job holder;
  *holder.mutable_curve() = curve;
  return holder.SerializeAsString();
}

// Returns the state a job moves to when attempt `attempt` ends without a
// result: PENDING while attempts are left, FAILED after the last one.
Job::State StateAfterFailure(int32_t attempt, int32_t max_attempts) {
  return attempt < max_attempts ? Job::PENDING : Job::FAILED;
}

// Returns true when the completion finished the sweep.
absl::StatusOr<bool> StoreCompletion(Connection& connection, const LeaseRow& row,
                             const v1::CompleteJobRequest& request, Job::State new_state,
                             std::optional<double> objective, absl::Time now) {
  ASSIGN_OR_RETURN(
      ScopedStatement update,
      connection.Prepare(
          "UPDATE jobs SET state = ?2, completed_attempt = ?3, objective = ?4, metrics = ?5, "
          "curve = ?6, error = ?7, worker_id = ?8, lease_deadline_ms = NULL, "
          "update_time_ms = ?9 WHERE job_seq = ?1"));
  update->BindInt(1, row.job_seq).BindInt(2, new_state).BindInt(3, request.attempt());
  if (objective.has_value()) {
    update->BindDouble(4, *objective);
  } else {
    update->BindNull(4);
  }
  if (request.has_metrics()) {
    update->BindBlob(5, request.metrics().SerializeAsString());
  } else {
    update->BindNull(5);
  }
  update->BindBlob(6, SerializeCurve(request.curve())).BindText(7, request.error());
  update->BindText(8, request.worker_id()).BindInt(9, absl::ToUnixMillis(now));
  RETURN_IF_ERROR(update->Run());
  return CountTransition(connection, request.sweep_id(), row.config_id, Job::RUNNING,
                         new_state, objective, now);
}

// Checks that the request's attempt may change the job; fills `duplicate`
// when this attempt was already completed.
absl::Status CheckAttempt(const LeaseRow& row, const v1::CompleteJobRequest& request,
                          std::optional<Completion>* duplicate) {
  if (row.completed_attempt == request.attempt()) {
    Completion completion;
    completion.response.set_state(row.state);
    completion.response.set_duplicate(true);
    if (row.objective.has_value()) completion.response.set_objective(*row.objective);
    completion.config_id = row.config_id;
    completion.max_attempts = row.max_attempts;
    *duplicate = std::move(completion);
    return absl::OkStatus();
  }
  if (row.state == Job::CANCELLED) {
    return absl::FailedPreconditionError(absl::StrCat(
        "job ", request.job_id(), " of sweep ", request.sweep_id(),
        " is CANCELLED; drop the result"));
  }
  if (row.state != Job::RUNNING || row.attempt != request.attempt()) {
    return absl::AbortedError(absl::StrCat(
        "attempt ", request.attempt(), " of job ", request.job_id(), " is stale: the job is ",
        Job::State_Name(row.state), " at attempt ", row.attempt, "; drop the result"));
  }
  return absl::OkStatus();
}

// An expired lease with the keys that its update needs.
struct ExpiredRow {
  int64_t job_seq = 0;
  std::string config_id;
  ExpiredLease lease;
};

absl::StatusOr<std::vector<ExpiredRow>> SelectExpired(Connection& connection, absl::Time now) {
  ASSIGN_OR_RETURN(
      ScopedStatement select,
      connection.Prepare(absl::Substitute(
          "SELECT j.job_seq, j.sweep_id, j.job_id, j.config_id, j.attempt, j.worker_id, "
          "s.max_attempts FROM jobs j JOIN sweeps s ON s.sweep_id = j.sweep_id "
          "WHERE j.state = $0 AND j.lease_deadline_ms < ?1",
          Job::RUNNING)));
  select->BindInt(1, absl::ToUnixMillis(now));
  std::vector<ExpiredRow> rows;
  while (true) {
    ASSIGN_OR_RETURN(bool found, select->Step());
    if (!found) break;
    ExpiredRow& row = rows.emplace_back();
    row.job_seq = select->ColumnInt(0);
    row.config_id = select->ColumnText(3);
    row.lease.sweep_id = select->ColumnText(1);
    row.lease.job_id = select->ColumnText(2);
    row.lease.attempt = static_cast<int32_t>(select->ColumnInt(4));
    row.lease.worker_id = select->ColumnText(5);
    row.lease.max_attempts = static_cast<int32_t>(select->ColumnInt(6));
    row.lease.new_state = StateAfterFailure(row.lease.attempt, row.lease.max_attempts);
  }
  return rows;
}

absl::StatusOr<std::vector<ExpiredLease>> TakeBackExpired(Connection& connection,
                                                          absl::Time now) {
  // The rows are read in full before any is updated, because updating a row
  // changes the partial index that the SELECT walks.
  ASSIGN_OR_RETURN(std::vector<ExpiredRow> rows, SelectExpired(connection, now));
  ASSIGN_OR_RETURN(
      ScopedStatement update,
      connection.Prepare("UPDATE jobs SET state = ?2, error = ?3, lease_deadline_ms = NULL, "
                         "update_time_ms = ?4 WHERE job_seq = ?1"));
  std::vector<ExpiredLease> expired;
  for (ExpiredRow& row : rows) {
    const ExpiredLease& lease = row.lease;
    std::string error = absl::StrCat("the lease of attempt ", lease.attempt,
                                     " expired on worker '", lease.worker_id, "'");
    if (lease.new_state == Job::FAILED) {
      absl::StrAppend(&error, "; no attempts left (limits.max_attempts = ",
                      lease.max_attempts, ")");
    }
    update->BindInt(1, row.job_seq).BindInt(2, lease.new_state).BindText(3, error);
    update->BindInt(4, absl::ToUnixMillis(now));
    RETURN_IF_ERROR(update->Run());
    update->Reset();
    ASSIGN_OR_RETURN(row.lease.sweep_finished,
                     CountTransition(connection, lease.sweep_id, row.config_id, Job::RUNNING,
                                     lease.new_state, std::nullopt, now));
    expired.push_back(std::move(row.lease));
  }
  return expired;
}

}  // namespace

absl::StatusOr<std::vector<v1::JobLease>> JobQueue::Acquire(const std::string& worker_id,
                                                            int max_jobs, absl::Time now) {
  if (max_jobs < 1 || max_jobs > kMaxJobsPerAcquire) {
    return absl::InvalidArgumentError(absl::StrCat(
        "max_jobs: must be in [1, ", kMaxJobsPerAcquire, "], got ", max_jobs));
  }
  std::vector<v1::JobLease> leases;
  RETURN_IF_ERROR(database_->Write([&](Connection& connection) -> absl::Status {
    ASSIGN_OR_RETURN(
        ScopedStatement select,
        connection.Prepare(absl::Substitute(
            "SELECT j.job_seq, j.sweep_id, j.job_id, j.config_id, j.spec, j.attempt, "
            "s.lease_seconds FROM jobs j JOIN sweeps s ON s.sweep_id = j.sweep_id "
            "WHERE j.state = $0 ORDER BY j.job_seq LIMIT ?1",
            Job::PENDING)));
    select->BindInt(1, max_jobs);
    std::vector<std::pair<int64_t, std::string>> keys;  // job_seq, config_id
    while (true) {
      ASSIGN_OR_RETURN(bool row, select->Step());
      if (!row) break;
      v1::JobLease& lease = leases.emplace_back();
      lease.set_sweep_id(select->ColumnText(1));
      lease.set_job_id(select->ColumnText(2));
      RETURN_IF_ERROR(ParseStored(select->ColumnBlob(4), "job spec", lease.mutable_spec()));
      lease.set_attempt(static_cast<int32_t>(select->ColumnInt(5)) + 1);
      lease.set_lease_seconds(static_cast<int32_t>(select->ColumnInt(6)));
      keys.emplace_back(select->ColumnInt(0), select->ColumnText(3));
    }

    ASSIGN_OR_RETURN(
        ScopedStatement update,
        connection.Prepare("UPDATE jobs SET state = ?2, attempt = ?3, worker_id = ?4, "
                           "lease_deadline_ms = ?5, update_time_ms = ?6 WHERE job_seq = ?1"));
    for (size_t i = 0; i < leases.size(); ++i) {
      const absl::Time deadline = now + absl::Seconds(leases[i].lease_seconds());
      update->BindInt(1, keys[i].first).BindInt(2, Job::RUNNING);
      update->BindInt(3, leases[i].attempt()).BindText(4, worker_id);
      update->BindInt(5, absl::ToUnixMillis(deadline)).BindInt(6, absl::ToUnixMillis(now));
      RETURN_IF_ERROR(update->Run());
      update->Reset();
      RETURN_IF_ERROR(CountTransition(connection, leases[i].sweep_id(), keys[i].second,
                                      Job::PENDING, Job::RUNNING, std::nullopt, now)
                          .status());
    }
    return absl::OkStatus();
  }));
  return leases;
}

absl::StatusOr<v1::ReportProgressResponse> JobQueue::ReportProgress(
    const v1::ReportProgressRequest& request, absl::Time now) {
  RETURN_IF_ERROR(CheckJobRef(request.sweep_id(), request.job_id(), request.attempt()));
  v1::ReportProgressResponse response;
  RETURN_IF_ERROR(database_->Write([&](Connection& connection) -> absl::Status {
    ASSIGN_OR_RETURN(LeaseRow row,
                     ReadLeaseRow(connection, request.sweep_id(), request.job_id()));
    if (row.state == Job::CANCELLED) {
      response.set_stop(true);
      response.set_reason(v1::ReportProgressResponse::SWEEP_CANCELLED);
      return absl::OkStatus();
    }
    if (row.state != Job::RUNNING || row.attempt != request.attempt()) {
      response.set_stop(true);
      response.set_reason(v1::ReportProgressResponse::LEASE_LOST);
      return absl::OkStatus();
    }

    ASSIGN_OR_RETURN(ScopedStatement update,
                     connection.Prepare("UPDATE jobs SET curve = ?2, lease_deadline_ms = ?3, "
                                        "worker_id = ?4, update_time_ms = ?5 "
                                        "WHERE job_seq = ?1"));
    const absl::Time deadline = now + absl::Seconds(row.lease_seconds);
    update->BindInt(1, row.job_seq).BindBlob(2, SerializeCurve(request.curve()));
    update->BindInt(3, absl::ToUnixMillis(deadline)).BindText(4, request.worker_id());
    update->BindInt(5, absl::ToUnixMillis(now));
    RETURN_IF_ERROR(update->Run());
    response.set_lease_seconds(row.lease_seconds);
    return absl::OkStatus();
  }));
  return response;
}

absl::StatusOr<v1::ReleaseJobResponse> JobQueue::Release(const v1::ReleaseJobRequest& request,
                                                         absl::Time now) {
  RETURN_IF_ERROR(CheckJobRef(request.sweep_id(), request.job_id(), request.attempt()));
  v1::ReleaseJobResponse response;
  RETURN_IF_ERROR(database_->Write([&](Connection& connection) -> absl::Status {
    ASSIGN_OR_RETURN(LeaseRow row,
                     ReadLeaseRow(connection, request.sweep_id(), request.job_id()));
    if (row.state == Job::CANCELLED) {
      response.set_state(Job::CANCELLED);
      return absl::OkStatus();
    }
    if (row.state != Job::RUNNING || row.attempt != request.attempt()) {
      return absl::AbortedError(absl::StrCat(
          "attempt ", request.attempt(), " of job ", request.job_id(), " is not leased: the job is ",
          Job::State_Name(row.state), " at attempt ", row.attempt));
    }
    // The attempt goes back down, so a released lease costs no attempt; the
    // releasing worker drops the lease, so reusing its number is safe.
    ASSIGN_OR_RETURN(ScopedStatement update,
                     connection.Prepare(absl::Substitute(
                         "UPDATE jobs SET state = $0, attempt = attempt - 1, "
                         "lease_deadline_ms = NULL, update_time_ms = ?2 WHERE job_seq = ?1",
                         Job::PENDING)));
    update->BindInt(1, row.job_seq).BindInt(2, absl::ToUnixMillis(now));
    RETURN_IF_ERROR(update->Run());
    RETURN_IF_ERROR(CountTransition(connection, request.sweep_id(), row.config_id, Job::RUNNING,
                                    Job::PENDING, std::nullopt, now)
                        .status());
    response.set_state(Job::PENDING);
    return absl::OkStatus();
  }));
  return response;
}

absl::StatusOr<Completion> JobQueue::Complete(const v1::CompleteJobRequest& request,
                                              absl::Time now) {
  RETURN_IF_ERROR(CheckCompletion(request));
  Completion completion;
  RETURN_IF_ERROR(database_->Write([&](Connection& connection) -> absl::Status {
    ASSIGN_OR_RETURN(LeaseRow row,
                     ReadLeaseRow(connection, request.sweep_id(), request.job_id()));
    std::optional<Completion> duplicate;
    RETURN_IF_ERROR(CheckAttempt(row, request, &duplicate));
    if (duplicate.has_value()) {
      completion = std::move(*duplicate);
      return absl::OkStatus();
    }

    Job::State new_state = request.state();
    std::optional<double> objective;
    if (new_state == Job::SUCCEEDED) {
      objective = ReadObjective(row.objective_metric, request.metrics());
    } else if (new_state == Job::FAILED) {
      new_state = StateAfterFailure(request.attempt(), row.max_attempts);
    }
    ASSIGN_OR_RETURN(completion.sweep_finished,
                     StoreCompletion(connection, row, request, new_state, objective, now));

    completion.response.set_state(new_state);
    if (objective.has_value()) completion.response.set_objective(*objective);
    completion.config_id = row.config_id;
    completion.max_attempts = row.max_attempts;
    return absl::OkStatus();
  }));
  return completion;
}

absl::StatusOr<std::vector<ExpiredLease>> JobQueue::ExpireLeases(absl::Time now) {
  std::vector<ExpiredLease> expired;
  RETURN_IF_ERROR(database_->Write([&](Connection& connection) -> absl::Status {
    ASSIGN_OR_RETURN(expired, TakeBackExpired(connection, now));
    return absl::OkStatus();
  }));
  return expired;
}

}  // namespace lrsweep::coordinator
