// Tests of the leaderboard: aggregation over seeds, the order of finished,
// partial, unfinished and diverged configurations, paging, and the index
// that keeps a page cheap on a large sweep.
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "coordinator/job_queue.h"
#include "coordinator/leaderboard.h"
#include "coordinator/sweep_store.h"
#include "coordinator/tally.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unit/coordinator/store_test_util.h"

namespace lrsweep::coordinator {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::ConfigName;
using testing::FreshDbPath;
using testing::MakeGrid;
using testing::MakeSpec;
using testing::MustOpen;
using testing::Succeeded;
using testing::T0;
using v1::Job;
using v1::LeaderboardEntry;

class LeaderboardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    database_ = MustOpen(FreshDbPath());
    ASSERT_NE(database_, nullptr);
    sweeps_ = std::make_unique<SweepStore>(database_.get());
    queue_ = std::make_unique<JobQueue>(database_.get());
    leaderboard_ = std::make_unique<Leaderboard>(database_.get());
  }

  void CreateSweep(int configs, int seeds, const v1::SweepSpec& spec = MakeSpec()) {
    auto sweep = sweeps_->Create("sweep-a", spec, MakeGrid(configs, seeds), T0());
    ASSERT_TRUE(sweep.ok()) << sweep.status();
  }

  // Leases every queued job and returns the leases by job id.
  std::map<std::string, v1::JobLease> AcquireAll() {
    std::map<std::string, v1::JobLease> by_id;
    while (true) {
      auto leases = queue_->Acquire("worker-1", kMaxJobsPerAcquire, T0());
      EXPECT_TRUE(leases.ok()) << leases.status();
      if (!leases.ok() || leases->empty()) break;
      for (const v1::JobLease& lease : *leases) by_id[lease.job_id()] = lease;
    }
    return by_id;
  }

  void Complete(const v1::JobLease& lease, double loss, Job::State state = Job::SUCCEEDED) {
    v1::CompleteJobRequest request = Succeeded(lease, loss);
    request.set_state(state);
    auto completion = queue_->Complete(request, T0());
    ASSERT_TRUE(completion.ok()) << completion.status();
  }

  std::vector<LeaderboardEntry> Page(int top_k) {
    v1::GetLeaderboardRequest request;
    request.set_sweep_id("sweep-a");
    request.set_top_k(top_k);
    auto page = leaderboard_->GetPage(request);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) return {};
    return {page->entries().begin(), page->entries().end()};
  }

  static std::vector<std::string> ConfigIds(const std::vector<LeaderboardEntry>& entries) {
    std::vector<std::string> ids;
    for (const LeaderboardEntry& entry : entries) ids.push_back(entry.config_id());
    return ids;
  }

  std::unique_ptr<Database> database_;
  std::unique_ptr<SweepStore> sweeps_;
  std::unique_ptr<JobQueue> queue_;
  std::unique_ptr<Leaderboard> leaderboard_;
};

TEST(RunningStatsTest, MatchesTwoPassFormulas) {
  const std::vector<double> values = {0.31, 0.29, 0.35, 1e3 + 0.1, 1e3 + 0.2};
  RunningStats stats;
  for (double x : values) stats.Add(x);

  double sum = 0.0;
  for (double x : values) sum += x;
  const double mean = sum / values.size();
  double squares = 0.0;
  for (double x : values) squares += (x - mean) * (x - mean);
  const double stddev = std::sqrt(squares / (values.size() - 1));

  EXPECT_EQ(stats.n, 5);
  EXPECT_NEAR(stats.mean, mean, 1e-12);
  ASSERT_TRUE(stats.SampleStddev().has_value());
  EXPECT_NEAR(*stats.SampleStddev(), stddev, 1e-9);
}

TEST(RunningStatsTest, StddevOfOneValueIsZero) {
  RunningStats stats;
  EXPECT_FALSE(stats.SampleStddev().has_value());
  stats.Add(2.5);
  ASSERT_TRUE(stats.SampleStddev().has_value());
  EXPECT_EQ(*stats.SampleStddev(), 0.0);
}

