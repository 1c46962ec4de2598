#include "coordinator/objective.h"

#include <cmath>

namespace lrsweep::coordinator {
namespace {

std::optional<double> Finite(bool present, double value) {
  if (!present || !std::isfinite(value)) return std::nullopt;
  return value;
}

}  // namespace

std::optional<double> ReadObjective(absl::string_view metric, const v1::Metrics& metrics) {
  if (metric == "val_loss") {
    if (metrics.has_val_loss()) return Finite(true, metrics.val_loss());
    return Finite(metrics.has_train_loss(), metrics.train_loss());
  }
  if (metric == "train_loss") return Finite(metrics.has_train_loss(), metrics.train_loss());
  if (metric == "val_accuracy") {
    return Finite(metrics.has_val_accuracy(), metrics.val_accuracy());
  }
  return std::nullopt;
}

int ModeSign(absl::string_view mode) { return mode == "max" ? -1 : 1; }

}  // namespace lrsweep::coordinator
