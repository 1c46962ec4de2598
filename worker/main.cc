// lrsweep-worker: pulls jobs from a coordinator and trains them.
//
//   lrsweep-worker --coordinator=HOST:PORT [--slots=N]
//
// SIGTERM or SIGINT: takes no new job, lets running jobs finish within
// --drain_seconds, hands back the rest and exits 0.
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <string>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "glog/logging.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "worker/worker.h"

ABSL_FLAG(std::string, coordinator, "",
          "Coordinator address, HOST:PORT, e.g. localhost:50051. Required.");
ABSL_FLAG(int, slots, 0,
          "Jobs trained at once, one thread each; 0 means the number of cores.");
ABSL_FLAG(std::string, worker_id, "",
          "Name of this worker in the coordinator's records; default HOST:PID.");
ABSL_FLAG(int, drain_seconds, 30,
          "On SIGTERM, seconds that running jobs may take to finish before "
          "they are stopped and handed back.");

namespace {

std::string DefaultWorkerId() {
  char host[HOST_NAME_MAX + 1] = {0};
  gethostname(host, sizeof(host) - 1);
  return absl::StrCat(host, ":", getpid());
}

}  // namespace

int main(int argc, char** argv) {
  // --help lists the flags of this file only, not those of the libraries.
  absl::FlagsUsageConfig usage;
  usage.contains_help_flags = [](absl::string_view file) {
    return absl::EndsWith(file, "worker/main.cc");
  };
  usage.contains_helpshort_flags = usage.contains_help_flags;
  absl::SetFlagsUsageConfig(usage);
  absl::SetProgramUsageMessage(
      "lrsweep-worker --coordinator=HOST:PORT [--slots=N]\n\n"
      "Pulls jobs from an lrsweep coordinator, trains them (one thread per slot)\n"
      "and reports the results. Stops cleanly on SIGTERM.");
  absl::ParseCommandLine(argc, argv);
  FLAGS_logtostderr = true;
  google::InitGoogleLogging(argv[0]);

  const std::string address = absl::GetFlag(FLAGS_coordinator);
  if (address.empty()) {
    std::fprintf(stderr, "lrsweep-worker: --coordinator is missing; e.g. "
                         "--coordinator=localhost:50051\n");
    return 2;
  }
  lrsweep::worker::WorkerOptions options;
  options.slots = absl::GetFlag(FLAGS_slots);
  if (options.slots < 0) {
    std::fprintf(stderr, "lrsweep-worker: --slots must be >= 0, got %d\n", options.slots);
    return 2;
  }
  if (options.slots == 0) options.slots = std::max(1u, std::thread::hardware_concurrency());
  options.worker_id = absl::GetFlag(FLAGS_worker_id);
  if (options.worker_id.empty()) options.worker_id = DefaultWorkerId();
  options.drain_timeout = absl::Seconds(absl::GetFlag(FLAGS_drain_seconds));

  // Block the stop signals in every thread; one thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  lrsweep::worker::Worker worker(
      options, grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  std::thread signal_watcher([&worker, stop_signals] {
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    LOG(INFO) << "received signal " << signal_number << "; draining";
    worker.Shutdown();
  });
  signal_watcher.detach();

  LOG(INFO) << "connecting coordinator=" << address;
  worker.Run();
  return 0;
}