TEST_F(LeaderboardTest, MeanStddevAndCountOverSeeds) {
  CreateSweep(1, 3);
  auto leases = AcquireAll();
  Complete(leases["cfg000000-s0"], 0.2);
  Complete(leases["cfg000000-s1"], 0.4);
  Complete(leases["cfg000000-s2"], 0.9);

  std::vector<LeaderboardEntry> entries = Page(10);
  ASSERT_EQ(entries.size(), 1u);
  const LeaderboardEntry& entry = entries[0];
  EXPECT_EQ(entry.rank(), 1);
  EXPECT_EQ(entry.status(), LeaderboardEntry::FINISHED);
  EXPECT_EQ(entry.objective_count(), 3);
  // mean = 1.5 / 3; std = sqrt(((0.2-0.5)^2 + (0.4-0.5)^2 + (0.9-0.5)^2) / 2).
  EXPECT_NEAR(entry.objective_mean(), 0.5, 1e-12);
  EXPECT_NEAR(entry.objective_std(), std::sqrt(0.26 / 2), 1e-12);
  EXPECT_EQ(entry.counts().succeeded(), 3);
  EXPECT_EQ(entry.counts().total(), 3);
  EXPECT_EQ(entry.solver().name(), "SGD");
  EXPECT_EQ(entry.base_lr(), 0.001);
}

TEST_F(LeaderboardTest, MinModeRanksLowestFirst) {
  CreateSweep(3, 1);
  auto leases = AcquireAll();
  Complete(leases["cfg000000-s0"], 0.5);
  Complete(leases["cfg000001-s0"], 0.1);
  Complete(leases["cfg000002-s0"], 0.3);

  EXPECT_THAT(ConfigIds(Page(10)), ElementsAre("cfg000001", "cfg000002", "cfg000000"));
}

TEST_F(LeaderboardTest, MaxModeRanksHighestFirst) {
  CreateSweep(3, 1, MakeSpec("val_accuracy", "max"));
  auto leases = AcquireAll();
  const double accuracies[] = {0.7, 0.9, 0.8};
  for (int i = 0; i < 3; ++i) {
    v1::CompleteJobRequest request = Succeeded(leases[ConfigName(i) + "-s0"], 1.0);
    request.mutable_metrics()->set_val_accuracy(accuracies[i]);
    ASSERT_TRUE(queue_->Complete(request, T0()).ok());
  }

  std::vector<LeaderboardEntry> entries = Page(10);
  EXPECT_THAT(ConfigIds(entries), ElementsAre("cfg000001", "cfg000002", "cfg000000"));
  ASSERT_EQ(entries.size(), 3u);
  EXPECT_EQ(entries[0].objective_mean(), 0.9);
}

TEST_F(LeaderboardTest, FinishedThenPartialThenNoResultThenDiverged) {
  CreateSweep(5, 2);
  auto leases = AcquireAll();
  // cfg0: diverged on one seed although the other seed is the best loss.
  Complete(leases["cfg000000-s0"], 0.01);
  Complete(leases["cfg000000-s1"], 1e9, Job::DIVERGED);
  // cfg1: partial with a better mean than the finished cfg2.
  Complete(leases["cfg000001-s0"], 0.1);
  // cfg2: finished.
  Complete(leases["cfg000002-s0"], 0.5);
  Complete(leases["cfg000002-s1"], 0.7);
  // cfg3: no result yet. cfg4: finished with a worse mean than cfg2.
  Complete(leases["cfg000004-s0"], 0.9);
  Complete(leases["cfg000004-s1"], 0.9);

  std::vector<LeaderboardEntry> entries = Page(10);
  EXPECT_THAT(ConfigIds(entries),
              ElementsAre("cfg000002", "cfg000004", "cfg000001", "cfg000003", "cfg000000"));
  ASSERT_EQ(entries.size(), 5u);
  EXPECT_EQ(entries[0].status(), LeaderboardEntry::FINISHED);
  EXPECT_EQ(entries[1].status(), LeaderboardEntry::FINISHED);
  EXPECT_EQ(entries[2].status(), LeaderboardEntry::PARTIAL);
  EXPECT_EQ(entries[3].status(), LeaderboardEntry::NO_RESULT);
  EXPECT_FALSE(entries[3].has_objective_mean());
  EXPECT_EQ(entries[4].status(), LeaderboardEntry::DIVERGED);
  EXPECT_EQ(entries[4].counts().diverged(), 1);
  for (size_t i = 0; i < entries.size(); ++i) EXPECT_EQ(entries[i].rank(), int64_t(i) + 1);
}

