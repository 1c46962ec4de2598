// Grid expansion: a validated SweepSpec into the JobSpecs it stands for.
//
// The jobs are the cartesian product solvers x solver arguments x base
// learning rates x schedulers x scheduler arguments x seeds, in that order
// with the seed varying fastest. A combination that is invalid by
// construction (SGD with nesterov and momentum 0, CyclicLR cycling the
// momentum of a solver that has none) is dropped and counted with its
// reason. An axis value that is invalid in every combination is an error,
// because it can only be a mistake.
#ifndef LRSWEEP_COMMON_SPEC_GRID_H_
#define LRSWEEP_COMMON_SPEC_GRID_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "lrsweep/v1/spec.pb.h"

namespace lrsweep::spec {

struct ExpandedGrid {
  // The jobs in expansion order, each job id once.
  std::vector<v1::JobSpec> jobs;
  // job_ids[i] and config_ids[i] belong to jobs[i].
  std::vector<std::string> job_ids;
  std::vector<std::string> config_ids;
  // Combinations that gave a job id already seen, such as `{name: SGD}`
  // listed twice.
  int64_t duplicates = 0;
  // Jobs not created because their combination is invalid, counted by
  // reason (the path of the entry and the error).
  std::map<std::string, int64_t> dropped;
};

// Returns an upper bound of the number of jobs `spec` expands to, computed
// without expanding anything.
uint64_t CountJobs(const v1::SweepSpec& spec);

// Returns the argument combinations of one solver entry that torch.optim
// accepts, as concrete SolverSpecs. Combinations rejected only together with
// other values are counted in `dropped`. Returns INVALID_ARGUMENT, prefixed
// with `path`, when an axis value is invalid in every combination.
absl::StatusOr<std::vector<v1::SolverSpec>> ExpandSolver(
    const v1::SolverSpec& solver, double lr, const std::string& path,
    std::map<std::string, int64_t>* dropped);

// As ExpandSolver, for one scheduler entry, checked against a solver that has
// a momentum.
absl::StatusOr<std::vector<v1::SchedulerSpec>> ExpandScheduler(
    const v1::SchedulerSpec& scheduler, double lr, const std::string& path,
    std::map<std::string, int64_t>* dropped);

// Expands a spec that ParseSweepSpec accepted. Returns INVALID_ARGUMENT when
// the count exceeds limits.max_jobs (checked before expanding) or when no
// valid combination remains.
absl::StatusOr<ExpandedGrid> ExpandGrid(const v1::SweepSpec& spec);

// Returns the job id: a hex digest of the job's deterministic serialization.
// Equal jobs have equal ids on every machine that runs the same build.
std::string JobId(const v1::JobSpec& job);

// Returns the configuration id: the job id computed with the seed cleared, so
// that the replicates of one configuration share it.
std::string ConfigId(const v1::JobSpec& job);

}  // namespace lrsweep::spec

#endif  // LRSWEEP_COMMON_SPEC_GRID_H_
