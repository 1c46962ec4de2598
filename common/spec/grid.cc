#include "spec/grid.h"

#include <set>
#include <unordered_set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/optimizer.h"
#include "engine/scheduler.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "spec/axes.h"
#include "util/status_macros.h"

namespace lrsweep::spec {
namespace {

using google::protobuf::Struct;

std::string DeterministicBytes(const google::protobuf::Message& message) {
  std::string bytes;
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream coded(&stream);
  coded.SetSerializationDeterministic(true);
  message.SerializeToCodedStream(&coded);
  coded.Trim();
  return bytes;
}

// 64-bit FNV-1a. NOTE: 64 bits make a collision among 100,000 jobs about
// 3e-10 likely; ids are not meant to resist a deliberate collision.
uint64_t Fnv1a64(const std::string& bytes) {
  uint64_t hash = 0xcbf29ce484222325ULL;
  for (unsigned char byte : bytes) {
    hash ^= byte;
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

// `domain` keeps job ids and configuration ids apart: without it the
// configuration of seed 0 (proto3 omits a zero seed) would share the job's id.
std::string HexDigest(absl::string_view domain, const google::protobuf::Message& message) {
  return absl::StrFormat("%016x", Fnv1a64(absl::StrCat(domain, DeterministicBytes(message))));
}

absl::Status WithPath(const absl::Status& status, absl::string_view path) {
  return absl::Status(status.code(), absl::StrCat(path, ".", status.message()));
}

// A key for one argument value, to find which values occur in a valid
// combination.
std::string ArgKey(const std::string& name, const google::protobuf::Value& value) {
  return absl::StrCat(name, "=", DeterministicBytes(value));
}

// Expands one solver or scheduler entry and keeps the combinations that
// `check` accepts.
template <typename Spec, typename Check>
absl::StatusOr<std::vector<Spec>> ExpandEntry(
    const Spec& entry, const std::string& path, Check check,
    std::map<std::string, int64_t>* dropped) {
  if (entry.name().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ".name: missing"));
  }
  std::vector<Struct> combinations = ExpandArgs(entry.args());
  std::vector<Spec> valid;
  std::vector<std::pair<const Struct*, absl::Status>> invalid;
  std::set<std::string> valid_values;
  for (const Struct& args : combinations) {
    Spec concrete = entry;
    *concrete.mutable_args() = args;
    absl::Status status = check(concrete);
    if (!status.ok()) {
      invalid.emplace_back(&args, status);
      continue;
    }
    for (const auto& [name, value] : args.fields()) {
      valid_values.insert(ArgKey(name, value));
    }
    valid.push_back(std::move(concrete));
  }
  if (valid.empty()) {
    if (invalid.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": an axis has no values"));
    }
    return WithPath(invalid.front().second, path);
  }
  for (const auto& [args, status] : invalid) {
    for (const auto& [name, value] : args->fields()) {
      if (valid_values.count(ArgKey(name, value)) == 0) {
        return WithPath(status, path);
      }
    }
    if (dropped != nullptr) (*dropped)[absl::StrCat(path, ".", status.message())]++;
  }
  return valid;
}

absl::Status CheckScheduler(const v1::SchedulerSpec& scheduler, double lr,
                            engine::MomentumKind kind) {
  engine::SolverHyperParams hyper;
  hyper.lr = lr;
  hyper.momentum_kind = kind;
  return engine::MakeScheduler(scheduler, &hyper).status();
}

v1::JobSpec JobTemplate(const v1::SweepSpec& spec) {
  v1::JobSpec job;
  if (spec.has_data()) *job.mutable_data() = spec.data();
  *job.mutable_model() = spec.model();
  *job.mutable_training() = spec.training();
  job.mutable_training()->clear_seeds();
  *job.mutable_objective() = spec.objective();
  return job;
}

}  // namespace

uint64_t CountJobs(const v1::SweepSpec& spec) {
  const v1::SweepGrid& grid = spec.grid();
  uint64_t solvers = 0;
  for (const auto& solver : grid.solvers()) {
    solvers += CountArgCombinations(solver.args());
  }
  uint64_t schedulers = grid.schedulers_size() == 0 ? 1 : 0;
  for (const auto& scheduler : grid.schedulers()) {
    schedulers += CountArgCombinations(scheduler.args());
  }
  // Saturate instead of overflowing: any product past 2^63 is over every
  // limit anyway.
  const long double jobs = static_cast<long double>(solvers) *
                           grid.base_lr_size() * schedulers *
                           spec.training().seeds_size();
  return jobs > 9.2e18L ? UINT64_MAX : static_cast<uint64_t>(jobs);
}

absl::StatusOr<std::vector<v1::SolverSpec>> ExpandSolver(
    const v1::SolverSpec& solver, double lr, const std::string& path,
    std::map<std::string, int64_t>* dropped) {
  return ExpandEntry(
      solver, path,
      [lr](const v1::SolverSpec& concrete) {
        return engine::MakeOptimizer<double>(concrete, lr, 1).status();
      },
      dropped);
}

absl::StatusOr<std::vector<v1::SchedulerSpec>> ExpandScheduler(
    const v1::SchedulerSpec& scheduler, double lr, const std::string& path,
    std::map<std::string, int64_t>* dropped) {
  return ExpandEntry(
      scheduler, path,
      [lr](const v1::SchedulerSpec& concrete) {
        return CheckScheduler(concrete, lr, engine::MomentumKind::kMomentum);
      },
      dropped);
}

