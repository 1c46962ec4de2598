#include "worker/dataset_cache.h"

#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace lrsweep::worker {
namespace {

using ::testing::HasSubstr;

v1::JobSpec IrisJob() {
  v1::JobSpec job;
  job.mutable_data()->set_train("examples/data/iris.csv");
  job.mutable_data()->set_label_column("species");
  job.mutable_model()->set_kind("softmax");
  return job;
}

TEST(DatasetCacheTest, SlotsShareOneLoad) {
  DatasetCache cache;
  std::vector<engine::DataFiles> results(4);
  std::vector<std::thread> slots;
  for (auto& result : results) {
    slots.emplace_back([&cache, &result] {
      auto files = cache.Get(IrisJob());
      ASSERT_TRUE(files.ok()) << files.status();
      result = *files;
    });
  }
  for (std::thread& slot : slots) slot.join();

  EXPECT_EQ(cache.loads(), 1);
  ASSERT_NE(results[0].train, nullptr);
  EXPECT_EQ(results[0].train->num_rows(), 150);
  for (const engine::DataFiles& files : results) {
    EXPECT_EQ(files.train.get(), results[0].train.get());
  }
}

TEST(DatasetCacheTest, OtherLabelSettingsLoadAgain) {
  DatasetCache cache;
  ASSERT_TRUE(cache.Get(IrisJob()).ok());
  v1::JobSpec by_index = IrisJob();
  by_index.mutable_data()->set_label_column("4");
  ASSERT_TRUE(cache.Get(by_index).ok());
  EXPECT_EQ(cache.loads(), 2);
}

TEST(DatasetCacheTest, FailedLoadIsRetried) {
  DatasetCache cache;
  v1::JobSpec job = IrisJob();
  job.mutable_data()->set_train("examples/data/missing.csv");
  auto first = cache.Get(job);
  ASSERT_FALSE(first.ok());
  EXPECT_THAT(std::string(first.status().message()), HasSubstr("missing.csv"));
  EXPECT_FALSE(cache.Get(job).ok());
  EXPECT_EQ(cache.loads(), 2);
}

}  // namespace
}  // namespace lrsweep::worker
