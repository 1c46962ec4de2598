// Reading a job's objective from its final metrics.
#ifndef LRSWEEP_COORDINATOR_OBJECTIVE_H_
#define LRSWEEP_COORDINATOR_OBJECTIVE_H_

#include <optional>

#include "absl/strings/string_view.h"
#include "lrsweep/v1/sweep.pb.h"

namespace lrsweep::coordinator {

// Returns the value of objective metric `metric` (val_loss, train_loss or
// val_accuracy) in `metrics`. val_loss falls back to train_loss when the
// metrics have no val_loss, which is the case for a job without a
// validation split. Returns nullopt when the metric is absent or not finite,
// and for an unknown metric name.
std::optional<double> ReadObjective(absl::string_view metric, const v1::Metrics& metrics);

// Returns 1 for objective mode `min` and -1 for `max`: the factor that turns
// the objective into an ascending sort key.
int ModeSign(absl::string_view mode);

}  // namespace lrsweep::coordinator

#endif  // LRSWEEP_COORDINATOR_OBJECTIVE_H_
