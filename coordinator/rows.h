// Helpers that turn store rows into lrsweep.v1 messages, shared by the
// sweep store, the job queue and the leaderboard.
#ifndef LRSWEEP_COORDINATOR_ROWS_H_
#define LRSWEEP_COORDINATOR_ROWS_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "coordinator/sqlite.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "lrsweep/v1/sweep.pb.h"

namespace lrsweep::coordinator {

// Reads the six count columns pending, running, succeeded, diverged, failed
// and cancelled starting at `first_column`, followed by total.
v1::JobCounts ReadJobCounts(const Statement& row, int first_column);

// Converts Unix time in milliseconds, as the store keeps it.
google::protobuf::Timestamp MillisToTimestamp(int64_t unix_millis);

// Parses `bytes` into `message`. INTERNAL naming `what` when the stored bytes
// are not a valid message, which means the file was damaged.
absl::Status ParseStored(absl::string_view bytes, absl::string_view what,
                         google::protobuf::Message* message);

// NOT_FOUND for an unknown sweep id.
inline absl::Status SweepNotFound(absl::string_view sweep_id) {
  return absl::NotFoundError(absl::StrCat("sweep '", sweep_id, "' not found"));
}

}  // namespace lrsweep::coordinator

#endif  // LRSWEEP_COORDINATOR_ROWS_H_
