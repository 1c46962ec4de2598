#include "coordinator/leaderboard.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "absl/base/casts.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "coordinator/page_token.h"
#include "coordinator/rows.h"
#include "coordinator/tally.h"
#include "util/status_macros.h"

namespace lrsweep::coordinator {

const char kLeaderboardPageSql[] =
    "SELECT config_id, spec, tier, rank_value, n, mean, m2, "
    "pending, running, succeeded, diverged, failed, cancelled, total "
    "FROM configs WHERE sweep_id = ?1 AND (tier, rank_value, config_id) > (?2, ?3, ?4) "
    "ORDER BY tier, rank_value, config_id LIMIT ?5";

namespace {

using v1::LeaderboardEntry;

constexpr char kTokenKind[] = "leaderboard";

// The position after which a page starts: the sort key of the previous
// page's last entry and the number of entries before it. Tiers start at 1, so
// the default position is before every entry.
struct Position {
  int64_t tier = 0;
  double rank_value = 0.0;
  std::string config_id;
  int64_t offset = 0;
};

std::string EncodePosition(const std::string& sweep_id, const Position& position) {
  return EncodePageToken(
      kTokenKind, {sweep_id, absl::StrCat(position.tier),
                   absl::StrCat(absl::bit_cast<uint64_t>(position.rank_value)),
                   position.config_id, absl::StrCat(position.offset)});
}

absl::StatusOr<Position> DecodePosition(const std::string& sweep_id, const std::string& token) {
  Position position;
  if (token.empty()) return position;
  ASSIGN_OR_RETURN(std::vector<std::string> fields, DecodePageToken(token, kTokenKind, 5));
  if (fields[0] != sweep_id) {
    return absl::InvalidArgumentError(absl::StrCat("page_token: belongs to sweep '", fields[0],
                                                   "', not to '", sweep_id, "'"));
  }
  uint64_t rank_bits = 0;
  if (!absl::SimpleAtoi(fields[1], &position.tier) ||
      !absl::SimpleAtoi(fields[2], &rank_bits) ||
      !absl::SimpleAtoi(fields[4], &position.offset)) {
    return absl::InvalidArgumentError(
        absl::StrCat("page_token: invalid token '", token, "'; pass next_page_token unchanged"));
  }
  position.rank_value = absl::bit_cast<double>(rank_bits);
  position.config_id = fields[3];
  return position;
}

absl::StatusOr<LeaderboardEntry> EntryFromRow(const Statement& row, int64_t rank) {
  LeaderboardEntry entry;
  entry.set_rank(rank);
  entry.set_config_id(row.ColumnText(0));
  v1::JobSpec config;
  RETURN_IF_ERROR(ParseStored(row.ColumnBlob(1), "configuration spec", &config));
  *entry.mutable_solver() = config.solver();
  entry.set_base_lr(config.base_lr());
  if (config.has_scheduler()) *entry.mutable_scheduler() = config.scheduler();
  entry.set_status(static_cast<LeaderboardEntry::Status>(row.ColumnInt(2)));

  const RunningStats stats{row.ColumnInt(4), row.ColumnDouble(5), row.ColumnDouble(6)};
  entry.set_objective_count(stats.n);
  if (stats.n > 0) {
    entry.set_objective_mean(stats.mean);
    entry.set_objective_std(*stats.SampleStddev());
  }
  *entry.mutable_counts() = ReadJobCounts(row, 7);
  return entry;
}

struct SweepRanking {
  v1::ObjectiveSpec objective;
  int64_t config_count = 0;
};

absl::StatusOr<SweepRanking> ReadRanking(Connection& connection, const std::string& sweep_id) {
  ASSIGN_OR_RETURN(ScopedStatement select,
                   connection.Prepare("SELECT objective_metric, mode_sign, config_count "
                                      "FROM sweeps WHERE sweep_id = ?1"));
  select->BindText(1, sweep_id);
  ASSIGN_OR_RETURN(bool found, select->Step());
  if (!found) return SweepNotFound(sweep_id);
  SweepRanking ranking;
  ranking.objective.set_metric(select->ColumnText(0));
  ranking.objective.set_mode(select->ColumnInt(1) < 0 ? "max" : "min");
  ranking.config_count = select->ColumnInt(2);
  return ranking;
}

// Reads up to `limit` entries after `position` into `response` and moves
// `position` to the last one.
absl::Status ReadPage(Connection& connection, const std::string& sweep_id, int limit,
                      Position* position, v1::GetLeaderboardResponse* response) {
  ASSIGN_OR_RETURN(ScopedStatement select, connection.Prepare(kLeaderboardPageSql));
  select->BindText(1, sweep_id).BindInt(2, position->tier);
  select->BindDouble(3, position->rank_value).BindText(4, position->config_id);
  select->BindInt(5, limit);
  while (true) {
    ASSIGN_OR_RETURN(bool row, select->Step());
    if (!row) break;
    ++position->offset;
    ASSIGN_OR_RETURN(*response->add_entries(), EntryFromRow(*select, position->offset));
    position->tier = select->ColumnInt(2);
    position->rank_value = select->ColumnDouble(3);
    position->config_id = select->ColumnText(0);
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<v1::GetLeaderboardResponse> Leaderboard::GetPage(
    const v1::GetLeaderboardRequest& request) {
  const std::string& sweep_id = request.sweep_id();
  ASSIGN_OR_RETURN(Position position, DecodePosition(sweep_id, request.page_token()));
  const int top_k = request.top_k() <= 0 ? kDefaultTopK : std::min(request.top_k(), kMaxTopK);

  v1::GetLeaderboardResponse response;
  RETURN_IF_ERROR(database_->Read([&](Connection& connection) -> absl::Status {
    ASSIGN_OR_RETURN(SweepRanking ranking, ReadRanking(connection, sweep_id));
    *response.mutable_objective() = ranking.objective;
    response.set_config_count(ranking.config_count);
    return ReadPage(connection, sweep_id, top_k, &position, &response);
  }));
  if (response.entries_size() == top_k && position.offset < response.config_count()) {
    response.set_next_page_token(EncodePosition(sweep_id, position));
  }
  return response;
}

absl::StatusOr<std::optional<v1::LeaderboardEntry>> Leaderboard::Best(
    const std::string& sweep_id) {
  v1::GetLeaderboardRequest request;
  request.set_sweep_id(sweep_id);
  request.set_top_k(1);
  ASSIGN_OR_RETURN(v1::GetLeaderboardResponse page, GetPage(request));
  if (page.entries().empty()) return std::nullopt;
  const LeaderboardEntry& first = page.entries(0);
  if (first.status() != LeaderboardEntry::FINISHED &&
      first.status() != LeaderboardEntry::PARTIAL) {
    return std::nullopt;
  }
  return first;
}

}  // namespace lrsweep::coordinator
