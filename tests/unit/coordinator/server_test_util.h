// A coordinator served over real gRPC on a loopback port for the service
// tests: a fresh store, a server on 127.0.0.1 with a port the server picks,
// and a channel to it.
#ifndef LRSWEEP_TESTS_UNIT_COORDINATOR_SERVER_TEST_UTIL_H_
#define LRSWEEP_TESTS_UNIT_COORDINATOR_SERVER_TEST_UTIL_H_

#include <grpcpp/client_context.h>
#include <grpcpp/create_channel.h>
#include <grpcpp/security/credentials.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "coordinator/coordinator.h"
#include "coordinator/server.h"
#include "gtest/gtest.h"
#include "unit/coordinator/store_test_util.h"

namespace lrsweep::coordinator::testing {

// Upper bound of every call in the service tests, so that a hung server
// fails a test instead of blocking it.
inline constexpr std::chrono::seconds kCallDeadline(20);

// A sweep small enough to drain in a test: 2 solvers x 3 rates x 2 seeds =
// 12 jobs of an analytic objective, so no data file is needed.
inline constexpr char kSmallSweep[] = R"(
name: quadratic-smoke
model: {kind: quadratic, start: [1.0, -2.0]}
training: {epochs: 3, seeds: [0, 1]}
grid:
  solvers: [{name: SGD}, {name: Adam}]
  base_lr: [0.1, 0.01, 0.001]
objective: {metric: train_loss, mode: min}
)";

// Sets the deadline of a client call.
inline void SetDeadline(grpc::ClientContext* context) {
  context->set_deadline(std::chrono::system_clock::now() + kCallDeadline);
}

class ServedCoordinator {
 public:
  // Starts a coordinator on a fresh store file. Fails the test on error and
  // returns nullptr.
  static std::unique_ptr<ServedCoordinator> Start() {
    CoordinatorOptions options;
    options.db_path = FreshDbPath();
    options.watch_poll_interval = absl::Milliseconds(100);
    auto coordinator = Coordinator::Open(options);
    EXPECT_TRUE(coordinator.ok()) << coordinator.status();
    if (!coordinator.ok()) return nullptr;
    auto server = CoordinatorServer::Start(coordinator->get(), "127.0.0.1:0");
    EXPECT_TRUE(server.ok()) << server.status();
    if (!server.ok()) return nullptr;
    return std::unique_ptr<ServedCoordinator>(
        new ServedCoordinator(std::move(*coordinator), std::move(*server)));
  }

  ~ServedCoordinator() {
    server_.reset();
    coordinator_.reset();
  }

  Coordinator* coordinator() { return coordinator_.get(); }
  CoordinatorServer* server() { return server_.get(); }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }

 private:
  ServedCoordinator(std::unique_ptr<Coordinator> coordinator,
                    std::unique_ptr<CoordinatorServer> server)
      : coordinator_(std::move(coordinator)), server_(std::move(server)) {
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
  }

  std::unique_ptr<Coordinator> coordinator_;
  std::unique_ptr<CoordinatorServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace lrsweep::coordinator::testing

#endif  // LRSWEEP_TESTS_UNIT_COORDINATOR_SERVER_TEST_UTIL_H_
