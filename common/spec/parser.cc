#include "spec/parser.h"

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/optimizer.h"
#include "engine/scheduler.h"
#include "spec/axes.h"
#include "spec/grid.h"
#include "spec/yaml_to_proto.h"
#include "util/format.h"
#include "util/status_macros.h"
#include "yaml-cpp/yaml.h"

namespace lrsweep::spec {
namespace {

constexpr int64_t kDefaultMaxJobs = 100000;
constexpr int32_t kDefaultMaxAttempts = 3;
constexpr int32_t kDefaultLeaseSeconds = 60;
// Learning rate used to validate inline solver and scheduler specs, which
// come without one.
constexpr double kValidationLearningRate = 0.01;

const std::vector<absl::string_view> kDataModels = {"linear", "logistic",
                                                   "softmax", "mlp"};
const std::vector<absl::string_view> kAnalyticModels = {"quadratic",
                                                       "rosenbrock",
                                                       "rastrigin"};

bool Contains(const std::vector<absl::string_view>& list, absl::string_view x) {
  for (absl::string_view item : list) {
    if (item == x) return true;
  }
  return false;
}

absl::Status Invalid(absl::string_view path, absl::string_view rule,
                     absl::string_view value) {
  return absl::InvalidArgumentError(
      absl::StrCat(path, ": ", rule, ", got ", value));
}

absl::Status InvalidNumber(absl::string_view path, absl::string_view rule,
                           double value) {
  return Invalid(path, rule, util::FormatDouble(value));
}

absl::Status CheckChoice(absl::string_view path, const std::string& value,
                         const std::vector<absl::string_view>& choices) {
  if (Contains(choices, value)) return absl::OkStatus();
  return Invalid(path, absl::StrCat("must be one of ", absl::StrJoin(choices, ", ")),
                 absl::StrCat("'", value, "'"));
}

// Prefixes an engine error (`gamma: must be > 0, got -0.5`) with the path of
// the spec entry it came from.
absl::Status WithPath(const absl::Status& status, absl::string_view path) {
  if (status.ok()) return status;
  return absl::Status(status.code(),
                      absl::StrCat(path, ".", status.message()));
}

absl::StatusOr<YAML::Node> LoadYaml(absl::string_view text) {
  try {
    YAML::Node node = YAML::Load(std::string(text));
    if (!node.IsDefined() || node.IsNull()) {
      return absl::InvalidArgumentError("spec: empty document");
    }
    return node;
  } catch (const YAML::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("spec: invalid YAML at line ", e.mark.line + 1,
                     ", column ", e.mark.column + 1, ": ", e.msg));
  }
}

absl::Status ValidateData(const v1::SweepSpec& spec) {
  const bool analytic = Contains(kAnalyticModels, spec.model().kind());
  const v1::DataSpec& data = spec.data();
  if (analytic) {
    if (spec.has_data() && !data.train().empty()) {
      return Invalid("data.train", absl::StrCat("must be empty for the analytic objective '",
                                                spec.model().kind(), "'"),
                     data.train());
    }
    return absl::OkStatus();
  }
  if (data.train().empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("data.train: missing; model kind '", spec.model().kind(),
                     "' trains on data"));
  }
  if (!(data.validation_fraction() >= 0 && data.validation_fraction() < 1)) {
    return InvalidNumber("data.validation_fraction", "must be in [0, 1)",
                         data.validation_fraction());
  }
  return absl::OkStatus();
}

absl::Status ValidateModel(const v1::ModelSpec& model) {
  if (model.kind().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model.kind: missing; use one of ", absl::StrJoin(kDataModels, ", "),
        ", ", absl::StrJoin(kAnalyticModels, ", ")));
  }
  std::vector<absl::string_view> kinds = kDataModels;
  kinds.insert(kinds.end(), kAnalyticModels.begin(), kAnalyticModels.end());
  RETURN_IF_ERROR(CheckChoice("model.kind", model.kind(), kinds));

  const bool mlp = model.kind() == "mlp";
  const bool analytic = Contains(kAnalyticModels, model.kind());
  if (mlp && model.hidden_size() == 0) {
    return absl::InvalidArgumentError(
        "model.hidden: missing; mlp needs at least one hidden layer, e.g. hidden: [128] "
        "(without one, use kind: softmax)");
  }
  if (!mlp && model.hidden_size() > 0) {
    return Invalid("model.hidden", "is only for kind mlp", model.kind());
  }
  for (int i = 0; i < model.hidden_size(); ++i) {
    if (model.hidden(i) <= 0) {
      return Invalid(absl::StrCat("model.hidden[", i, "]"), "must be > 0",
                     absl::StrCat(model.hidden(i)));
    }
  }
  if (!model.activation().empty()) {
    if (!mlp) return Invalid("model.activation", "is only for kind mlp", model.kind());
    RETURN_IF_ERROR(CheckChoice("model.activation", model.activation(), {"relu", "tanh"}));
  }
  if (!model.loss().empty()) {
    if (!mlp) return Invalid("model.loss", "is only for kind mlp", model.kind());
    RETURN_IF_ERROR(CheckChoice("model.loss", model.loss(), {"cross_entropy", "mse"}));
  }
  if (analytic && model.start_size() == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "model.start: missing; the analytic objective '", model.kind(),
        "' needs a starting point such as [-1.5, 2.0]"));
  }
  if (!analytic && model.start_size() > 0) {
    return Invalid("model.start", "is only for analytic objectives", model.kind());
  }
  if (model.kind() == "rosenbrock" && model.start_size() < 2) {
    return Invalid("model.start", "must have at least 2 coordinates for rosenbrock",
                   absl::StrCat(model.start_size()));
  }
  return absl::OkStatus();
}

