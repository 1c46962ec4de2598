// Reading sweep specs: YAML or JSON text into lrsweep.v1 messages, with
// defaults applied and every field validated. Every command reads specs
// through these functions.
//
// Errors are INVALID_ARGUMENT with the field path and the offending value,
// e.g. `grid.schedulers[1].gamma: must be > 0, got -0.5`.
#ifndef LRSWEEP_COMMON_SPEC_PARSER_H_
#define LRSWEEP_COMMON_SPEC_PARSER_H_

#include <string>
#include "absl/strings/string_view.h"

#include "absl/status/statusor.h"
#include "lrsweep/v1/spec.pb.h"

namespace lrsweep::spec {

// Parses, fills in defaults and validates a whole sweep spec.
absl::StatusOr<v1::SweepSpec> ParseSweepSpec(absl::string_view text);

// Reads the file at `path` and parses it as ParseSweepSpec does, then turns
// relative data paths into absolute paths from the spec file's directory, so
// that a worker started elsewhere finds the same files. A missing file
// is NOT_FOUND naming the path; errors in it are prefixed with the path.
absl::StatusOr<v1::SweepSpec> LoadSweepSpec(const std::string& path);

// Parses and validates one solver written inline, e.g. `{name: SGD,
// momentum: 0.9}`. Grid axes are not allowed here.
absl::StatusOr<v1::SolverSpec> ParseSolverSpec(absl::string_view text);

// Parses and validates one scheduler written inline, e.g. `{name: StepLR,
// step_size: 3}`, for a solver of class `solver_name`. Grid axes are not
// allowed here.
absl::StatusOr<v1::SchedulerSpec> ParseSchedulerSpec(
    absl::string_view text, absl::string_view solver_name = "SGD");

// Prefixes the relative paths of `data.train` and `data.test` with
// `base_directory`; absolute paths and an empty base are left alone.
void ResolveDataPaths(const std::string& base_directory, v1::SweepSpec* spec);

// Fills the fields a user may omit with their documented defaults.
void ApplyDefaults(v1::SweepSpec* spec);

// Validates a spec with defaults applied. Every solver and scheduler entry is
// checked for every value of its axes.
absl::Status ValidateSweepSpec(const v1::SweepSpec& spec);

}  // namespace lrsweep::spec

#endif  // LRSWEEP_COMMON_SPEC_PARSER_H_
