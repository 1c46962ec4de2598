// Bookkeeping shared by every transaction that changes a job's state: the
// per-state job counts of the sweep and of the configuration, the running
// statistics of the configuration's objective, and the sweep's move to
// FINISHED. Call these inside the transaction that changes the job row.
#ifndef LRSWEEP_COORDINATOR_TALLY_H_
#define LRSWEEP_COORDINATOR_TALLY_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "coordinator/sqlite.h"
#include "lrsweep/v1/sweep.pb.h"

namespace lrsweep::coordinator {

// Welford's online mean and variance: after Add(x) for every value,
// mean = sum(x) / n and m2 = sum((x - mean)^2), without the cancellation of
// the sum-of-squares formula.
struct RunningStats {
  int64_t n = 0;
  double mean = 0.0;
  double m2 = 0.0;

  void Add(double x);
  // Sample standard deviation sqrt(m2 / (n - 1)); 0 for one value and
  // nullopt for none.
  std::optional<double> SampleStddev() const;
};

// Returns the name of the count column of `state` in the sweeps and configs
// tables: pending, running, succeeded, diverged, failed or cancelled.
const char* CountColumn(v1::Job::State state);

// Moves one job of configuration `config_id` in sweep `sweep_id` from state
// `from` to state `to` in the counts of both. Adds `objective`, when set, to
// the configuration's statistics. Marks the sweep FINISHED at `now` when no
// job of it is left queued or running, and then returns true.
absl::StatusOr<bool> CountTransition(Connection& connection, const std::string& sweep_id,
                             const std::string& config_id, v1::Job::State from,
                             v1::Job::State to, std::optional<double> objective,
                             absl::Time now);

}  // namespace lrsweep::coordinator

#endif  // LRSWEEP_COORDINATOR_TALLY_H_
