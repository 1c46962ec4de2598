#include "engine/model.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/network.h"
#include "engine/objectives.h"
#include "util/format.h"
#include "util/status_macros.h"

namespace lrsweep::engine {
namespace {

using lrsweep::v1::ModelSpec;

constexpr char kKinds[] =
    "linear, logistic, softmax, mlp, quadratic, rosenbrock, rastrigin";

absl::Status Invalid(absl::string_view field, absl::string_view rule,
                     absl::string_view value) {
  return absl::InvalidArgumentError(absl::StrCat(field, ": ", rule, ", got ", value));
}

bool IsAnalytic(const std::string& kind) {
  return kind == "quadratic" || kind == "rosenbrock" || kind == "rastrigin";
}

// Rejects the fields that only some kinds take.
absl::Status CheckFieldsForKind(const ModelSpec& spec) {
  const std::string quoted_kind = absl::StrCat("'", spec.kind(), "'");
  if (spec.kind() != "mlp") {
    if (spec.hidden_size() > 0) return Invalid("model.hidden", "is only for kind mlp", quoted_kind);
    if (!spec.activation().empty()) {
      return Invalid("model.activation", "is only for kind mlp", quoted_kind);
    }
    if (!spec.loss().empty()) return Invalid("model.loss", "is only for kind mlp", quoted_kind);
  }
  if (!IsAnalytic(spec.kind()) && spec.start_size() > 0) {
    return Invalid("model.start", "is only for analytic objectives", quoted_kind);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<double>> CheckStart(const ModelSpec& spec) {
  if (spec.start_size() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model.start: missing; the analytic objective '", spec.kind(),
        "' needs a starting point such as [-1.5, 2.0]"));
  }
  if (spec.kind() == "rosenbrock" && spec.start_size() < 2) {
    return Invalid("model.start", "must have at least 2 coordinates for rosenbrock",
                   absl::StrCat(spec.start_size()));
  }
  for (int i = 0; i < spec.start_size(); ++i) {
    if (!std::isfinite(spec.start(i))) {
      return Invalid(absl::StrCat("model.start[", i, "]"), "must be finite",
                     util::FormatDouble(spec.start(i)));
    }
  }
  return std::vector<double>(spec.start().begin(), spec.start().end());
}

// Describes the labels of `data` for messages: "3 classes" or
// "real-valued labels (regression)".
std::string DescribeLabels(const DataShape& data) {
  if (data.num_classes == 0) return "real-valued labels (regression)";
  return absl::StrCat(data.num_classes, " classes");
}

// Fills the head, outputs and task of a network for `spec` and the labels
// of `data`.
absl::Status ChooseHead(const ModelSpec& spec, const DataShape& data,
                        NetworkOptions* options) {
  const std::string& kind = spec.kind();
  const bool mse = kind == "linear" || (kind == "mlp" && spec.loss() == "mse");
  if (kind == "linear" && data.num_classes > 0) {
    return Invalid("model.kind", "linear needs real-valued labels (regression)",
                   DescribeLabels(data));
  }
  if (kind == "logistic" && data.num_classes != 2) {
    return Invalid("model.kind",
                   "logistic needs exactly 2 classes; use softmax for more",
                   DescribeLabels(data));
  }
  if (!mse && kind != "logistic" && data.num_classes < 2) {
    return Invalid("model.kind",
                   absl::StrCat(kind, " with cross-entropy needs at least 2 classes"),
                   DescribeLabels(data));
  }

  options->task = data.num_classes > 0 ? ModelTask::kClassification : ModelTask::kRegression;
  options->num_outputs = data.num_classes > 0 ? data.num_classes : 1;
  if (mse) {
    options->head = Head::kMse;
  } else if (kind == "logistic") {
    options->head = Head::kBinaryCrossEntropy;
    options->num_outputs = 1;
  } else {
    options->head = Head::kCrossEntropy;
  }
  return absl::OkStatus();
}

// Reads hidden, activation and loss of an mlp.
absl::Status ReadMlpFields(const ModelSpec& spec, NetworkOptions* options) {
  for (int i = 0; i < spec.hidden_size(); ++i) {
    if (spec.hidden(i) <= 0) {
      return Invalid(absl::StrCat("model.hidden[", i, "]"), "must be > 0",
                     absl::StrCat(spec.hidden(i)));
    }
    options->hidden.push_back(spec.hidden(i));
  }
  const std::string& activation = spec.activation();
  if (activation == "tanh") {
    options->activation = Activation::kTanh;
  } else if (activation.empty() || activation == "relu") {
    options->activation = Activation::kRelu;
  } else {
    return Invalid("model.activation", "must be one of relu, tanh",
                   absl::StrCat("'", activation, "'"));
  }
  if (!spec.loss().empty() && spec.loss() != "cross_entropy" && spec.loss() != "mse") {
    return Invalid("model.loss", "must be one of cross_entropy, mse",
                   absl::StrCat("'", spec.loss(), "'"));
  }
  return absl::OkStatus();
}

template <typename T>
absl::StatusOr<std::unique_ptr<Model<T>>> MakeNetwork(const ModelSpec& spec,
                                                      const DataShape& data,
                                                      Eigen::Index max_batch_size) {
  if (data.num_features <= 0) {
    return Invalid("model.kind", absl::StrCat(spec.kind(), " needs data with features"),
                   absl::StrCat(data.num_features, " feature columns"));
  }
  if (max_batch_size <= 0) {
    return Invalid("max_batch_size", "must be > 0", absl::StrCat(max_batch_size));
  }
  NetworkOptions options;
  options.num_inputs = data.num_features;
  options.max_batch_size = max_batch_size;
  if (spec.kind() == "mlp") RETURN_IF_ERROR(ReadMlpFields(spec, &options));
  RETURN_IF_ERROR(ChooseHead(spec, data, &options));
  return std::unique_ptr<Model<T>>(std::make_unique<Network<T>>(options));
}

}  // namespace

template <typename T>
absl::StatusOr<std::unique_ptr<Model<T>>> MakeModel(const ModelSpec& spec,
                                                     const DataShape& data,
                                                     Eigen::Index max_batch_size) {
  const std::string& kind = spec.kind();
  if (kind.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("model.kind: missing; use one of ", kKinds));
  }
  const bool known = kind == "linear" || kind == "logistic" || kind == "softmax" ||
                     kind == "mlp" || IsAnalytic(kind);
  if (!known) {
    return Invalid("model.kind", absl::StrCat("must be one of ", kKinds),
                   absl::StrCat("'", kind, "'"));
  }
  RETURN_IF_ERROR(CheckFieldsForKind(spec));
  if (!IsAnalytic(kind)) return MakeNetwork<T>(spec, data, max_batch_size);

  ASSIGN_OR_RETURN(std::vector<double> start, CheckStart(spec));
  ObjectiveKind objective = ObjectiveKind::kQuadratic;
  if (kind == "rosenbrock") objective = ObjectiveKind::kRosenbrock;
  if (kind == "rastrigin") objective = ObjectiveKind::kRastrigin;
  return std::unique_ptr<Model<T>>(std::make_unique<AnalyticObjective<T>>(objective, start));
}

template absl::StatusOr<std::unique_ptr<Model<float>>> MakeModel<float>(
    const ModelSpec&, const DataShape&, Eigen::Index);
template absl::StatusOr<std::unique_ptr<Model<double>>> MakeModel<double>(
    const ModelSpec&, const DataShape&, Eigen::Index);

}  // namespace lrsweep::engine
