// The subcommands of the `lrsweep` command. Each takes the arguments left
// after Abseil flag parsing (argv[0] and the subcommand name removed) and
// returns the process exit code.
#ifndef LRSWEEP_CLI_COMMANDS_H_
#define LRSWEEP_CLI_COMMANDS_H_

#include <string>
#include <vector>

namespace lrsweep::cli {

// Prints the learning rate of a scheduler at each step.
int RunSchedule(const std::vector<std::string>& args);

// Runs one job of a spec locally and prints its curve.
int RunTrain(const std::vector<std::string>& args);

}  // namespace lrsweep::cli

#endif  // LRSWEEP_CLI_COMMANDS_H_
