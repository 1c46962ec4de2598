// The subcommands of the `lrsweep` command. Each takes the arguments left
// after Abseil flag parsing (argv[0] and the subcommand name removed) and
// returns the process exit code.
#ifndef LRSWEEP_CLI_COMMANDS_H_
#define LRSWEEP_CLI_COMMANDS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "lrsweep/v1/sweep.grpc.pb.h"

namespace lrsweep::cli {

// Prints the learning rate of a scheduler at each step.
int RunSchedule(const std::vector<std::string>& args);

// Runs one job of a spec locally and prints its curve.
int RunTrain(const std::vector<std::string>& args);

// Runs a whole sweep in this process: a coordinator on a loopback port with
// a local SQLite file, and local workers over the same gRPC path.
int RunRun(const std::vector<std::string>& args);

// Commands that talk to a running coordinator (--coordinator=HOST:PORT).
int RunSubmit(const std::vector<std::string>& args);
int RunStatus(const std::vector<std::string>& args);
int RunWatch(const std::vector<std::string>& args);
int RunLeaderboard(const std::vector<std::string>& args);
int RunJobs(const std::vector<std::string>& args);
int RunCancel(const std::vector<std::string>& args);
int RunExport(const std::vector<std::string>& args);

// The output of WatchProgress on standard output.
enum class ProgressOutput {
  kBar,   // a progress bar redrawn in place on a terminal, else the last state
  kJson,  // one SweepProgress message per line
  kNone,  // nothing: the caller prints its own result
};

// Follows WatchSweep until the sweep ends and prints as `output` selects.
// Returns the stream's final status.
absl::Status WatchProgress(v1::SweepService::Stub* stub, const std::string& address,
                           const std::string& sweep_id, ProgressOutput output);

}  // namespace lrsweep::cli

#endif  // LRSWEEP_CLI_COMMANDS_H_
