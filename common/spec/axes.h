// Grid axes inside one solver or scheduler entry of a sweep spec.
//
// An argument given as a list is an axis (`gamma: [0.1, 0.5]`), except for
// the arguments whose value is itself a list (`milestones`, `betas`,
// `schedulers`): those are axes only when given a list of lists.
#ifndef LRSWEEP_COMMON_SPEC_AXES_H_
#define LRSWEEP_COMMON_SPEC_AXES_H_

#include <cstdint>
#include "absl/strings/string_view.h"
#include <vector>

#include "google/protobuf/struct.pb.h"

namespace lrsweep::spec {

// True for the arguments whose single value is a list.
bool IsListArgument(absl::string_view name);

// Returns the number of argument sets that `args` expands to: the product of
// its axis lengths (1 when it has no axis; 0 when an axis is empty).
uint64_t CountArgCombinations(const google::protobuf::Struct& args);

// Returns every argument set that `args` expands to, in a stable order:
// arguments sorted by name, the last name varying fastest, each axis in the
// order written.
std::vector<google::protobuf::Struct> ExpandArgs(
    const google::protobuf::Struct& args);

}  // namespace lrsweep::spec

#endif  // LRSWEEP_COMMON_SPEC_AXES_H_
