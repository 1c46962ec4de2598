// ArgReader: reads the constructor arguments of a solver or scheduler from a
// google.protobuf.Struct, with PyTorch's argument names and defaults, and
// checks their ranges.
//
// Errors name the argument and the value, without a path prefix
// (`gamma: must be > 0, got -0.5`); the spec layer prepends the path. The
// reader keeps the first error and returns it from Finish(), so a factory
// reads every argument in sequence and checks the status once. Finish() also
// rejects any argument that was never read, which catches misspelled names.
//
// Not thread-safe; use one reader per factory call.
#ifndef LRSWEEP_COMMON_ENGINE_ARGS_H_
#define LRSWEEP_COMMON_ENGINE_ARGS_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include "absl/strings/string_view.h"
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/struct.pb.h"

namespace lrsweep::engine {

class ArgReader {
 public:
  // `component` names the solver or scheduler in messages about unknown
  // arguments ("StepLR has no argument 'gama'").
  ArgReader(const google::protobuf::Struct& args, absl::string_view component);

  // Each getter returns the argument, or `default_value` when it is absent
  // or null. A name written with upper-case letters (`T_max`) also matches
  // its lower-case spelling (`t_max`). On a type mismatch the getter records
  // INVALID_ARGUMENT and returns the default.
  double Double(absl::string_view name, double default_value);
  // Integers must be whole numbers within int64 range (YAML `3` or `3.0`).
  int64_t Int(absl::string_view name, int64_t default_value);
  bool Bool(absl::string_view name, bool default_value);
  // When `choices` is non-empty the value must be one of them.
  std::string String(absl::string_view name, absl::string_view default_value,
                     const std::vector<absl::string_view>& choices = {});
  std::vector<double> DoubleList(absl::string_view name,
                                 const std::vector<double>& default_value);
  std::vector<int64_t> IntList(absl::string_view name,
                               const std::vector<int64_t>& default_value);
  // For arguments whose PyTorch default is None.
  std::optional<double> OptionalDouble(absl::string_view name);
  std::optional<int64_t> OptionalInt(absl::string_view name);
  // A list of nested specs (SequentialLR's `schedulers`); nullptr when
  // absent or not a list.
  const google::protobuf::ListValue* List(absl::string_view name);

  // True when the argument is present and not null. Does not mark it read.
  bool Has(absl::string_view name) const;

  // Records `name: <rule>, got <value>` as INVALID_ARGUMENT unless `ok`.
  // Example: Check(gamma > 0, "gamma", "must be > 0", gamma).
  void Check(bool ok, absl::string_view name, absl::string_view rule, double value);
  void Check(bool ok, absl::string_view name, absl::string_view rule,
             absl::string_view value);
  // Records an error message as INVALID_ARGUMENT unless `ok`.
  void CheckMessage(bool ok, absl::string_view message);

  // Returns the first recorded error, else INVALID_ARGUMENT for the first
  // argument never read, else OK.
  absl::Status Finish();

 private:
  const google::protobuf::Value* Find(absl::string_view name);
  void Fail(std::string message);

  const google::protobuf::Struct& args_;
  std::string component_;
  std::set<std::string> read_;
  absl::Status status_;
};

}  // namespace lrsweep::engine

#endif  // LRSWEEP_COMMON_ENGINE_ARGS_H_
