#include "coordinator/rows.h"

#include "google/protobuf/util/time_util.h"

namespace lrsweep::coordinator {

v1::JobCounts ReadJobCounts(const Statement& row, int first_column) {
  v1::JobCounts counts;
  counts.set_pending(row.ColumnInt(first_column));
  counts.set_running(row.ColumnInt(first_column + 1));
  counts.set_succeeded(row.ColumnInt(first_column + 2));
  counts.set_diverged(row.ColumnInt(first_column + 3));
  counts.set_failed(row.ColumnInt(first_column + 4));
  counts.set_cancelled(row.ColumnInt(first_column + 5));
  counts.set_total(row.ColumnInt(first_column + 6));
  return counts;
}

google::protobuf::Timestamp MillisToTimestamp(int64_t unix_millis) {
  return google::protobuf::util::TimeUtil::MillisecondsToTimestamp(unix_millis);
}

absl::Status ParseStored(absl::string_view bytes, absl::string_view what,
                         google::protobuf::Message* message) {
  if (!message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InternalError(
        absl::StrCat("the store holds an unreadable ", what, "; the database file is damaged"));
  }
  return absl::OkStatus();
}

}  // namespace lrsweep::coordinator
