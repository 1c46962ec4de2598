// A store and a port belong to one coordinator at a time: a second one must
// fail to start rather than share the queue or half of the connections.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "coordinator/coordinator.h"
#include "coordinator/server.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unit/coordinator/store_test_util.h"

namespace lrsweep::coordinator {
namespace {

using ::testing::HasSubstr;

TEST(ExclusiveTest, SecondCoordinatorOnSameStoreFails) {
  CoordinatorOptions options;
  options.db_path = testing::FreshDbPath();
  auto first = Coordinator::Open(options);
  ASSERT_TRUE(first.ok()) << first.status();

  auto second = Coordinator::Open(options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(second.status().message()), HasSubstr("in use by another coordinator"));

  first->reset();
  auto after_close = Coordinator::Open(options);
  EXPECT_TRUE(after_close.ok()) << after_close.status();
}

TEST(ExclusiveTest, SecondServerOnSamePortFails) {
  CoordinatorOptions first_options;
  first_options.db_path = testing::FreshDbPath("first.db");
  CoordinatorOptions second_options;
  second_options.db_path = testing::FreshDbPath("second.db");
  auto first = Coordinator::Open(first_options);
  auto second = Coordinator::Open(second_options);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();

  auto server = CoordinatorServer::Start(first->get(), "127.0.0.1:0");
  ASSERT_TRUE(server.ok()) << server.status();
  const std::string address = absl::StrCat("127.0.0.1:", (*server)->port());
  auto clash = CoordinatorServer::Start(second->get(), address);
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(clash.status().code(), absl::StatusCode::kUnavailable);
  (*server)->Shutdown(absl::Seconds(1));
}

}  // namespace
}  // namespace lrsweep::coordinator