absl::Status ValidateTraining(const v1::TrainingSpec& training) {
  if (training.epochs() < 0) {
    return Invalid("training.epochs", "must be >= 0", absl::StrCat(training.epochs()));
  }
  if (training.max_steps() < 0) {
    return Invalid("training.max_steps", "must be >= 0",
                   absl::StrCat(training.max_steps()));
  }
  if (training.epochs() == 0 && training.max_steps() == 0) {
    return absl::InvalidArgumentError(
        "training: set epochs or max_steps (or both); both are 0 or missing");
  }
  if (training.batch_size() < 0) {
    return Invalid("training.batch_size", "must be >= 0 (0 is the full batch)",
                   absl::StrCat(training.batch_size()));
  }
  if (!(training.tolerance() >= 0)) {
    return InvalidNumber("training.tolerance", "must be >= 0", training.tolerance());
  }
  return CheckChoice("training.precision", training.precision(),
                     {"float32", "float64"});
}

absl::Status ValidateObjective(const v1::SweepSpec& spec) {
  RETURN_IF_ERROR(CheckChoice("objective.metric", spec.objective().metric(),
                              {"val_loss", "train_loss", "val_accuracy"}));
  RETURN_IF_ERROR(CheckChoice("objective.mode", spec.objective().mode(), {"min", "max"}));
  const std::string& kind = spec.model().kind();
  if (spec.objective().metric() == "val_accuracy" &&
      (kind == "linear" || Contains(kAnalyticModels, kind))) {
    return Invalid("objective.metric", "val_accuracy needs a classification model",
                   absl::StrCat("model kind '", kind, "'"));
  }
  return absl::OkStatus();
}

absl::Status ValidateLimits(const v1::LimitsSpec& limits) {
  if (limits.max_jobs() <= 0) {
    return Invalid("limits.max_jobs", "must be > 0", absl::StrCat(limits.max_jobs()));
  }
  if (limits.max_attempts() <= 0) {
    return Invalid("limits.max_attempts", "must be > 0",
                   absl::StrCat(limits.max_attempts()));
  }
  if (limits.lease_seconds() <= 0) {
    return Invalid("limits.lease_seconds", "must be > 0",
                   absl::StrCat(limits.lease_seconds()));
  }
  return absl::OkStatus();
}

absl::Status CheckStepUnit(const v1::SchedulerSpec& scheduler,
                           const std::string& path) {
  if (scheduler.step_unit().empty()) return absl::OkStatus();
  return CheckChoice(absl::StrCat(path, ".step_unit"), scheduler.step_unit(),
                     {"epoch", "iteration"});
}

absl::Status ValidateGrid(const v1::SweepSpec& spec) {
  const v1::SweepGrid& grid = spec.grid();
  if (grid.solvers_size() == 0) {
    return absl::InvalidArgumentError(
        "grid.solvers: missing; give at least one solver, e.g. {name: SGD}");
  }
  if (grid.base_lr_size() == 0) {
    return absl::InvalidArgumentError(
        "grid.base_lr: missing; give at least one base learning rate");
  }
  for (int i = 0; i < grid.base_lr_size(); ++i) {
    if (!(grid.base_lr(i) > 0)) {
      return InvalidNumber(absl::StrCat("grid.base_lr[", i, "]"), "must be > 0",
                           grid.base_lr(i));
    }
  }
  const uint64_t jobs = CountJobs(spec);
  if (jobs > static_cast<uint64_t>(spec.limits().max_jobs())) {
    return absl::InvalidArgumentError(
        absl::StrCat("grid: expands to ", jobs, " jobs, more than limits.max_jobs = ",
                     spec.limits().max_jobs()));
  }

  // Combinations invalid only together with other values are dropped at
  // expansion; an axis value that is invalid in every combination is
  // rejected here.
  const double lr = grid.base_lr(0);
  for (int i = 0; i < grid.solvers_size(); ++i) {
    RETURN_IF_ERROR(ExpandSolver(grid.solvers(i), lr,
                                 absl::StrCat("grid.solvers[", i, "]"), nullptr)
                        .status());
  }
  for (int i = 0; i < grid.schedulers_size(); ++i) {
    const std::string path = absl::StrCat("grid.schedulers[", i, "]");
    RETURN_IF_ERROR(CheckStepUnit(grid.schedulers(i), path));
    RETURN_IF_ERROR(
        ExpandScheduler(grid.schedulers(i), lr, path, nullptr).status());
  }
  return absl::OkStatus();
}

