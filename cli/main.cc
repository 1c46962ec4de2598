// lrsweep: the command-line client. `lrsweep COMMAND --help` describes each
// command.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "cli/commands.h"

namespace {

struct Command {
  const char* name;
  // Source file that defines the command's flags; --help lists only those.
  const char* flags_file;
  const char* usage;
  int (*run)(const std::vector<std::string>&);
};

const Command kCommands[] = {
    {"schedule", "cli/schedule_command.cc",
     "lrsweep schedule --scheduler=SPEC --base_lr=LR --steps=N [--solver=SPEC]\n"
     "    [--metrics=M1,M2,...] [--format=table|csv|json]\n\n"
     "Prints the learning rate in effect during each step t = 0..steps-1, as\n"
     "PyTorch's torch.optim.lr_scheduler computes it: t = 0 is the value right\n"
     "after the scheduler is created, t = k the value after k scheduler steps.\n"
     "SPEC is YAML or JSON, e.g. --scheduler='{name: StepLR, step_size: 3}'.",
     lrsweep::cli::RunSchedule},
    {"train", "cli/train_command.cc",
     "lrsweep train SPEC.yaml [--job=K] [--trace=csv|json] [--format=table|json]\n\n"
     "Runs one job of the spec locally (its only combination, or combination K\n"
     "of its grid in expansion order) and prints the per-epoch curve and the\n"
     "final metrics. Relative data paths are relative to the spec file.",
     lrsweep::cli::RunTrain},
};

void PrintMainUsage() {
  std::fprintf(stderr,
               "usage: lrsweep COMMAND [flags]\n\n"
               "Commands:\n"
               "  schedule   print a learning-rate schedule step by step\n"
               "  train      run one job of a spec locally and print its curve\n\n"
               "Run `lrsweep COMMAND --help` for the flags of a command.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    PrintMainUsage();
    return argc < 2 ? 2 : 0;
  }
  for (const Command& command : kCommands) {
    if (std::strcmp(argv[1], command.name) != 0) continue;

    const std::string flags_file = command.flags_file;
    absl::FlagsUsageConfig config;
    config.contains_help_flags = [flags_file](absl::string_view file) {
      return absl::EndsWith(file, flags_file) || absl::EndsWith(file, "cli/output.cc");
    };
    config.contains_helpshort_flags = config.contains_help_flags;
    absl::SetFlagsUsageConfig(config);
    absl::SetProgramUsageMessage(command.usage);

    // Parse the flags after the command name; argv[1] takes the place of
    // the program name.
    std::vector<char*> positional = absl::ParseCommandLine(argc - 1, argv + 1);
    std::vector<std::string> args(positional.begin() + 1, positional.end());
    return command.run(args);
  }
  std::fprintf(stderr, "lrsweep: unknown command '%s'\n\n", argv[1]);
  PrintMainUsage();
  return 2;
}
