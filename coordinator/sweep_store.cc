#include "coordinator/sweep_store.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "coordinator/objective.h"
#include "coordinator/page_token.h"
#include "coordinator/rows.h"
#include "util/status_macros.h"

namespace lrsweep::coordinator {
namespace {

using v1::Job;
using v1::Sweep;

// Columns of SweepFromRow, in its order.
constexpr char kSweepColumns[] =
    "sweep_id, name, state, spec, dropped, pending, running, succeeded, diverged, "
    "failed, cancelled, total, config_count, duplicate_jobs, create_time_ms, "
    "finish_time_ms, sweep_seq";
constexpr int kSweepSeqColumn = 16;

// Columns of JobFromRow, in its order, without the last one: the curve, or
// NULL when the curve is not wanted.
constexpr char kJobColumns[] =
    "sweep_id, job_id, config_id, job_index, state, attempt, spec, metrics, objective, "
    "error, worker_id, update_time_ms";

absl::StatusOr<Sweep> SweepFromRow(const Statement& row, bool include_spec) {
  Sweep sweep;
  sweep.set_sweep_id(row.ColumnText(0));
  sweep.set_name(row.ColumnText(1));
  sweep.set_state(static_cast<Sweep::State>(row.ColumnInt(2)));
  if (include_spec) {
    RETURN_IF_ERROR(ParseStored(row.ColumnBlob(3), "sweep spec", sweep.mutable_spec()));
  }
  // `dropped` contains a Sweep with only dropped_jobs set, so parsing it into
  // the result merges that one field.
  Sweep dropped;
  RETURN_IF_ERROR(ParseStored(row.ColumnBlob(4), "dropped-job counts", &dropped));
  *sweep.mutable_dropped_jobs() = dropped.dropped_jobs();
  *sweep.mutable_counts() = ReadJobCounts(row, 5);
  sweep.set_config_count(row.ColumnInt(12));
  sweep.set_duplicate_jobs(row.ColumnInt(13));
  *sweep.mutable_create_time() = MillisToTimestamp(row.ColumnInt(14));
  if (!row.ColumnIsNull(15)) *sweep.mutable_finish_time() = MillisToTimestamp(row.ColumnInt(15));
  return sweep;
}

absl::StatusOr<Job> JobFromRow(const Statement& row) {
  Job job;
  job.set_sweep_id(row.ColumnText(0));
  job.set_job_id(row.ColumnText(1));
  job.set_config_id(row.ColumnText(2));
  job.set_index(row.ColumnInt(3));
  job.set_state(static_cast<Job::State>(row.ColumnInt(4)));
  job.set_attempt(static_cast<int32_t>(row.ColumnInt(5)));
  RETURN_IF_ERROR(ParseStored(row.ColumnBlob(6), "job spec", job.mutable_spec()));
  if (!row.ColumnIsNull(7)) {
    RETURN_IF_ERROR(ParseStored(row.ColumnBlob(7), "job metrics", job.mutable_metrics()));
  }
  if (!row.ColumnIsNull(8)) job.set_objective(row.ColumnDouble(8));
  job.set_error(row.ColumnText(9));
  job.set_worker_id(row.ColumnText(10));
  *job.mutable_update_time() = MillisToTimestamp(row.ColumnInt(11));
  if (!row.ColumnIsNull(12)) {
    // The curve column contains a Job with only `curve` set.
    Job curve;
    RETURN_IF_ERROR(ParseStored(row.ColumnBlob(12), "job curve", &curve));
    job.mutable_curve()->Swap(curve.mutable_curve());
  }
  return job;
}

absl::StatusOr<Sweep> ReadSweep(Connection& connection, const std::string& sweep_id,
                                bool include_spec) {
  ASSIGN_OR_RETURN(ScopedStatement select,
                   connection.Prepare(absl::StrCat("SELECT ", kSweepColumns,
                                                   " FROM sweeps WHERE sweep_id = ?1")));
  select->BindText(1, sweep_id);
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) return SweepNotFound(sweep_id);
  return SweepFromRow(*select, include_spec);
}

// The jobs of one configuration as the grid lists them.
struct ConfigInfo {
  int64_t first_index = 0;
  int64_t jobs = 0;
};

absl::Status InsertSweepRow(Connection& connection, const std::string& sweep_id,
                            const v1::SweepSpec& spec, const spec::ExpandedGrid& grid,
                            int64_t config_count, absl::Time now) {
  Sweep dropped;
  dropped.mutable_dropped_jobs()->insert(grid.dropped.begin(), grid.dropped.end());
  ASSIGN_OR_RETURN(
      ScopedStatement insert,
      connection.Prepare(
          "INSERT INTO sweeps (sweep_id, name, state, spec, dropped, objective_metric, "
          "mode_sign, max_attempts, lease_seconds, pending, total, config_count, "
          "duplicate_jobs, create_time_ms) "
          "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12, ?13)"));
  insert->BindText(1, sweep_id).BindText(2, spec.name()).BindInt(3, Sweep::ACTIVE);
  insert->BindBlob(4, spec.SerializeAsString()).BindBlob(5, dropped.SerializeAsString());
  insert->BindText(6, spec.objective().metric())
      .BindInt(7, ModeSign(spec.objective().mode()))
      .BindInt(8, spec.limits().max_attempts())
      .BindInt(9, spec.limits().lease_seconds());
  insert->BindInt(10, static_cast<int64_t>(grid.jobs.size()))
      .BindInt(11, config_count)
      .BindInt(12, grid.duplicates)
      .BindInt(13, absl::ToUnixMillis(now));
  return insert->Run();
}

absl::Status InsertJobs(Connection& connection, const std::string& sweep_id,
                        const spec::ExpandedGrid& grid, absl::Time now) {
  ASSIGN_OR_RETURN(
      ScopedStatement insert,
      connection.Prepare("INSERT INTO jobs (sweep_id, job_id, job_index, config_id, spec, "
                         "state, update_time_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"));
  for (size_t i = 0; i < grid.jobs.size(); ++i) {
    insert->BindText(1, sweep_id).BindText(2, grid.job_ids[i]);
    insert->BindInt(3, static_cast<int64_t>(i)).BindText(4, grid.config_ids[i]);
    insert->BindBlob(5, grid.jobs[i].SerializeAsString());
    insert->BindInt(6, Job::PENDING).BindInt(7, absl::ToUnixMillis(now));
    RETURN_IF_ERROR(insert->Run());
    insert->Reset();
  }
  return absl::OkStatus();
}

absl::Status InsertConfigs(Connection& connection, const std::string& sweep_id,
                           const spec::ExpandedGrid& grid,
                           const absl::flat_hash_map<std::string, ConfigInfo>& configs,
                           int mode_sign) {
  ASSIGN_OR_RETURN(
      ScopedStatement insert,
      connection.Prepare("INSERT INTO configs (sweep_id, config_id, first_index, spec, "
                         "mode_sign, pending, total) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)"));
  for (const auto& [config_id, info] : configs) {
    v1::JobSpec config = grid.jobs[info.first_index];
    config.clear_seed();
    insert->BindText(1, sweep_id).BindText(2, config_id).BindInt(3, info.first_index);
    insert->BindBlob(4, config.SerializeAsString()).BindInt(5, mode_sign);
    insert->BindInt(6, info.jobs);
    RETURN_IF_ERROR(insert->Run());
    insert->Reset();
  }
  return absl::OkStatus();
}

absl::flat_hash_map<std::string, ConfigInfo> GroupConfigs(const spec::ExpandedGrid& grid) {
  absl::flat_hash_map<std::string, ConfigInfo> configs;
  for (size_t i = 0; i < grid.config_ids.size(); ++i) {
    auto [it, inserted] = configs.try_emplace(grid.config_ids[i]);
    if (inserted) it->second.first_index = static_cast<int64_t>(i);
    ++it->second.jobs;
  }
  return configs;
}

int ClampPageSize(int32_t requested, int default_size) {
  if (requested <= 0) return default_size;
  return std::min<int32_t>(requested, kMaxPageSize);
}

absl::StatusOr<int64_t> DecodeIntToken(absl::string_view token, absl::string_view kind) {
  ASSIGN_OR_RETURN(std::vector<std::string> fields, DecodePageToken(token, kind, 1));
  int64_t value = 0;
  if (!absl::SimpleAtoi(fields[0], &value)) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_token: invalid token '", token, "'; pass next_page_token unchanged"));
  }
  return value;
}

