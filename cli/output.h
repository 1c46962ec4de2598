// Output helpers shared by the lrsweep subcommands.
#ifndef LRSWEEP_CLI_OUTPUT_H_
#define LRSWEEP_CLI_OUTPUT_H_

#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/status/status.h"
#include "google/protobuf/message.h"

// --format: the output format. Each command lists the values it takes.
ABSL_DECLARE_FLAG(std::string, format);

namespace lrsweep::cli {

// Returns the protobuf JSON form of `message` on one line, with the field
// names of the .proto file, as grpc_cli and grpcurl print them.
std::string ToJson(const google::protobuf::Message& message);

// Formats a number for JSON: shortest exact form, `null` for NaN or infinity.
std::string JsonNumber(double value);

// Prints `rows` under `headers` as columns padded to their widest cell,
// separated by two spaces. `right_aligned[i]` right-aligns column i (numbers).
void PrintTable(const std::vector<std::string>& headers,
                const std::vector<std::vector<std::string>>& rows,
                const std::vector<bool>& right_aligned = {});

// Prints `lrsweep COMMAND: message` to stderr and returns exit code 2 for
// invalid input or 1 for any other failure.
int ReportError(const char* command, const absl::Status& status);

}  // namespace lrsweep::cli

#endif  // LRSWEEP_CLI_OUTPUT_H_
