// Sweeps and their jobs in the store: creating a sweep with all of its jobs
// in one transaction, reading sweeps and jobs page by page, and cancelling.
// Thread-safe: every method runs under the Database's mutex.
#ifndef LRSWEEP_COORDINATOR_SWEEP_STORE_H_
#define LRSWEEP_COORDINATOR_SWEEP_STORE_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "coordinator/sqlite.h"
#include "lrsweep/v1/spec.pb.h"
#include "lrsweep/v1/sweep.pb.h"
#include "spec/grid.h"

namespace lrsweep::coordinator {

// Default and maximum page sizes of the list RPCs.
inline constexpr int kDefaultSweepPageSize = 50;
inline constexpr int kDefaultJobPageSize = 100;
inline constexpr int kMaxPageSize = 1000;

struct CancelResult {
  v1::Sweep sweep;
  // Jobs moved from PENDING or RUNNING to CANCELLED by this call.
  int64_t cancelled_jobs = 0;
};

class SweepStore {
 public:
  explicit SweepStore(Database* database) : database_(database) {}

  // Stores sweep `sweep_id` with `spec` (defaults filled in) and every job of
  // `grid`, each PENDING, in one transaction; returns the stored sweep.
  // INVALID_ARGUMENT when `grid` has no jobs or its id vectors do not match
  // its jobs. INTERNAL when the id is already taken.
  absl::StatusOr<v1::Sweep> Create(const std::string& sweep_id, const v1::SweepSpec& spec,
                                   const spec::ExpandedGrid& grid, absl::Time now);

  // Returns the sweep, with its spec when `include_spec`. NOT_FOUND for an
  // unknown id.
  absl::StatusOr<v1::Sweep> Get(const std::string& sweep_id, bool include_spec = true);

  // Returns one page of sweeps, newest first. INVALID_ARGUMENT for a page
  // token of another list.
  absl::StatusOr<v1::ListSweepsResponse> List(const v1::ListSweepsRequest& request);

  // Moves every PENDING and RUNNING job of the sweep to CANCELLED and the
  // sweep to CANCELLED. Cancelling a CANCELLED sweep changes nothing.
  // NOT_FOUND for an unknown id, FAILED_PRECONDITION for a FINISHED sweep.
  absl::StatusOr<CancelResult> Cancel(const std::string& sweep_id, absl::Time now);

  // Returns one page of the sweep's jobs in expansion order, filtered by the
  // request's states and config_id. NOT_FOUND for an unknown sweep, INVALID_ARGUMENT for an
  // invalid state filter or page token.
  absl::StatusOr<v1::ListJobsResponse> ListJobs(const v1::ListJobsRequest& request);

 private:
  Database* database_;
};

}  // namespace lrsweep::coordinator

#endif  // LRSWEEP_COORDINATOR_SWEEP_STORE_H_