// Returns the bit mask of the requested states; 0 means every state.
absl::StatusOr<int64_t> StateMask(const v1::ListJobsRequest& request) {
  int64_t mask = 0;
  for (int state : request.states()) {
    if (state <= Job::STATE_UNSPECIFIED || !Job::State_IsValid(state)) {
      return absl::InvalidArgumentError(absl::StrCat("states: invalid job state ", state));
    }
    mask |= int64_t{1} << state;
  }
  return mask;
}

absl::Status CancelJobs(Connection& connection, const std::string& sweep_id, absl::Time now,
                        int64_t* cancelled_jobs) {
  ASSIGN_OR_RETURN(
      ScopedStatement jobs,
      connection.Prepare(absl::Substitute(
          "UPDATE jobs SET state = $0, lease_deadline_ms = NULL, update_time_ms = ?2 "
          "WHERE sweep_id = ?1 AND state IN ($1, $2)",
          Job::CANCELLED, Job::PENDING, Job::RUNNING)));
  jobs->BindText(1, sweep_id).BindInt(2, absl::ToUnixMillis(now));
  RETURN_IF_ERROR(jobs->Run());
  *cancelled_jobs = connection.Changes();

  // Every queued or running job is now cancelled, so the counts move as a
  // whole instead of job by job.
  ASSIGN_OR_RETURN(ScopedStatement configs,
                   connection.Prepare("UPDATE configs SET cancelled = cancelled + pending + "
                                      "running, pending = 0, running = 0 WHERE sweep_id = ?1"));
  configs->BindText(1, sweep_id);
  RETURN_IF_ERROR(configs->Run());

  ASSIGN_OR_RETURN(ScopedStatement sweep,
                   connection.Prepare(absl::Substitute(
                       "UPDATE sweeps SET cancelled = cancelled + pending + running, "
                       "pending = 0, running = 0, state = $0, finish_time_ms = ?2 "
                       "WHERE sweep_id = ?1",
                       Sweep::CANCELLED)));
  sweep->BindText(1, sweep_id).BindInt(2, absl::ToUnixMillis(now));
  return sweep->Run();
}

}  // namespace