TEST_F(LeaderboardTest, FailedSeedsLeaveConfigurationFinished) {
  CreateSweep(1, 2, MakeSpec("val_loss", "min", /*max_attempts=*/1));
  auto leases = AcquireAll();
  Complete(leases["cfg000000-s0"], 0.3);
  v1::CompleteJobRequest failed = Succeeded(leases["cfg000000-s1"], 0.0);
  failed.set_state(Job::FAILED);
  failed.set_error("out of memory");
  ASSERT_TRUE(queue_->Complete(failed, T0()).ok());

  std::vector<LeaderboardEntry> entries = Page(10);
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].status(), LeaderboardEntry::FINISHED);
  EXPECT_EQ(entries[0].objective_count(), 1);
  EXPECT_EQ(entries[0].counts().failed(), 1);
}

TEST_F(LeaderboardTest, TiesAreBrokenByConfigId) {
  CreateSweep(4, 1);
  auto leases = AcquireAll();
  // Completed in reverse order, all with the same loss.
  for (int i = 3; i >= 0; --i) Complete(leases[ConfigName(i) + "-s0"], 0.25);

  EXPECT_THAT(ConfigIds(Page(10)),
              ElementsAre("cfg000000", "cfg000001", "cfg000002", "cfg000003"));
}

TEST_F(LeaderboardTest, ValLossFallsBackToTrainLoss) {
  CreateSweep(2, 1);
  auto leases = AcquireAll();
  // Neither job has a validation split; only train_loss is reported.
  for (int i = 0; i < 2; ++i) {
    v1::CompleteJobRequest request = Succeeded(leases[ConfigName(i) + "-s0"], 0.0);
    request.mutable_metrics()->clear_val_loss();
    request.mutable_metrics()->set_train_loss(i == 0 ? 0.8 : 0.2);
    ASSERT_TRUE(queue_->Complete(request, T0()).ok());
  }

  std::vector<LeaderboardEntry> entries = Page(10);
  EXPECT_THAT(ConfigIds(entries), ElementsAre("cfg000001", "cfg000000"));
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].objective_mean(), 0.2);
}

TEST_F(LeaderboardTest, PagingReturnsEveryConfigurationOnce) {
  CreateSweep(23, 2);
  auto leases = AcquireAll();
  // Every third configuration stays without a result; the rest finish with
  // losses that repeat, so ties cross page boundaries.
  for (int i = 0; i < 23; ++i) {
    if (i % 3 == 2) continue;
    for (int seed = 0; seed < 2; ++seed) {
      Complete(leases[absl::StrCat(ConfigName(i), "-s", seed)], 0.1 * (i % 4));
    }
  }

  v1::GetLeaderboardRequest request;
  request.set_sweep_id("sweep-a");
  request.set_top_k(5);
  std::vector<LeaderboardEntry> all;
  for (int page = 0; page < 20; ++page) {
    auto response = leaderboard_->GetPage(request);
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->config_count(), 23);
    EXPECT_LE(response->entries_size(), 5);
    all.insert(all.end(), response->entries().begin(), response->entries().end());
    if (response->next_page_token().empty()) break;
    request.set_page_token(response->next_page_token());
  }

  ASSERT_EQ(all.size(), 23u);
  std::set<std::string> ids;
  for (size_t i = 0; i < all.size(); ++i) {
    ids.insert(all[i].config_id());
    EXPECT_EQ(all[i].rank(), int64_t(i) + 1);
  }
  EXPECT_EQ(ids.size(), 23u);
  // The paged order equals the order of one page holding everything.
  EXPECT_EQ(ConfigIds(all), ConfigIds(Page(100)));
}

