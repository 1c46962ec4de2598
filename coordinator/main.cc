// lrsweep-coordinator: serves SweepService and WorkerService from a SQLite
// store until SIGTERM or SIGINT, then shuts down gracefully.
#include <glog/logging.h>
#include <signal.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "coordinator/coordinator.h"
#include "coordinator/server.h"

ABSL_FLAG(std::string, host, "0.0.0.0",
          "Address to listen on; 127.0.0.1 accepts local connections only.");
ABSL_FLAG(int32_t, port, 50051, "TCP port to listen on; 0 picks a free port.");
ABSL_FLAG(std::string, db, "lrsweep.db",
          "Path of the SQLite store; created when missing. Sweeps and results "
          "survive restarts in it.");
ABSL_FLAG(int64_t, max_jobs, 1000000,
          "Largest number of jobs one sweep may expand to, even when its "
          "limits.max_jobs is higher.");
ABSL_FLAG(double, shutdown_grace_seconds, 10.0,
          "On SIGTERM or SIGINT, how long calls in flight may run before they "
          "are cancelled, in seconds.");
ABSL_FLAG(int32_t, verbosity, 0,
          "Verbose log level: 1 logs every lease and stop reply.");

namespace {

// Blocks SIGTERM and SIGINT in this thread and every thread started after,
// so that WaitForSignal() receives them instead of a random thread.
sigset_t BlockShutdownSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

int WaitForSignal(const sigset_t& signals) {
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  return signal_number;
}

}  // namespace

int main(int argc, char** argv) {
  // --help lists the flags of this file only, not those of the libraries.
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::EndsWith(file, "coordinator/main.cc");
  };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  absl::SetFlagsUsageConfig(usage);
  absl::SetProgramUsageMessage(
      "Serves lrsweep sweeps to clients and jobs to workers over gRPC.\n"
      "usage: lrsweep-coordinator [--host=0.0.0.0] [--port=50051] [--db=lrsweep.db]");
  absl::ParseCommandLine(argc, argv);
  FLAGS_logtostderr = true;
  FLAGS_v = absl::GetFlag(FLAGS_verbosity);
  google::InitGoogleLogging(argv[0]);
  const sigset_t signals = BlockShutdownSignals();

  lrsweep::coordinator::CoordinatorOptions options;
  options.db_path = absl::GetFlag(FLAGS_db);
  options.max_jobs_per_sweep = absl::GetFlag(FLAGS_max_jobs);
  auto coordinator = lrsweep::coordinator::Coordinator::Open(options);
  if (!coordinator.ok()) {
    LOG(ERROR) << "event=start_failed db=" << options.db_path
               << " error=\"" << coordinator.status().message() << "\"";
    return 1;
  }

  const std::string address =
      absl::StrCat(absl::GetFlag(FLAGS_host), ":", absl::GetFlag(FLAGS_port));
  auto server = lrsweep::coordinator::CoordinatorServer::Start(coordinator->get(), address);
  if (!server.ok()) {
    LOG(ERROR) << "event=start_failed address=" << address
               << " error=\"" << server.status().message() << "\"";
    return 1;
  }
  LOG(INFO) << "event=listening address=" << absl::GetFlag(FLAGS_host) << ":"
            << (*server)->port() << " db=" << options.db_path;

  const int signal_number = WaitForSignal(signals);
  const absl::Duration grace = absl::Seconds(absl::GetFlag(FLAGS_shutdown_grace_seconds));
  LOG(INFO) << "event=shutdown_started signal=" << strsignal(signal_number)
            << " grace_seconds=" << absl::ToDoubleSeconds(grace);
  (*server)->Shutdown(grace);
  server->reset();
  coordinator->reset();
  LOG(INFO) << "event=stopped";
  return 0;
}