absl::StatusOr<Sweep> SweepStore::Create(const std::string& sweep_id,
                                         const v1::SweepSpec& spec,
                                         const spec::ExpandedGrid& grid, absl::Time now) {
  if (grid.jobs.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("sweep ", sweep_id, ": the grid has no jobs"));
  }
  if (grid.job_ids.size() != grid.jobs.size() || grid.config_ids.size() != grid.jobs.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "sweep ", sweep_id, ": ", grid.jobs.size(), " jobs but ", grid.job_ids.size(),
        " job ids and ", grid.config_ids.size(), " configuration ids"));
  }
  const absl::flat_hash_map<std::string, ConfigInfo> configs = GroupConfigs(grid);

  Sweep sweep;
  RETURN_IF_ERROR(database_->Write([&](Connection& connection) -> absl::Status {
    RETURN_IF_ERROR(InsertSweepRow(connection, sweep_id, spec, grid,
                                   static_cast<int64_t>(configs.size()), now));
    RETURN_IF_ERROR(InsertJobs(connection, sweep_id, grid, now));
    RETURN_IF_ERROR(InsertConfigs(connection, sweep_id, grid, configs,
                                  ModeSign(spec.objective().mode())));
    ASSIGN_OR_RETURN(sweep, ReadSweep(connection, sweep_id, /*include_spec=*/true));
    return absl::OkStatus();
  }));
  return sweep;
}

absl::StatusOr<Sweep> SweepStore::Get(const std::string& sweep_id, bool include_spec) {
  Sweep sweep;
  RETURN_IF_ERROR(database_->Read([&](Connection& connection) -> absl::Status {
    ASSIGN_OR_RETURN(sweep, ReadSweep(connection, sweep_id, include_spec));
    return absl::OkStatus();
  }));
  return sweep;
}

