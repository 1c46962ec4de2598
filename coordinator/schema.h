// The coordinator's SQLite schema and the function that opens a store file.
//
// Tables: `sweeps` has one row per sweep with its job counts. `jobs` has one
// row per job and serves as the queue and the lease table. `configs` has one
// row per configuration of a sweep, with its job counts and the running
// statistics of its objective, and serves the leaderboard. The transactions
// that change job states keep the counts current (see tally.h), so progress
// and leaderboard reads never scan the jobs of a sweep.
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
// not exist. Returns FAILED_PRECONDITION when the file has another schema
// version, INTERNAL when it is not a SQLite database.
absl::StatusOr<std::unique_ptr<Database>> OpenStore(const std::string& path);

}  // namespace lrsweep::coordinator

#endif  // LRSWEEP_COORDINATOR_SCHEMA_H_
