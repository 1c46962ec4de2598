// RunJob: trains one job (a model, its data, a solver, a base learning rate,
// a scheduler and a seed) to the end and returns its curve and metrics.
//
// Training is epochs of mini-batches, as a PyTorch loop does it. Each step
// gathers a batch, computes the loss and gradient, calls the optimizer, then
// steps the scheduler if it steps per iteration. A per-epoch scheduler steps
// after the epoch's validation; ReduceLROnPlateau is given the validation
// loss, or the epoch's training loss when there is no validation split. For
// analytic objectives one epoch is one step on the whole objective.
//
// A run ends at `training.epochs` or `training.max_steps`, whichever comes
// first (0 means no limit), when the norm of a parameter update falls below
// `training.tolerance`, when the loss or a parameter becomes NaN or infinite
// (DIVERGED, a result rather than an error), or when the epoch callback
// returns false. One run uses one thread and reads the caller's datasets
// without changing them, so several runs may share one DataFiles.
#ifndef LRSWEEP_COMMON_ENGINE_TRAINER_H_
#define LRSWEEP_COMMON_ENGINE_TRAINER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/dataset.h"
#include "lrsweep/v1/spec.pb.h"

namespace lrsweep::engine {

constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

// Metrics at the end of one epoch. NaN marks a value that does not apply.
struct EpochMetrics {
  // Epochs completed, from 1.
  int64_t epoch = 0;
  // Optimizer steps completed so far.
  int64_t step = 0;
  // Learning rate used by the epoch's last optimizer step.
  double learning_rate = kNoValue;
  // Mean loss of the epoch's batches, each taken before its update; for
  // analytic objectives, the objective after the epoch's step.
  double train_loss = kNoValue;
  // Loss and accuracy on the validation rows after the epoch.
  double val_loss = kNoValue;
  double val_accuracy = kNoValue;
  double elapsed_seconds = 0;
};

// The reason a run ended.
enum class RunOutcome {
  kCompleted,  // the epoch or step limit was reached
  kConverged,  // an update was smaller than the tolerance
  kDiverged,   // the loss or a parameter became NaN or infinite
  kStopped,    // the epoch callback asked to stop
};

const char* RunOutcomeName(RunOutcome outcome);

struct TrainResult {
  RunOutcome outcome = RunOutcome::kCompleted;
  // Optimizer steps taken. For a diverged run, the step whose loss or update
  // was not finite.
  int64_t steps = 0;
  int64_t diverged_at_step = -1;
  // One entry per completed epoch; the last one contains the final metrics.
  std::vector<EpochMetrics> curve;
  // Lowest validation loss over the epochs and the epoch that reached it.
  double best_val_loss = kNoValue;
  int64_t best_epoch = 0;
  // Loss and accuracy on the test file, when the spec names one.
  double test_loss = kNoValue;
  double test_accuracy = kNoValue;
  double wall_seconds = 0;
};

// One optimizer step: the learning rate it used and the loss on its batch
// before the update.
struct StepTrace {
  int64_t step = 0;
  double learning_rate = 0;
  double loss = 0;
};

struct TrainOptions {
  // Called after every epoch with that epoch's metrics; returning false
  // stops the run with RunOutcome::kStopped.
  std::function<bool(const EpochMetrics&)> on_epoch;
  // When set, receives one row per optimizer step.
  std::vector<StepTrace>* trace = nullptr;
  // When set, read before every optimizer step; once true the run stops
  // with RunOutcome::kStopped. Lets another thread stop a long epoch.
  const std::atomic<bool>* stop_requested = nullptr;
};

// Runs `job`. `files` contains the loaded data files for data models and is
// ignored for analytic objectives. Returns INVALID_ARGUMENT when the job does
// not fit the data (for example softmax on regression labels) or names an
// invalid solver or scheduler; training outcomes, divergence included, are
// results.
absl::StatusOr<TrainResult> RunJob(const lrsweep::v1::JobSpec& job,
                                   const DataFiles& files,
                                   const TrainOptions& options = {});

// Returns true for the model kinds that train on data.
bool NeedsData(const lrsweep::v1::ModelSpec& model);

}  // namespace lrsweep::engine

#endif  // LRSWEEP_COMMON_ENGINE_TRAINER_H_