absl::StatusOr<v1::ListSweepsResponse> SweepStore::List(const v1::ListSweepsRequest& request) {
  int64_t before_seq = std::numeric_limits<int64_t>::max();
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(before_seq, DecodeIntToken(request.page_token(), "sweeps"));
  }
  const int page_size = ClampPageSize(request.page_size(), kDefaultSweepPageSize);

  v1::ListSweepsResponse response;
  int64_t last_seq = 0;
  RETURN_IF_ERROR(database_->Read([&](Connection& connection) -> absl::Status {
    ASSIGN_OR_RETURN(ScopedStatement select,
                     connection.Prepare(absl::StrCat(
                         "SELECT ", kSweepColumns,
                         " FROM sweeps WHERE sweep_seq < ?1 ORDER BY sweep_seq DESC LIMIT ?2")));
    select->BindInt(1, before_seq).BindInt(2, page_size);
    while (true) {
      ASSIGN_OR_RETURN(bool row, select->Step());
      if (!row) break;
      ASSIGN_OR_RETURN(*response.add_sweeps(), SweepFromRow(*select, /*include_spec=*/true));
      last_seq = select->ColumnInt(kSweepSeqColumn);
    }
    return absl::OkStatus();
  }));
  // The sequence starts at 1, so a full page ending at 1 is the last one.
  if (response.sweeps_size() == page_size && last_seq > 1) {
    response.set_next_page_token(EncodePageToken("sweeps", {absl::StrCat(last_seq)}));
  }
  return response;
}

absl::StatusOr<CancelResult> SweepStore::Cancel(const std::string& sweep_id, absl::Time now) {
  CancelResult result;
  RETURN_IF_ERROR(database_->Write([&](Connection& connection) -> absl::Status {
    ASSIGN_OR_RETURN(Sweep before, ReadSweep(connection, sweep_id, /*include_spec=*/false));
    if (before.state() == Sweep::FINISHED) {
      return absl::FailedPreconditionError(absl::StrCat(
          "sweep ", sweep_id, " is already FINISHED; there is nothing to cancel"));
    }
    if (before.state() == Sweep::ACTIVE) {
      RETURN_IF_ERROR(CancelJobs(connection, sweep_id, now, &result.cancelled_jobs));
    }
    ASSIGN_OR_RETURN(result.sweep, ReadSweep(connection, sweep_id, /*include_spec=*/true));
    return absl::OkStatus();
  }));
  return result;
}

absl::StatusOr<v1::ListJobsResponse> SweepStore::ListJobs(const v1::ListJobsRequest& request) {
  int64_t after_index = -1;
  if (!request.page_token().empty()) {
    ASSIGN_OR_RETURN(after_index, DecodeIntToken(request.page_token(), "jobs"));
  }
  ASSIGN_OR_RETURN(int64_t state_mask, StateMask(request));
  const int page_size = ClampPageSize(request.page_size(), kDefaultJobPageSize);
  const bool by_config = !request.config_id().empty();

  v1::ListJobsResponse response;
  RETURN_IF_ERROR(database_->Read([&](Connection& connection) -> absl::Status {
    RETURN_IF_ERROR(ReadSweep(connection, request.sweep_id(), false).status());
    ASSIGN_OR_RETURN(
        ScopedStatement select,
        connection.Prepare(absl::StrCat(
            "SELECT ", kJobColumns, request.include_curves() ? ", curve" : ", NULL",
            " FROM jobs WHERE sweep_id = ?1 AND job_index > ?2 ",
            "AND (?3 = 0 OR ((?3 >> state) & 1) = 1) ",
            by_config ? "AND config_id = ?5 " : "", "ORDER BY job_index LIMIT ?4")));
    select->BindText(1, request.sweep_id()).BindInt(2, after_index).BindInt(3, state_mask);
    select->BindInt(4, page_size);
    if (by_config) select->BindText(5, request.config_id());
    while (true) {
      ASSIGN_OR_RETURN(bool row, select->Step());
      if (!row) break;
      ASSIGN_OR_RETURN(*response.add_jobs(), JobFromRow(*select));
    }
    return absl::OkStatus();
  }));
  if (response.jobs_size() == page_size) {
    const int64_t last_index = response.jobs(page_size - 1).index();
    response.set_next_page_token(EncodePageToken("jobs", {absl::StrCat(last_index)}));
  }
  return response;
}

}  // namespace lrsweep::coordinator
