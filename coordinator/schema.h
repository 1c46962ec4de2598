// The coordinator's SQLite schema and the function that opens a store file.
//
// Tables: `sweeps` (one row per sweep with its job counts), `jobs` (one row
// per job; the queue and the leases), `configs` (one row per configuration of
// a sweep with its job counts and the running statistics of its objective:
// the leaderboard). Counts are kept up to date by the transactions that
// change job states (see tally.h), so that progress and leaderboard reads
// never scan the jobs of a sweep.
#ifndef LRSWEEP_COORDINATOR_SCHEMA_H_
#define LRSWEEP_COORDINATOR_SCHEMA_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "coordinator/sqlite.h"

namespace lrsweep::coordinator {

// Version written to PRAGMA user_version.
inline constexpr int kSchemaVersion = 1;

// Opens the store at `path`, creating the file and its tables when they do
// not exist. Returns FAILED_PRECONDITION when the file was written by a newer
// schema version, INTERNAL when it is not a SQLite database.
absl::StatusOr<std::unique_ptr<Database>> OpenStore(const std::string& path);

}  // namespace lrsweep::coordinator

#endif  // LRSWEEP_COORDINATOR_SCHEMA_H_
