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
#include "cli/commands.h"
#include "glog/logging.h"

namespace {

struct Command {
  const char* name;
  const char* summary;
  // Source files whose flags --help lists, besides cli/output.cc (--format).
  std::vector<const char*> flag_files;
  const char* usage;
  int (*run)(const std::vector<std::string>&);
};

const std::vector<Command>& Commands() {
  static const auto* commands = new std::vector<Command>{
      {"run", "run a whole sweep on this machine and print the leaderboard",
       {"cli/run_command.cc", "cli/sweep_commands.cc"},
       "lrsweep run SPEC.yaml [--workers=N] [--db=FILE] [--top_k=N]\n\n"
       "Runs every job of the spec on this machine: a coordinator inside this\n"
       "process on a loopback port, with its results in a SQLite file, and N\n"
       "local workers that reach it over gRPC as remote workers would. Shows a\n"
       "progress bar, then prints the leaderboard.",
       lrsweep::cli::RunRun},
      {"submit", "send a sweep spec to a coordinator", {"cli/client.cc"},
       "lrsweep submit SPEC.yaml [--coordinator=HOST:PORT] [--format=table|json]\n\n"
       "Validates the spec, sends it to the coordinator and prints the new sweep\n"
       "with its id and job counts.",
       lrsweep::cli::RunSubmit},
      {"status", "show a sweep's state and job counts", {"cli/client.cc"},
       "lrsweep status SWEEP_ID [--coordinator=HOST:PORT] [--format=table|json]",
       lrsweep::cli::RunStatus},
      {"watch", "follow a sweep's progress until it finishes", {"cli/client.cc"},
       "lrsweep watch SWEEP_ID [--coordinator=HOST:PORT] [--format=table|json]\n\n"
       "Shows a progress bar (done, running, pending, failed, best objective and\n"
       "ETA) until the sweep finishes; --format=json prints one progress message\n"
       "per line instead.",
       lrsweep::cli::RunWatch},
      {"leaderboard", "rank a sweep's configurations",
       {"cli/client.cc", "cli/sweep_commands.cc"},
       "lrsweep leaderboard SWEEP_ID [--top_k=N] [--coordinator=HOST:PORT]\n"
       "    [--format=table|json|csv]",
       lrsweep::cli::RunLeaderboard},
      {"jobs", "list a sweep's jobs", {"cli/client.cc"},
       "lrsweep jobs SWEEP_ID [--coordinator=HOST:PORT] [--format=table|json|csv]",
       lrsweep::cli::RunJobs},
      {"cancel", "cancel a sweep's queued and running jobs", {"cli/client.cc"},
       "lrsweep cancel SWEEP_ID [--coordinator=HOST:PORT] [--format=table|json]",
       lrsweep::cli::RunCancel},
      {"export", "print every job of a sweep with its curve", {"cli/client.cc"},
       "lrsweep export SWEEP_ID [--coordinator=HOST:PORT] [--format=json|csv]\n\n"
       "json (the default) prints one Job message per line with its per-epoch\n"
       "curve; csv prints one row per job and epoch.",
       lrsweep::cli::RunExport},
      {"schedule", "print a learning-rate schedule step by step",
       {"cli/schedule_command.cc"},
       "lrsweep schedule --scheduler=SPEC --base_lr=LR --steps=N [--solver=SPEC]\n"
       "    [--metrics=M1,M2,...] [--format=table|csv|json]\n\n"
       "Prints the learning rate in effect during each step t = 0..steps-1, as\n"
       "PyTorch's torch.optim.lr_scheduler computes it: t = 0 is the value right\n"
       "after the scheduler is created, t = k the value after k scheduler steps.\n"
       "SPEC is YAML or JSON, e.g. --scheduler='{name: StepLR, step_size: 3}'.",
       lrsweep::cli::RunSchedule},
      {"train", "run one job of a spec locally and print its curve",
       {"cli/train_command.cc"},
       "lrsweep train SPEC.yaml [--job=K] [--trace=csv|json] [--format=table|json]\n\n"
       "Runs one job of the spec locally (its only combination, or combination K\n"
       "of its grid in expansion order) and prints the per-epoch curve and the\n"
       "final metrics. Relative data paths are relative to the spec file.",
       lrsweep::cli::RunTrain},
  };
  return *commands;
}

void PrintMainUsage() {
  std::fprintf(stderr, "usage: lrsweep COMMAND [flags]\n\nCommands:\n");
  for (const Command& command : Commands()) {
    std::fprintf(stderr, "  %-12s %s\n", command.name, command.summary);
  }
  std::fprintf(stderr, "\nRun `lrsweep COMMAND --help` for the flags of a command.\n");
}

}  // namespace

int main(int argc, char** argv) {
  // Only `lrsweep run` logs, from its embedded coordinator and workers; the
  // progress bar owns the terminal, so only warnings and errors are shown.
  FLAGS_logtostderr = true;
  FLAGS_minloglevel = google::GLOG_WARNING;
  google::InitGoogleLogging(argv[0]);

  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    PrintMainUsage();
    return argc < 2 ? 2 : 0;
  }
  for (const Command& command : Commands()) {
    if (std::strcmp(argv[1], command.name) != 0) continue;

    std::vector<std::string> files(command.flag_files.begin(), command.flag_files.end());
    files.push_back("cli/output.cc");
    absl::FlagsUsageConfig config;
    config.contains_help_flags = [files](absl::string_view file) {
      for (const std::string& suffix : files) {
        if (absl::EndsWith(file, suffix)) return true;
      }
      return false;
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
