// `lrsweep run`: the embedded mode. A coordinator serves on a loopback port
// inside this process and local workers reach it over gRPC, exactly as
// remote workers would, so a sweep run here behaves as one on a cluster.
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "cli/client.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "coordinator/coordinator.h"
#include "coordinator/server.h"
#include "engine/dataset.h"
#include "engine/trainer.h"
#include "glog/logging.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "spec/parser.h"
#include "util/status_macros.h"
#include "worker/worker.h"

ABSL_FLAG(int, workers, 0, "Jobs trained at once, one thread each; 0 means the number of cores.");
ABSL_FLAG(std::string, db, "",
          "SQLite file for the sweep and its results; empty means a new file in a "
          "temporary directory, printed at the end.");
ABSL_DECLARE_FLAG(int, top_k);

namespace lrsweep::cli {

absl::Status WatchProgress(v1::SweepService::Stub* stub, const std::string& address,
                           const std::string& sweep_id, bool json, FILE* out);
absl::Status PrintFailures(v1::SweepService::Stub* stub, const std::string& address,
                           const v1::Sweep& sweep, FILE* out);
absl::Status PrintLeaderboard(v1::SweepService::Stub* stub, const std::string& address,
                              const std::string& sweep_id, int top_k, const std::string& format);

namespace {

constexpr char kCommand[] = "run";

absl::StatusOr<std::string> DatabasePath() {
  std::string path = absl::GetFlag(FLAGS_db);
  if (!path.empty()) return path;
  const char* tmp = getenv("TMPDIR");
  std::string pattern = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/lrsweep-run-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("cannot create a directory like ", pattern));
  }
  return absl::StrCat(pattern, "/lrsweep.db");
}

// Stops the local workers and the server however RunSweep returns.
struct LocalCluster {
  std::unique_ptr<coordinator::Coordinator> coordinator;
  std::unique_ptr<coordinator::CoordinatorServer> server;
  std::unique_ptr<worker::Worker> worker;
  std::thread worker_thread;

  ~LocalCluster() {
    if (worker != nullptr) worker->Shutdown();
    if (worker_thread.joinable()) worker_thread.join();
    if (server != nullptr) server->Shutdown(absl::Seconds(5));
  }
};

absl::Status RunSweep(const std::string& spec_path, const std::string& format) {
  ASSIGN_OR_RETURN(v1::SweepSpec spec, spec::LoadSweepSpec(spec_path));
  // The data is local, so a missing file or a wrong label column fails here
  // once instead of in every job.
  if (engine::NeedsData(spec.model())) {
    RETURN_IF_ERROR(
        engine::LoadDataFiles(spec.data(), engine::LabelKindForModel(spec.model())).status());
  }
  ASSIGN_OR_RETURN(std::string db_path, DatabasePath());

  LocalCluster cluster;
  coordinator::CoordinatorOptions options;
  options.db_path = db_path;
  ASSIGN_OR_RETURN(cluster.coordinator, coordinator::Coordinator::Open(options));
  ASSIGN_OR_RETURN(cluster.server, coordinator::CoordinatorServer::Start(
                                       cluster.coordinator.get(), "127.0.0.1:0"));
  const std::string address = absl::StrCat("127.0.0.1:", cluster.server->port());

  auto stub = ConnectSweepService(address);
  v1::CreateSweepRequest request;
  *request.mutable_spec() = spec;
  v1::Sweep sweep;
  {
    auto context = NewClientContext(300);
    RETURN_IF_ERROR(FromGrpc(stub->CreateSweep(context.get(), request, &sweep), address));
  }

  worker::WorkerOptions worker_options;
  worker_options.worker_id = absl::StrCat("local:", getpid());
  worker_options.slots = absl::GetFlag(FLAGS_workers);
  if (worker_options.slots <= 0) {
    worker_options.slots = std::max(1u, std::thread::hardware_concurrency());
  }
  cluster.worker = std::make_unique<worker::Worker>(
      worker_options, grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  cluster.worker_thread = std::thread([&cluster] { cluster.worker->Run(); });

  // Progress and notes go to stderr, so that stdout carries only the
  // leaderboard in the requested format.
  std::fprintf(stderr, "sweep %s: %lld jobs (%lld configurations) on %d local workers\n",
               sweep.sweep_id().c_str(), static_cast<long long>(sweep.counts().total()),
               static_cast<long long>(sweep.config_count()), worker_options.slots);
  for (const auto& [reason, count] : sweep.dropped_jobs()) {
    std::fprintf(stderr, "dropped %lld invalid combinations: %s\n",
                 static_cast<long long>(count), reason.c_str());
  }
  RETURN_IF_ERROR(
      WatchProgress(stub.get(), address, sweep.sweep_id(), /*json=*/false, stderr));

  v1::GetSweepRequest get;
  get.set_sweep_id(sweep.sweep_id());
  v1::Sweep finished;
  {
    auto context = NewClientContext();
    RETURN_IF_ERROR(FromGrpc(stub->GetSweep(context.get(), get, &finished), address));
  }
  RETURN_IF_ERROR(PrintFailures(stub.get(), address, finished, stderr));
  if (format == "table") std::printf("\n");
  RETURN_IF_ERROR(PrintLeaderboard(stub.get(), address, sweep.sweep_id(),
                                   absl::GetFlag(FLAGS_top_k), format));
  // Keeps the note below the leaderboard when both streams go to one place.
  std::fflush(stdout);
  std::fprintf(stderr, "\nresults stored in %s; to query them later, start\n"
                       "  lrsweep-coordinator --db=%s\nand use lrsweep leaderboard %s\n",
               db_path.c_str(), db_path.c_str(), sweep.sweep_id().c_str());
  const v1::JobCounts& counts = finished.counts();
  if (counts.succeeded() == 0 && counts.diverged() == 0) {
    return absl::AbortedError("no job finished; see the errors above");
  }
  return absl::OkStatus();
}

}  // namespace

int RunRun(const std::vector<std::string>& args) {
  if (args.size() != 1) {
    return ReportError(kCommand, absl::InvalidArgumentError(
                                     "expected one spec file: lrsweep run SPEC.yaml"));
  }
  const std::string format = absl::GetFlag(FLAGS_format);
  if (format != "table" && format != "json" && format != "csv") {
    return ReportError(kCommand, absl::InvalidArgumentError(absl::StrCat(
                                     "--format: must be table, json or csv, got '", format, "'")));
  }
  absl::Status status = RunSweep(args[0], format);
  if (!status.ok()) return ReportError(kCommand, status);
  return 0;
}

}  // namespace lrsweep::cli