absl::StatusOr<ExpandedGrid> ExpandGrid(const v1::SweepSpec& spec) {
  const v1::SweepGrid& grid = spec.grid();
  const uint64_t upper_bound = CountJobs(spec);
  if (upper_bound > static_cast<uint64_t>(spec.limits().max_jobs())) {
    return absl::InvalidArgumentError(absl::StrCat(
        "grid: expands to ", upper_bound, " jobs, more than limits.max_jobs = ",
        spec.limits().max_jobs()));
  }
  if (grid.base_lr_size() == 0) {
    return absl::InvalidArgumentError("grid.base_lr: missing");
  }
  ExpandedGrid result;
  const double lr = grid.base_lr(0);

  // Entry-level drops are counted per combination first and scaled to jobs
  // once the sizes of the other axes are known.
  std::map<std::string, int64_t> dropped_solvers;
  std::map<std::string, int64_t> dropped_schedulers;
  std::vector<v1::SolverSpec> solvers;
  std::vector<engine::MomentumKind> kinds;
  for (int i = 0; i < grid.solvers_size(); ++i) {
    ASSIGN_OR_RETURN(auto expanded,
                     ExpandSolver(grid.solvers(i), lr,
                                  absl::StrCat("grid.solvers[", i, "]"),
                                  &dropped_solvers));
    ASSIGN_OR_RETURN(engine::MomentumKind kind,
                     engine::SolverMomentumKind(grid.solvers(i).name()));
    for (auto& solver : expanded) {
      solvers.push_back(std::move(solver));
      kinds.push_back(kind);
    }
  }

  // An absent scheduler list means a constant learning rate: one job shape
  // without a scheduler.
  std::vector<v1::SchedulerSpec> schedulers;
  std::vector<std::string> scheduler_paths;
  for (int i = 0; i < grid.schedulers_size(); ++i) {
    const std::string path = absl::StrCat("grid.schedulers[", i, "]");
    ASSIGN_OR_RETURN(auto expanded, ExpandScheduler(grid.schedulers(i), lr, path,
                                                    &dropped_schedulers));
    for (auto& scheduler : expanded) {
      schedulers.push_back(std::move(scheduler));
      scheduler_paths.push_back(path);
    }
  }
  const bool constant_lr = schedulers.empty();
  if (constant_lr) schedulers.emplace_back();

  const int64_t lrs_and_seeds =
      static_cast<int64_t>(grid.base_lr_size()) * spec.training().seeds_size();
  for (const auto& [reason, combinations] : dropped_solvers) {
    result.dropped[reason] +=
        combinations * static_cast<int64_t>(schedulers.size()) * lrs_and_seeds;
  }
  for (const auto& [reason, combinations] : dropped_schedulers) {
    result.dropped[reason] +=
        combinations * static_cast<int64_t>(solvers.size()) * lrs_and_seeds;
  }

  // Whether a scheduler suits a solver depends only on the solver's momentum
  // kind, so each pair is checked once.
  std::map<std::pair<engine::MomentumKind, size_t>, absl::Status> compatible;
  auto check_pair = [&](engine::MomentumKind kind, size_t index) {
    auto key = std::make_pair(kind, index);
    auto it = compatible.find(key);
    if (it == compatible.end()) {
      absl::Status status =
          constant_lr ? absl::OkStatus() : CheckScheduler(schedulers[index], lr, kind);
      it = compatible.emplace(key, status).first;
    }
    return it->second;
  };

  const v1::JobSpec job_template = JobTemplate(spec);
  std::unordered_set<std::string> seen;
  for (size_t s = 0; s < solvers.size(); ++s) {
    for (double base_lr : grid.base_lr()) {
      for (size_t k = 0; k < schedulers.size(); ++k) {
        absl::Status status = check_pair(kinds[s], k);
        if (!status.ok()) {
          result.dropped[absl::StrCat(scheduler_paths[k], ".", status.message(),
                                      " (solver ", solvers[s].name(), ")")] +=
              spec.training().seeds_size();
          continue;
        }
        v1::JobSpec job = job_template;
        *job.mutable_solver() = solvers[s];
        job.set_base_lr(base_lr);
        if (!constant_lr) *job.mutable_scheduler() = schedulers[k];
        const std::string config_id = ConfigId(job);
        for (int64_t seed : spec.training().seeds()) {
          job.set_seed(seed);
          std::string job_id = JobId(job);
          if (!seen.insert(job_id).second) {
            ++result.duplicates;
            continue;
          }
          result.jobs.push_back(job);
          result.job_ids.push_back(std::move(job_id));
          result.config_ids.push_back(config_id);
        }
      }
    }
  }
  if (result.jobs.empty()) {
    std::string reason = result.dropped.empty() ? "" : result.dropped.begin()->first;
    return absl::InvalidArgumentError(
        absl::StrCat("grid: no valid combination; first reason: ", reason));
  }
  return result;
}

std::string JobId(const v1::JobSpec& job) { return HexDigest("job:", job); }

std::string ConfigId(const v1::JobSpec& job) {
  v1::JobSpec config = job;
  config.clear_seed();
  return HexDigest("config:", config);
}

}  // namespace lrsweep::spec
