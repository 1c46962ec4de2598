#include "engine/optimizer.h"

#include <array>
#include <cmath>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/optimizer_internal.h"
#include "util/format.h"

namespace lrsweep::engine {
namespace {

template <typename T>
using Factory = internal::OptimizerOr<T> (*)(ArgReader&, double, Eigen::Index);

template <typename T>
struct SolverClass {
  absl::string_view name;
  MomentumKind momentum_kind;
  Factory<T> make;
};

// The torch.optim classes that lrsweep implements, in the order that error
// messages list them.
template <typename T>
const std::array<SolverClass<T>, 9>& SolverClasses() {
  static const std::array<SolverClass<T>, 9> kClasses = {{
      {"SGD", MomentumKind::kMomentum, &internal::MakeSgd<T>},
      {"Adam", MomentumKind::kBeta1, &internal::MakeAdam<T>},
      {"AdamW", MomentumKind::kBeta1, &internal::MakeAdamW<T>},
      {"RMSprop", MomentumKind::kMomentum, &internal::MakeRmsprop<T>},
      {"Adagrad", MomentumKind::kNone, &internal::MakeAdagrad<T>},
      {"Adamax", MomentumKind::kBeta1, &internal::MakeAdamax<T>},
      {"NAdam", MomentumKind::kBeta1, &internal::MakeNAdam<T>},
      {"RAdam", MomentumKind::kBeta1, &internal::MakeRAdam<T>},
      {"Adadelta", MomentumKind::kNone, &internal::MakeAdadelta<T>},
  }};
  return kClasses;
}

// Returns the class called `name`, or INVALID_ARGUMENT listing the known
// names.
template <typename T>
absl::StatusOr<const SolverClass<T>*> FindSolverClass(absl::string_view name) {
  std::vector<absl::string_view> known;
  for (const SolverClass<T>& solver_class : SolverClasses<T>()) {
    if (solver_class.name == name) return &solver_class;
    known.push_back(solver_class.name);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("name: unknown solver '", name, "'; known: ",
                   absl::StrJoin(known, ", ")));
}

}  // namespace

namespace internal {

double ReadNonNegative(ArgReader& args, absl::string_view name,
                       double default_value) {
  const double value = args.Double(name, default_value);
  args.Check(value >= 0, name, "must be >= 0", value);
  return value;
}

std::array<double, 2> ReadBetas(ArgReader& args) {
  const std::vector<double> betas = args.DoubleList("betas", {0.9, 0.999});
  if (betas.size() != 2) {
    args.Check(false, "betas", "must be a list of two numbers",
               absl::StrCat("a list of length ", betas.size()));
    return {0.9, 0.999};
  }
  args.Check(betas[0] >= 0 && betas[0] < 1, "betas[0]", "must be in [0, 1)",
             betas[0]);
  args.Check(betas[1] >= 0 && betas[1] < 1, "betas[1]", "must be in [0, 1)",
             betas[1]);
  return {betas[0], betas[1]};
}

void ReadImplementationFlags(ArgReader& args,
                             std::initializer_list<absl::string_view> names) {
  for (absl::string_view name : names) args.Bool(name, false);
}

}  // namespace internal

template <typename T>
absl::StatusOr<std::unique_ptr<Optimizer<T>>> MakeOptimizer(
    const lrsweep::v1::SolverSpec& spec, double lr, Eigen::Index num_params) {
  auto solver_class = FindSolverClass<T>(spec.name());
  if (!solver_class.ok()) return solver_class.status();

  if (!(std::isfinite(lr) && lr >= 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "lr: must be a finite number >= 0, got ", util::FormatDouble(lr)));
  }
  if (num_params < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("num_params: must be >= 0, got ", num_params));
  }

  ArgReader args(spec.args(), spec.name());
  return (*solver_class)->make(args, lr, num_params);
}

absl::StatusOr<MomentumKind> SolverMomentumKind(absl::string_view name) {
  auto solver_class = FindSolverClass<double>(name);
  if (!solver_class.ok()) return solver_class.status();
  return (*solver_class)->momentum_kind;
}

template absl::StatusOr<std::unique_ptr<Optimizer<float>>> MakeOptimizer<float>(
    const lrsweep::v1::SolverSpec&, double, Eigen::Index);
template absl::StatusOr<std::unique_ptr<Optimizer<double>>>
MakeOptimizer<double>(const lrsweep::v1::SolverSpec&, double, Eigen::Index);

}  // namespace lrsweep::engine