template <typename Component>
absl::StatusOr<Component> ParseComponent(absl::string_view text,
                                         absl::string_view path) {
  ASSIGN_OR_RETURN(YAML::Node node, LoadYaml(text));
  Component component;
  RETURN_IF_ERROR(YamlToMessage(node, std::string(path), &component));
  if (component.name().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ".name: missing"));
  }
  if (CountArgCombinations(component.args()) != 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": give one value per argument; lists of values are grid axes "
              "and belong in a sweep spec"));
  }
  return component;
}

}  // namespace

void ResolveDataPaths(const std::string& base_directory, v1::SweepSpec* spec) {
  if (!spec->has_data() || base_directory.empty()) return;
  v1::DataSpec* data = spec->mutable_data();
  for (std::string* file : {data->mutable_train(), data->mutable_test()}) {
    if (!file->empty() && std::filesystem::path(*file).is_relative()) {
      *file = (std::filesystem::path(base_directory) / *file).lexically_normal().string();
    }
  }
}

void ApplyDefaults(v1::SweepSpec* spec) {
  v1::TrainingSpec* training = spec->mutable_training();
  if (training->precision().empty()) training->set_precision("float32");
  if (training->seeds_size() == 0) training->add_seeds(0);

  v1::ObjectiveSpec* objective = spec->mutable_objective();
  if (objective->metric().empty()) objective->set_metric("val_loss");
  if (objective->mode().empty()) objective->set_mode("min");

  v1::LimitsSpec* limits = spec->mutable_limits();
  if (limits->max_jobs() == 0) limits->set_max_jobs(kDefaultMaxJobs);
  if (limits->max_attempts() == 0) limits->set_max_attempts(kDefaultMaxAttempts);
  if (limits->lease_seconds() == 0) limits->set_lease_seconds(kDefaultLeaseSeconds);

  v1::ModelSpec* model = spec->mutable_model();
  if (model->kind() == "mlp") {
    if (model->activation().empty()) model->set_activation("relu");
    if (model->loss().empty()) model->set_loss("cross_entropy");
  }
}

absl::Status ValidateSweepSpec(const v1::SweepSpec& spec) {
  RETURN_IF_ERROR(ValidateModel(spec.model()));
  RETURN_IF_ERROR(ValidateData(spec));
  RETURN_IF_ERROR(ValidateTraining(spec.training()));
  RETURN_IF_ERROR(ValidateObjective(spec));
  RETURN_IF_ERROR(ValidateLimits(spec.limits()));
  return ValidateGrid(spec);
}

absl::StatusOr<v1::SweepSpec> ParseSweepSpec(absl::string_view text) {
  ASSIGN_OR_RETURN(YAML::Node node, LoadYaml(text));
  v1::SweepSpec spec;
  RETURN_IF_ERROR(YamlToMessage(node, "", &spec));
  ApplyDefaults(&spec);
  RETURN_IF_ERROR(ValidateSweepSpec(spec));
  return spec;
}

absl::StatusOr<v1::SweepSpec> LoadSweepSpec(const std::string& path) {
  std::ifstream file(path);
  if (!file) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot open the spec file"));
  }
  std::stringstream text;
  text << file.rdbuf();
  auto spec = ParseSweepSpec(text.str());
  if (!spec.ok()) {
    return absl::Status(spec.status().code(),
                        absl::StrCat(path, ": ", spec.status().message()));
  }
  // Absolute, because workers resolve paths in their own directories.
  std::error_code error;
  const std::filesystem::path directory =
      std::filesystem::absolute(std::filesystem::path(path), error).parent_path();
  ResolveDataPaths(error ? std::filesystem::path(path).parent_path().string()
                         : directory.string(),
                   &*spec);
  return spec;
}

absl::StatusOr<v1::SolverSpec> ParseSolverSpec(absl::string_view text) {
  ASSIGN_OR_RETURN(auto solver, ParseComponent<v1::SolverSpec>(text, "solver"));
  RETURN_IF_ERROR(
      ExpandSolver(solver, kValidationLearningRate, "solver", nullptr).status());
  return solver;
}

absl::StatusOr<v1::SchedulerSpec> ParseSchedulerSpec(
    absl::string_view text, absl::string_view solver_name) {
  ASSIGN_OR_RETURN(auto scheduler,
                   ParseComponent<v1::SchedulerSpec>(text, "scheduler"));
  RETURN_IF_ERROR(CheckStepUnit(scheduler, "scheduler"));
  ASSIGN_OR_RETURN(engine::MomentumKind kind,
                   engine::SolverMomentumKind(solver_name));
  engine::SolverHyperParams hyper;
  hyper.lr = kValidationLearningRate;
  hyper.momentum_kind = kind;
  RETURN_IF_ERROR(
      WithPath(engine::MakeScheduler(scheduler, &hyper).status(), "scheduler"));
  return scheduler;
}

}  // namespace lrsweep::spec
