// Helpers for the subcommands that talk to a coordinator over gRPC: the
// connection, status conversion and the text forms of specs and progress.
#ifndef LRSWEEP_CLI_CLIENT_H_
#define LRSWEEP_CLI_CLIENT_H_

#include <memory>
#include <string>

#include "absl/flags/declare.h"
#include "absl/status/status.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/status.h"
#include "lrsweep/v1/sweep.grpc.pb.h"

// --coordinator: HOST:PORT of the coordinator.
ABSL_DECLARE_FLAG(std::string, coordinator);

namespace lrsweep::cli {

// Creates a SweepService stub for `address` (HOST:PORT).
std::unique_ptr<v1::SweepService::Stub> ConnectSweepService(const std::string& address);

// A client context with a deadline `seconds` from now; 0 means none, for
// streams that last as long as a sweep.
std::unique_ptr<grpc::ClientContext> NewClientContext(double seconds = 30);

// Converts a gRPC status to an absl::Status with the same code and message,
// naming the coordinator address when it cannot be reached.
absl::Status FromGrpc(const grpc::Status& status, const std::string& address);

// `SGD(momentum=0.9, nesterov=true)`: a solver as a PyTorch call would read.
std::string FormatSolver(const v1::SolverSpec& solver);
// `StepLR(step_size=3, gamma=0.1)`, or `constant` when no scheduler is set.
std::string FormatScheduler(const v1::SchedulerSpec& scheduler);

// `[##########----------]  120/288 done  4 running  160 pending  0 failed`
// followed by the best objective and an ETA when they are known.
std::string FormatProgress(const v1::SweepProgress& progress);

// `1m20s`, `45s`, `2h05m`.
std::string FormatDuration(double seconds);

}  // namespace lrsweep::cli

#endif  // LRSWEEP_CLI_CLIENT_H_
