// Builders shared by the store, queue and leaderboard tests: a store file in
// a fresh temporary directory and grids written by hand, so that the tests
// need neither the spec parser nor the engine.
#ifndef LRSWEEP_TESTS_UNIT_COORDINATOR_STORE_TEST_UTIL_H_
#define LRSWEEP_TESTS_UNIT_COORDINATOR_STORE_TEST_UTIL_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "coordinator/schema.h"
#include "gtest/gtest.h"
#include "lrsweep/v1/spec.pb.h"
#include "lrsweep/v1/sweep.pb.h"
#include "spec/grid.h"

namespace lrsweep::coordinator::testing {

// A fixed start time, so that lease deadlines are exact.
inline absl::Time T0() { return absl::FromUnixSeconds(1700000000); }

// Returns a path `name` in a directory of its own under the test temp dir,
// removed and created again on every call.
inline std::string FreshDbPath(const std::string& name = "lrsweep.db") {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::filesystem::path dir = std::filesystem::path(::testing::TempDir()) /
                                    absl::StrCat("lrsweep_", info->test_suite_name(), "_",
                                                 info->name());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

// Opens the store at `path` and fails the test if it cannot.
inline std::unique_ptr<Database> MustOpen(const std::string& path) {
  auto database = OpenStore(path);
  EXPECT_TRUE(database.ok()) << database.status();
  return database.ok() ? std::move(*database) : nullptr;
}

// A spec with the given objective and limits; the grid itself is built by
// MakeGrid.
inline v1::SweepSpec MakeSpec(const std::string& metric = "val_loss",
                              const std::string& mode = "min", int max_attempts = 3,
                              int lease_seconds = 60) {
  v1::SweepSpec spec;
  spec.set_name("test-sweep");
  spec.mutable_model()->set_kind("quadratic");
  spec.mutable_objective()->set_metric(metric);
  spec.mutable_objective()->set_mode(mode);
  spec.mutable_limits()->set_max_jobs(1000000);
  spec.mutable_limits()->set_max_attempts(max_attempts);
  spec.mutable_limits()->set_lease_seconds(lease_seconds);
  return spec;
}

// Config id of configuration `config` in grids from MakeGrid: zero-padded so
// that ids sort in configuration order.
inline std::string ConfigName(int config) { return absl::StrFormat("cfg%06d", config); }

// A grid of `configs` configurations (SGD with base_lr 0.001 * (config + 1))
// times `seeds` seeds, seed fastest, as ExpandGrid orders it. Job ids are
// `cfgNNNNNN-sS`.
inline spec::ExpandedGrid MakeGrid(int configs, int seeds) {
  spec::ExpandedGrid grid;
  for (int config = 0; config < configs; ++config) {
    for (int seed = 0; seed < seeds; ++seed) {
      v1::JobSpec job;
      job.mutable_solver()->set_name("SGD");
      job.set_base_lr(0.001 * (config + 1));
      job.set_seed(seed);
      grid.jobs.push_back(job);
      grid.job_ids.push_back(absl::StrCat(ConfigName(config), "-s", seed));
      grid.config_ids.push_back(ConfigName(config));
    }
  }
  return grid;
}

// A SUCCEEDED completion of `lease` with val_loss and train_loss `loss`.
inline v1::CompleteJobRequest Succeeded(const v1::JobLease& lease, double loss) {
  v1::CompleteJobRequest request;
  request.set_sweep_id(lease.sweep_id());
  request.set_job_id(lease.job_id());
  request.set_attempt(lease.attempt());
  request.set_worker_id("worker-1");
  request.set_state(v1::Job::SUCCEEDED);
  request.mutable_metrics()->set_train_loss(loss);
  request.mutable_metrics()->set_val_loss(loss);
  request.mutable_metrics()->set_steps(100);
  v1::EpochPoint* point = request.add_curve();
  point->set_epoch(1);
  point->set_step(100);
  point->set_learning_rate(0.1);
  point->set_train_loss(loss);
  return request;
}

}  // namespace lrsweep::coordinator::testing

#endif  // LRSWEEP_TESTS_UNIT_COORDINATOR_STORE_TEST_UTIL_H_
