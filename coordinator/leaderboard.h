// The leaderboard of a sweep: its configurations ranked by the objective
// aggregated over seeds, read page by page from the `configs` table.
//
// The order is kept by the configs_rank index on (sweep_id, tier,
// rank_value, config_id), whose values the completion transactions keep
// current (see tally.h), so a page costs one index range scan of top_k rows
// however many jobs the sweep has. Thread-safe.
#ifndef LRSWEEP_COORDINATOR_LEADERBOARD_H_
#define LRSWEEP_COORDINATOR_LEADERBOARD_H_

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "coordinator/sqlite.h"
#include "lrsweep/v1/sweep.pb.h"

namespace lrsweep::coordinator {

inline constexpr int kDefaultTopK = 10;
inline constexpr int kMaxTopK = 1000;

// The query of one page. Parameters: ?1 sweep id, then ?2 tier, ?3
// rank_value and ?4 config_id of the last entry of the previous page, ?5 the
// page size. Public so that tests can check its plan.
extern const char kLeaderboardPageSql[];

class Leaderboard {
 public:
  explicit Leaderboard(Database* database) : database_(database) {}

  // Returns the page of up to top_k entries after the position that
  // page_token names (the first page when it is empty). Ranks count from 1
  // across pages. NOT_FOUND for an unknown sweep, INVALID_ARGUMENT for a
  // token of another sweep or list.
  absl::StatusOr<v1::GetLeaderboardResponse> GetPage(const v1::GetLeaderboardRequest& request);

  // Returns the first entry when it is FINISHED or PARTIAL, that is when
  // the best configuration has an objective. NOT_FOUND for an unknown sweep.
  absl::StatusOr<std::optional<v1::LeaderboardEntry>> Best(const std::string& sweep_id);

 private:
  Database* database_;
};

}  // namespace lrsweep::coordinator

#endif  // LRSWEEP_COORDINATOR_LEADERBOARD_H_
