#include "coordinator/schema.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/substitute.h"
#include "lrsweep/v1/sweep.pb.h"
#include "util/status_macros.h"

namespace lrsweep::coordinator {
namespace {

using v1::Job;
using v1::LeaderboardEntry;

// Enum columns hold the proto enum numbers, which the proto contract keeps
// stable. They are spliced into the SQL as literals because SQLite uses a
// partial index only when the query's WHERE clause repeats its literal.
std::string SchemaSql() {
  return absl::Substitute(R"sql(
CREATE TABLE sweeps (
  sweep_seq INTEGER PRIMARY KEY,            -- creation order
  sweep_id TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  state INTEGER NOT NULL,                   -- lrsweep.v1.Sweep.State
  spec BLOB NOT NULL,                       -- SweepSpec, defaults filled in
  dropped BLOB NOT NULL,                    -- Sweep with only dropped_jobs set
  objective_metric TEXT NOT NULL,
  mode_sign INTEGER NOT NULL,               -- 1 for mode min, -1 for max
  max_attempts INTEGER NOT NULL,
  lease_seconds INTEGER NOT NULL,
  pending INTEGER NOT NULL DEFAULT 0,       -- job counts by state
  running INTEGER NOT NULL DEFAULT 0,
  succeeded INTEGER NOT NULL DEFAULT 0,
  diverged INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  cancelled INTEGER NOT NULL DEFAULT 0,
  total INTEGER NOT NULL,
  config_count INTEGER NOT NULL,
  duplicate_jobs INTEGER NOT NULL,
  create_time_ms INTEGER NOT NULL,          -- Unix time, milliseconds
  finish_time_ms INTEGER                    -- NULL while the sweep is active
);

CREATE TABLE jobs (
  job_seq INTEGER PRIMARY KEY,              -- queue order: sweep, then index
  sweep_id TEXT NOT NULL REFERENCES sweeps (sweep_id),
  job_id TEXT NOT NULL,
  job_index INTEGER NOT NULL,               -- position in the grid expansion
  config_id TEXT NOT NULL,
  spec BLOB NOT NULL,                       -- JobSpec
  state INTEGER NOT NULL,                   -- lrsweep.v1.Job.State
  attempt INTEGER NOT NULL DEFAULT 0,       -- attempts started
  completed_attempt INTEGER NOT NULL DEFAULT 0,  -- last attempt a worker completed
  worker_id TEXT NOT NULL DEFAULT '',
  lease_deadline_ms INTEGER,                -- set while RUNNING
  objective REAL,
  metrics BLOB,                             -- Metrics
  curve BLOB,                               -- Job with only curve set
  error TEXT NOT NULL DEFAULT '',
  update_time_ms INTEGER NOT NULL,
  UNIQUE (sweep_id, job_id)
);
CREATE INDEX jobs_pending ON jobs (state) WHERE state = $0;
CREATE INDEX jobs_leases ON jobs (lease_deadline_ms) WHERE state = $1;
CREATE INDEX jobs_by_index ON jobs (sweep_id, job_index);
CREATE INDEX jobs_by_config ON jobs (sweep_id, config_id, job_index);

-- n, mean and m2 are Welford's running statistics of the objective over the
-- seeds that have one. tier and rank_value make the leaderboard order, which
-- configs_rank serves without sorting.
CREATE TABLE configs (
  sweep_id TEXT NOT NULL REFERENCES sweeps (sweep_id),
  config_id TEXT NOT NULL,
  first_index INTEGER NOT NULL,             -- job_index of the first seed
  spec BLOB NOT NULL,                       -- JobSpec without its seed
  mode_sign INTEGER NOT NULL,
  pending INTEGER NOT NULL DEFAULT 0,
  running INTEGER NOT NULL DEFAULT 0,
  succeeded INTEGER NOT NULL DEFAULT 0,
  diverged INTEGER NOT NULL DEFAULT 0,
  failed INTEGER NOT NULL DEFAULT 0,
  cancelled INTEGER NOT NULL DEFAULT 0,
  total INTEGER NOT NULL,
  n INTEGER NOT NULL DEFAULT 0,
  mean REAL NOT NULL DEFAULT 0,
  m2 REAL NOT NULL DEFAULT 0,
  tier INTEGER GENERATED ALWAYS AS (   -- lrsweep.v1.LeaderboardEntry.Status
    CASE WHEN diverged > 0 THEN $5
         WHEN n = 0 THEN $4
         WHEN pending + running > 0 THEN $3
         ELSE $2 END) STORED,
  rank_value REAL GENERATED ALWAYS AS (
    CASE WHEN diverged = 0 AND n > 0 THEN mode_sign * mean ELSE 0.0 END) STORED,
  PRIMARY KEY (sweep_id, config_id)
) WITHOUT ROWID;
CREATE INDEX configs_rank ON configs (sweep_id, tier, rank_value, config_id);
)sql",
                          Job::PENDING, Job::RUNNING, LeaderboardEntry::FINISHED,
                          LeaderboardEntry::PARTIAL, LeaderboardEntry::NO_RESULT,
                          LeaderboardEntry::DIVERGED);
}

absl::StatusOr<int64_t> ReadSchemaVersion(Connection& connection) {
  ASSIGN_OR_RETURN(ScopedStatement statement, connection.Prepare("PRAGMA user_version"));
  ASSIGN_OR_RETURN(bool row, statement->Step());
  if (!row) return absl::InternalError("PRAGMA user_version returned no row");
  return statement->ColumnInt(0);
}

absl::Status CreateOrCheckSchema(Connection& connection, const std::string& path) {
  ASSIGN_OR_RETURN(int64_t version, ReadSchemaVersion(connection));
  if (version == kSchemaVersion) return absl::OkStatus();
  if (version != 0) {
    return absl::FailedPreconditionError(absl::StrCat(
        path, ": store schema version ", version, " is not supported; this coordinator reads version ",
        kSchemaVersion));
  }
  RETURN_IF_ERROR(connection.Execute(SchemaSql()));
  return connection.Execute(absl::StrCat("PRAGMA user_version = ", kSchemaVersion));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Database>> OpenStore(const std::string& path) {
  ASSIGN_OR_RETURN(std::unique_ptr<Database> database, Database::Open(path));
  RETURN_IF_ERROR(database->Write(
      [&path](Connection& connection) { return CreateOrCheckSchema(connection, path); }));
  return database;
}

}  // namespace lrsweep::coordinator
