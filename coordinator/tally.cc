#include "coordinator/tally.h"

#include <cmath>

#include "absl/strings/substitute.h"
#include "util/status_macros.h"

namespace lrsweep::coordinator {
namespace {

using v1::Job;

absl::Status MoveCount(Connection& connection, absl::string_view table,
                       absl::string_view key_condition, const std::string& sweep_id,
                       const std::string& config_id, Job::State from, Job::State to) {
  const std::string sql = absl::Substitute(
      "UPDATE $0 SET $1 = $1 - 1, $2 = $2 + 1 WHERE $3", table, CountColumn(from),
      CountColumn(to), key_condition);
  ASSIGN_OR_RETURN(ScopedStatement update, connection.Prepare(sql));
  update->BindText(1, sweep_id);
  if (!config_id.empty()) update->BindText(2, config_id);
  RETURN_IF_ERROR(update->Run());
  if (connection.Changes() != 1) {
    return absl::InternalError(absl::StrCat("no ", table, " row for sweep ", sweep_id,
                                            " configuration '", config_id, "'"));
  }
  return absl::OkStatus();
}

absl::Status AddObjective(Connection& connection, const std::string& sweep_id,
                          const std::string& config_id, double objective) {
  ASSIGN_OR_RETURN(ScopedStatement select,
                   connection.Prepare("SELECT n, mean, m2 FROM configs "
                                      "WHERE sweep_id = ?1 AND config_id = ?2"));
  select->BindText(1, sweep_id).BindText(2, config_id);
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) {
    return absl::InternalError(
        absl::StrCat("no configs row for sweep ", sweep_id, " configuration ", config_id));
  }
  RunningStats stats{select->ColumnInt(0), select->ColumnDouble(1), select->ColumnDouble(2)};
  stats.Add(objective);

  ASSIGN_OR_RETURN(ScopedStatement update,
                   connection.Prepare("UPDATE configs SET n = ?3, mean = ?4, m2 = ?5 "
                                      "WHERE sweep_id = ?1 AND config_id = ?2"));
  update->BindText(1, sweep_id).BindText(2, config_id);
  update->BindInt(3, stats.n).BindDouble(4, stats.mean).BindDouble(5, stats.m2);
  return update->Run();
}

absl::StatusOr<bool> FinishSweepIfDone(Connection& connection, const std::string& sweep_id,
                                       absl::Time now) {
  ASSIGN_OR_RETURN(
      ScopedStatement update,
      connection.Prepare(absl::Substitute(
          "UPDATE sweeps SET state = $0, finish_time_ms = ?2 "
          "WHERE sweep_id = ?1 AND state = $1 AND pending = 0 AND running = 0",
          v1::Sweep::FINISHED, v1::Sweep::ACTIVE)));
  update->BindText(1, sweep_id).BindInt(2, absl::ToUnixMillis(now));
  RETURN_IF_ERROR(update->Run());
  return connection.Changes() == 1;
}

}  // namespace

void RunningStats::Add(double x) {
  ++n;
  const double delta = x - mean;
  mean += delta / static_cast<double>(n);
  m2 += delta * (x - mean);
}

std::optional<double> RunningStats::SampleStddev() const {
  if (n == 0) return std::nullopt;
  if (n == 1) return 0.0;
  return std::sqrt(m2 / static_cast<double>(n - 1));
}

const char* CountColumn(Job::State state) {
  switch (state) {
    case Job::PENDING:
      return "pending";
    case Job::RUNNING:
      return "running";
    case Job::SUCCEEDED:
      return "succeeded";
    case Job::DIVERGED:
      return "diverged";
    case Job::FAILED:
      return "failed";
    case Job::CANCELLED:
      return "cancelled";
    default:
      break;
  }
  // No such column exists, so a statement built with it fails and the
  // transaction returns INTERNAL instead of miscounting.
  return "invalid_state";
}

absl::StatusOr<bool> CountTransition(Connection& connection, const std::string& sweep_id,
                             const std::string& config_id, Job::State from, Job::State to,
                             std::optional<double> objective, absl::Time now) {
  RETURN_IF_ERROR(MoveCount(connection, "sweeps", "sweep_id = ?1", sweep_id, "", from, to));
  RETURN_IF_ERROR(MoveCount(connection, "configs", "sweep_id = ?1 AND config_id = ?2",
                            sweep_id, config_id, from, to));
  if (objective.has_value()) {
    RETURN_IF_ERROR(AddObjective(connection, sweep_id, config_id, *objective));
  }
  return FinishSweepIfDone(connection, sweep_id, now);
}

}  // namespace lrsweep::coordinator