TEST_F(LeaderboardTest, InvalidPageTokenIsRejected) {
  CreateSweep(3, 1);
  v1::GetLeaderboardRequest request;
  request.set_sweep_id("sweep-a");
  request.set_page_token("garbage!");
  EXPECT_EQ(leaderboard_->GetPage(request).status().code(),
            absl::StatusCode::kInvalidArgument);

  // A token of another sweep is rejected too.
  ASSERT_TRUE(sweeps_->Create("sweep-b", MakeSpec(), MakeGrid(3, 1), T0()).ok());
  v1::GetLeaderboardRequest other;
  other.set_sweep_id("sweep-b");
  other.set_top_k(1);
  auto page = leaderboard_->GetPage(other);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_FALSE(page->next_page_token().empty());
  request.set_page_token(page->next_page_token());
  auto mixed = leaderboard_->GetPage(request);
  EXPECT_EQ(mixed.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(mixed.status().message(), HasSubstr("sweep-b"));
}

TEST_F(LeaderboardTest, UnknownSweepIsNotFound) {
  v1::GetLeaderboardRequest request;
  request.set_sweep_id("nope");
  EXPECT_EQ(leaderboard_->GetPage(request).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(LeaderboardTest, PageQueryUsesRankIndex) {
  std::string plan;
  ASSERT_TRUE(database_
                  ->Read([&](Connection& connection) -> absl::Status {
                    auto explain = connection.Prepare(
                        absl::StrCat("EXPLAIN QUERY PLAN ", kLeaderboardPageSql));
                    if (!explain.ok()) return explain.status();
                    while (true) {
                      auto row = (*explain)->Step();
                      if (!row.ok()) return row.status();
                      if (!*row) return absl::OkStatus();
                      absl::StrAppend(&plan, (*explain)->ColumnText(3), "\n");
                    }
                  })
                  .ok());
  // One range search of the index, and no sort step ("USE TEMP B-TREE").
  EXPECT_THAT(plan, HasSubstr("SEARCH configs USING INDEX configs_rank"));
  EXPECT_THAT(plan, ::testing::Not(HasSubstr("TEMP B-TREE")));
  EXPECT_THAT(plan, ::testing::Not(HasSubstr("SCAN")));
}

TEST_F(LeaderboardTest, LargeSweepServesTopTenPage) {
  // 25,000 configurations x 4 seeds = 100,000 jobs. Results for 302 jobs
  // finish configurations 0..74 (configuration 10 diverges) and leave 75
  // PARTIAL.
  CreateSweep(25000, 4);
  auto acquired = queue_->Acquire("worker-1", 302, T0());
  ASSERT_TRUE(acquired.ok()) << acquired.status();
  const std::vector<v1::JobLease> leases = *acquired;
  ASSERT_EQ(leases.size(), 302u);
  for (size_t i = 0; i < leases.size(); ++i) {
    // Configuration c = i / 4 gets loss 1 / (c + 1) on every seed, so later
    // configurations have lower losses. The partial configuration 75 has
    // the lowest of all but ranks after every finished one.
    const int config = static_cast<int>(i / 4);
    const Job::State state = config == 10 ? Job::DIVERGED : Job::SUCCEEDED;
    Complete(leases[i], 1.0 / (config + 1), state);
  }

  v1::GetLeaderboardRequest request;
  request.set_sweep_id("sweep-a");
  request.set_top_k(10);
  auto page = leaderboard_->GetPage(request);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_EQ(page->config_count(), 25000);
  ASSERT_EQ(page->entries_size(), 10);
  // The best finished configuration is 74 (loss 1/75).
  for (int i = 0; i < 10; ++i) {
    SCOPED_TRACE(absl::StrCat("rank ", i + 1));
    EXPECT_EQ(page->entries(i).config_id(), ConfigName(74 - i));
    EXPECT_EQ(page->entries(i).status(), LeaderboardEntry::FINISHED);
    EXPECT_NEAR(page->entries(i).objective_mean(), 1.0 / (75 - i), 1e-12);
  }
  EXPECT_FALSE(page->next_page_token().empty());

  // After the 74 finished configurations come the partial one, then those
  // without a result.
  request.set_top_k(100);
  auto longer = leaderboard_->GetPage(request);
  ASSERT_TRUE(longer.ok()) << longer.status();
  ASSERT_EQ(longer->entries_size(), 100);
  EXPECT_EQ(longer->entries(73).status(), LeaderboardEntry::FINISHED);
  EXPECT_EQ(longer->entries(74).config_id(), ConfigName(75));
  EXPECT_EQ(longer->entries(74).status(), LeaderboardEntry::PARTIAL);
  EXPECT_EQ(longer->entries(75).status(), LeaderboardEntry::NO_RESULT);

  auto sweep = sweeps_->Get("sweep-a");
  ASSERT_TRUE(sweep.ok()) << sweep.status();
  EXPECT_EQ(sweep->counts().total(), 100000);
  EXPECT_EQ(sweep->counts().succeeded(), 298);
  EXPECT_EQ(sweep->counts().diverged(), 4);
}

}  // namespace
}  // namespace lrsweep::coordinator
