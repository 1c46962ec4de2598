// Conversion of parsed YAML (yaml-cpp) into protobuf messages by reflection,
// with the sweep spec's conventions:
//
// - keys are proto field names; an unknown key is an error naming its path;
// - a repeated field accepts one scalar as a list of one;
// - SolverSpec and SchedulerSpec are written flat (`{name: StepLR, gamma:
//   0.5}`): every key other than their own fields goes into `args`;
// - a grid may use `solver:` and `scheduler:` for a single entry, and a
//   SweepSpec may put `solver`, `scheduler` and `base_lr` at the top level.
//
// Internal to lrsweep::spec; callers use parser.h.
#ifndef LRSWEEP_COMMON_SPEC_YAML_TO_PROTO_H_
#define LRSWEEP_COMMON_SPEC_YAML_TO_PROTO_H_

#include <string>

#include "absl/status/status.h"
#include "google/protobuf/message.h"
#include "google/protobuf/struct.pb.h"
#include "yaml-cpp/yaml.h"

namespace lrsweep::spec {

// Fills `message` from `node`, a YAML map. `path` prefixes every error
// (empty at the top level). Returns INVALID_ARGUMENT naming the field path
// and the value on the first problem.
absl::Status YamlToMessage(const YAML::Node& node, const std::string& path,
                           google::protobuf::Message* message);

// Converts any YAML node into a google.protobuf.Value: plain scalars become
// null, booleans or numbers where they read as such, quoted scalars stay
// strings.
absl::Status YamlToValue(const YAML::Node& node, const std::string& path,
                         google::protobuf::Value* value);

}  // namespace lrsweep::spec

#endif  // LRSWEEP_COMMON_SPEC_YAML_TO_PROTO_H_
