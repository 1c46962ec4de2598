// End-to-end tests with real processes on 127.0.0.1: an lrsweep-coordinator
// with a new SQLite file, lrsweep-worker processes, and the `lrsweep`
// command as a user runs it (submit, watch, status, jobs, leaderboard,
// export, run). Workers are killed with SIGKILL or stopped with SIGTERM in
// the middle of a sweep. Every wait is bounded by kChildTimeout or
// kSweepTimeoutSeconds.
#include <signal.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "lrsweep/v1/sweep.pb.h"
#include "support/child_process.h"
#include "support/process.h"
#include "support/temp_files.h"
#include "util/format.h"

namespace lrsweep {
namespace {

using ::lrsweep::testing::ChildProcess;
using ::lrsweep::testing::CommandResult;
using ::lrsweep::testing::RunCommand;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using v1::Job;
using v1::LeaderboardEntry;

// Maximum wait for a sweep to finish, in seconds.
constexpr int kSweepTimeoutSeconds = 90;

// The iris sweep has 24 configurations x 2 seeds.
constexpr int kIrisJobs = 48;
constexpr int kIrisConfigs = 24;

// Jobs of an MLP on the Iris data with one row per batch, about 1.7 ms per
// epoch on an idle core. A worker holds two leases at a time for jobs this
// long, so one lease is running and one is waiting.
constexpr char kSlowSweep[] = R"(
data: {train: DATA_DIR/iris.csv, label_column: species, standardize: true,
       validation_fraction: 0.3}
model: {kind: mlp, hidden: [64, 64]}
objective: {metric: val_loss}
)";

template <typename Message>
std::optional<Message> ParseJson(const std::string& json) {
  Message message;
  if (!google::protobuf::util::JsonStringToMessage(json, &message).ok()) return std::nullopt;
  return message;
}

// Returns the spec text of kSlowSweep with one job per base learning rate,
// `epochs` epochs each, and `limits` appended.
std::string SlowSweep(int epochs, const std::string& base_lrs, const std::string& limits) {
  std::string text = kSlowSweep;
  const std::string data_dir = std::filesystem::absolute("examples/data").string();
  text.replace(text.find("DATA_DIR"), 8, data_dir);
  absl::StrAppend(&text, "training: {epochs: ", epochs, ", batch_size: 1, seeds: [0]}\n",
                  "grid: {solvers: [{name: SGD}], base_lr: [", base_lrs, "]}\n", limits, "\n");
  return text;
}

// A coordinator process on a free loopback port, its workers, and the CLI
// pointed at it. Processes still running at the end are killed.
class Cluster {
 public:
  explicit Cluster(std::string folder) : folder_(std::move(folder)) {}

  // Starts the coordinator with a new store in the test's folder.
  ::testing::AssertionResult StartCoordinator() {
    coordinator_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{LRSWEEP_COORDINATOR_BINARY, "--host=127.0.0.1", "--port=0",
                                 absl::StrCat("--db=", folder_, "/lrsweep.db"),
                                 "--shutdown_grace_seconds=1"},
        folder_ + "/coordinator.log");
    std::optional<int> port = coordinator_->WaitForCoordinatorPort();
    if (!port.has_value()) {
      return ::testing::AssertionFailure() << "coordinator not listening: " << coordinator_->log();
    }
    address_ = absl::StrCat("127.0.0.1:", *port);
    return ::testing::AssertionSuccess();
  }

  // Starts a worker with one slot and waits for its start-up line.
  ChildProcess* StartWorker(const std::string& worker_id) {
    auto worker = std::make_unique<ChildProcess>(
        std::vector<std::string>{LRSWEEP_WORKER_BINARY, absl::StrCat("--coordinator=", address_),
                                 "--slots=1", absl::StrCat("--worker_id=", worker_id),
                                 "--drain_seconds=20"},
        absl::StrCat(folder_, "/", worker_id, ".log"));
    EXPECT_TRUE(worker->WaitForLog("worker started").has_value()) << worker->log();
    workers_.push_back(std::move(worker));
    return workers_.back().get();
  }

  // Runs `lrsweep ARGS --coordinator=ADDRESS`.
  CommandResult Lrsweep(const std::string& args) const {
    return RunCommand(absl::StrCat(LRSWEEP_CLI_PATH, " ", args, " --coordinator=", address_));
  }

  // Submits the spec file at `path` and returns the new sweep's id, or an
  // empty string after a failed test assertion.
  std::string Submit(const std::string& path) const {
    CommandResult result = Lrsweep(absl::StrCat("submit ", path, " --format=json"));
    EXPECT_EQ(result.exit_code, 0) << result.err;
    std::optional<v1::Sweep> sweep = ParseJson<v1::Sweep>(result.out);
    EXPECT_TRUE(sweep.has_value()) << result.out;
    return sweep.has_value() ? sweep->sweep_id() : "";
  }

  // Follows the sweep with `lrsweep watch` until it ends, then returns its
  // status.
  std::optional<v1::Sweep> WaitForSweep(const std::string& sweep_id) const {
    CommandResult watch = RunCommand(absl::StrCat("timeout ", kSweepTimeoutSeconds, " ",
                                                  LRSWEEP_CLI_PATH, " watch ", sweep_id,
                                                  " --format=json --coordinator=", address_));
    EXPECT_EQ(watch.exit_code, 0) << watch.err;
    CommandResult status = Lrsweep(absl::StrCat("status ", sweep_id, " --format=json"));
    EXPECT_EQ(status.exit_code, 0) << status.err;
    return ParseJson<v1::Sweep>(status.out);
  }

  // Returns the sweep's jobs, read with `lrsweep export` (JSON lines, with
  // curves) or `lrsweep jobs --format=json`.
  std::vector<Job> Jobs(const std::string& sweep_id, bool with_curves) const {
    CommandResult result = Lrsweep(
        absl::StrCat(with_curves ? "export " : "jobs ", sweep_id, " --format=json"));
    EXPECT_EQ(result.exit_code, 0) << result.err;
    std::vector<Job> jobs;
    for (absl::string_view line : absl::StrSplit(result.out, '\n', absl::SkipEmpty())) {
      std::optional<Job> job = ParseJson<Job>(std::string(line));
      EXPECT_TRUE(job.has_value()) << line;
      if (job.has_value()) jobs.push_back(*std::move(job));
    }
    return jobs;
  }

  // Polls `lrsweep jobs` until `done` returns true for the job list;
  // returns the last list read and whether `done` held before the timeout.
  std::pair<std::vector<Job>, bool> PollJobs(
      const std::string& sweep_id,
      const std::function<bool(const std::vector<Job>&)>& done) const {
    const auto deadline = std::chrono::steady_clock::now() + ::lrsweep::testing::kChildTimeout;
    std::vector<Job> jobs;
    while (std::chrono::steady_clock::now() < deadline) {
      jobs = Jobs(sweep_id, /*with_curves=*/false);
      if (done(jobs)) return {jobs, true};
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return {jobs, false};
  }

  // Writes `contents` to `name` in the cluster's folder and returns its path.
  std::string WriteFile(const std::string& name, const std::string& contents) const {
    const std::string path = absl::StrCat(folder_, "/", name);
    std::ofstream file(path);
    file << contents;
    EXPECT_TRUE(file.good()) << "cannot write " << path;
    return path;
  }

  ChildProcess& coordinator() { return *coordinator_; }

 private:
  std::string folder_;
  std::string address_;
  std::unique_ptr<ChildProcess> coordinator_;
  std::vector<std::unique_ptr<ChildProcess>> workers_;
};

// One configuration as the leaderboard rules on LeaderboardEntry rank it.
struct ExpectedEntry {
  std::string config_id;
  LeaderboardEntry::Status status = LeaderboardEntry::STATUS_UNSPECIFIED;
  std::optional<double> mean;
  std::optional<double> stddev;
  int64_t count = 0;
  v1::JobSpec spec;
};

// Ranks the configurations of `jobs` as sweep.proto documents it. Jobs are
// grouped by config_id, with the mean and sample standard deviation of their
// objectives. The groups go in status order (FINISHED, PARTIAL, NO_RESULT,
// DIVERGED), by the mean within the first two, and by config_id otherwise.
std::vector<ExpectedEntry> RankConfigs(const std::vector<Job>& jobs, bool maximize) {
  struct Group {
    std::vector<double> objectives;
    int unfinished = 0;
    int diverged = 0;
    v1::JobSpec spec;
  };
  std::map<std::string, Group> groups;
  for (const Job& job : jobs) {
    Group& group = groups[job.config_id()];
    group.spec = job.spec();
    if (job.has_objective()) group.objectives.push_back(job.objective());
    if (job.state() == Job::PENDING || job.state() == Job::RUNNING) ++group.unfinished;
    if (job.state() == Job::DIVERGED) ++group.diverged;
  }

  std::vector<ExpectedEntry> entries;
  for (const auto& [config_id, group] : groups) {
    ExpectedEntry& entry = entries.emplace_back();
    entry.config_id = config_id;
    entry.spec = group.spec;
    entry.count = static_cast<int64_t>(group.objectives.size());
    if (entry.count > 0) {
      double sum = 0;
      for (double x : group.objectives) sum += x;
      const double mean = sum / entry.count;
      double squares = 0;
      for (double x : group.objectives) squares += (x - mean) * (x - mean);
      entry.mean = mean;
      entry.stddev = entry.count > 1 ? std::sqrt(squares / (entry.count - 1)) : 0.0;
    }
    if (group.diverged > 0) {
      entry.status = LeaderboardEntry::DIVERGED;
    } else if (entry.count == 0) {
      entry.status = LeaderboardEntry::NO_RESULT;
    } else if (group.unfinished > 0) {
      entry.status = LeaderboardEntry::PARTIAL;
    } else {
      entry.status = LeaderboardEntry::FINISHED;
    }
  }

  auto key = [maximize](const ExpectedEntry& entry) {
    const bool ranked = entry.status == LeaderboardEntry::FINISHED ||
                        entry.status == LeaderboardEntry::PARTIAL;
    double value = 0.0;
    if (ranked) value = maximize ? -*entry.mean : *entry.mean;
    return std::make_tuple(static_cast<int>(entry.status), value, entry.config_id);
  };
  std::sort(entries.begin(), entries.end(),
            [&key](const ExpectedEntry& a, const ExpectedEntry& b) { return key(a) < key(b); });
  return entries;
}

// Tolerance between the coordinator's running (Welford) statistics and the
// two-pass ones above: both are within a few ulps of the exact value.
double Tolerance(double value) { return 1e-12 * std::max(1.0, std::abs(value)); }

std::map<std::string, int> CountByWorker(const std::vector<Job>& jobs) {
  std::map<std::string, int> counts;
  for (const Job& job : jobs) ++counts[job.worker_id()];
  return counts;
}

int CountOccurrences(const std::string& text, const std::string& needle) {
  int count = 0;
  for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
    ++count;
  }
  return count;
}

TEST(SweepProcessTest, TwoWorkersRunIrisSweepOnce) {
  Cluster cluster(lrsweep::testing::TestFolder());
  ASSERT_TRUE(cluster.StartCoordinator());
  cluster.StartWorker("worker-a");
  cluster.StartWorker("worker-b");

  const std::string sweep_id = cluster.Submit("examples/iris_sweep.yaml");
  ASSERT_FALSE(sweep_id.empty());
  std::optional<v1::Sweep> sweep = cluster.WaitForSweep(sweep_id);
  ASSERT_TRUE(sweep.has_value());
  EXPECT_EQ(sweep->state(), v1::Sweep::FINISHED);
  EXPECT_EQ(sweep->counts().total(), kIrisJobs);
  EXPECT_EQ(sweep->counts().succeeded() + sweep->counts().diverged(), kIrisJobs);

  const std::vector<Job> jobs = cluster.Jobs(sweep_id, /*with_curves=*/true);
  ASSERT_EQ(jobs.size(), static_cast<size_t>(kIrisJobs));
  std::set<std::string> job_ids;
  for (const Job& job : jobs) {
    SCOPED_TRACE(job.job_id());
    EXPECT_TRUE(job_ids.insert(job.job_id()).second) << "listed twice";
    EXPECT_TRUE(job.state() == Job::SUCCEEDED || job.state() == Job::DIVERGED)
        << Job::State_Name(job.state());
    EXPECT_EQ(job.attempt(), 1);
    EXPECT_EQ(job.has_objective(), job.state() == Job::SUCCEEDED);
    EXPECT_EQ(job.curve_size(), job.metrics().epochs());
  }

  // Each job was completed once: one job_finished line per job and no
  // duplicate or stale completion.
  const std::string log = cluster.coordinator().log();
  EXPECT_EQ(CountOccurrences(log, "event=job_finished"), kIrisJobs);
  for (const std::string& job_id : job_ids) {
    EXPECT_EQ(CountOccurrences(log, "job_id=" + job_id + " config_id"), 1) << job_id;
  }
  EXPECT_THAT(log, ::testing::Not(HasSubstr("event=duplicate_completion")));

  // Both workers took part.
  std::map<std::string, int> by_worker = CountByWorker(jobs);
  EXPECT_EQ(by_worker.size(), 2u);
  EXPECT_GT(by_worker["worker-a"], 0);
  EXPECT_GT(by_worker["worker-b"], 0);

  CommandResult board =
      cluster.Lrsweep(absl::StrCat("leaderboard ", sweep_id, " --format=json --top_k=1000"));
  ASSERT_EQ(board.exit_code, 0) << board.err;
  std::optional<v1::GetLeaderboardResponse> leaderboard =
      ParseJson<v1::GetLeaderboardResponse>(board.out);
  ASSERT_TRUE(leaderboard.has_value()) << board.out;
  EXPECT_EQ(leaderboard->config_count(), kIrisConfigs);
  EXPECT_TRUE(leaderboard->next_page_token().empty());

  const std::vector<ExpectedEntry> expected =
      RankConfigs(jobs, leaderboard->objective().mode() == "max");
  ASSERT_EQ(leaderboard->entries_size(), static_cast<int>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    const LeaderboardEntry& entry = leaderboard->entries(static_cast<int>(i));
    SCOPED_TRACE(absl::StrCat("rank ", i + 1));
    EXPECT_EQ(entry.rank(), static_cast<int64_t>(i + 1));
    EXPECT_EQ(entry.config_id(), expected[i].config_id);
    EXPECT_EQ(entry.status(), expected[i].status);
    EXPECT_EQ(entry.objective_count(), expected[i].count);
    ASSERT_EQ(entry.has_objective_mean(), expected[i].mean.has_value());
    if (expected[i].mean.has_value()) {
      EXPECT_NEAR(entry.objective_mean(), *expected[i].mean, Tolerance(*expected[i].mean));
      EXPECT_NEAR(entry.objective_std(), *expected[i].stddev, Tolerance(*expected[i].stddev));
    }
  }
}

TEST(SweepProcessTest, KilledWorkersJobRunsAgain) {
  Cluster cluster(lrsweep::testing::TestFolder());
  ASSERT_TRUE(cluster.StartCoordinator());
  // Three jobs of about 0.6 s. Leases of 3 s run out soon after the kill.
  const std::string spec = cluster.WriteFile(
      "slow.yaml", SlowSweep(350, "0.01, 0.005, 0.002", "limits: {lease_seconds: 3}"));
  const std::string sweep_id = cluster.Submit(spec);
  ASSERT_FALSE(sweep_id.empty());

  // worker-a leases two jobs, starts the first, and is killed.
  ChildProcess* worker_a = cluster.StartWorker("worker-a");
  auto [held, leased] = cluster.PollJobs(sweep_id, [](const std::vector<Job>& jobs) {
    return CountByWorker(jobs)["worker-a"] == 2;
  });
  ASSERT_TRUE(leased) << worker_a->log();
  std::optional<int> killed = worker_a->Stop(SIGKILL);
  ASSERT_TRUE(killed.has_value());
  EXPECT_TRUE(WIFSIGNALED(*killed));
  std::set<std::string> lost;
  for (const Job& job : held) {
    if (job.worker_id() == "worker-a") {
      EXPECT_EQ(job.state(), Job::RUNNING);
      lost.insert(job.job_id());
    }
  }

  // worker-b runs the third job, then the two whose leases expired.
  cluster.StartWorker("worker-b");
  std::optional<v1::Sweep> sweep = cluster.WaitForSweep(sweep_id);
  ASSERT_TRUE(sweep.has_value());
  EXPECT_EQ(sweep->state(), v1::Sweep::FINISHED);
  EXPECT_EQ(sweep->counts().succeeded(), 3);

  const std::vector<Job> jobs = cluster.Jobs(sweep_id, /*with_curves=*/false);
  ASSERT_EQ(jobs.size(), 3u);
  for (const Job& job : jobs) {
    SCOPED_TRACE(job.job_id());
    EXPECT_EQ(job.state(), Job::SUCCEEDED);
    EXPECT_EQ(job.worker_id(), "worker-b");
    EXPECT_EQ(job.attempt(), lost.count(job.job_id()) > 0 ? 2 : 1);
  }
  const std::string log = cluster.coordinator().log();
  EXPECT_EQ(CountOccurrences(log, "event=lease_expired"), 2);
  EXPECT_EQ(CountOccurrences(log, "event=job_finished"), 3);
  for (const std::string& job_id : lost) {
    EXPECT_THAT(log, HasSubstr(absl::StrCat("job_id=", job_id, " attempt=1")));
  }
}

TEST(SweepProcessTest, StoppedWorkerHandsBackUnstartedJob) {
  Cluster cluster(lrsweep::testing::TestFolder());
  ASSERT_TRUE(cluster.StartCoordinator());
  // Three jobs of about 0.6 s.
  const std::string spec =
      cluster.WriteFile("slow.yaml", SlowSweep(350, "0.01, 0.005, 0.002", ""));
  const std::string sweep_id = cluster.Submit(spec);
  ASSERT_FALSE(sweep_id.empty());

  ChildProcess* worker_a = cluster.StartWorker("worker-a");
  auto [held, leased] = cluster.PollJobs(sweep_id, [](const std::vector<Job>& jobs) {
    return CountByWorker(jobs)["worker-a"] == 2;
  });
  ASSERT_TRUE(leased) << worker_a->log();

  // SIGTERM: the running job finishes, the waiting lease goes back.
  std::optional<int> stopped = worker_a->Stop(SIGTERM);
  ASSERT_TRUE(stopped.has_value()) << worker_a->log();
  ASSERT_TRUE(WIFEXITED(*stopped)) << worker_a->log();
  EXPECT_EQ(WEXITSTATUS(*stopped), 0);
  EXPECT_THAT(worker_a->log(), HasSubstr("completed_jobs=1 handed_back=1"));
  std::optional<std::smatch> released = cluster.coordinator().WaitForLog(
      "event=job_released sweep_id=[0-9a-f]+ job_id=([0-9a-f]+) attempt=1 "
      "worker_id=\"worker-a\"");
  ASSERT_TRUE(released.has_value()) << cluster.coordinator().log();
  const std::string released_job = (*released)[1];

  cluster.StartWorker("worker-b");
  std::optional<v1::Sweep> sweep = cluster.WaitForSweep(sweep_id);
  ASSERT_TRUE(sweep.has_value());
  EXPECT_EQ(sweep->state(), v1::Sweep::FINISHED);
  EXPECT_EQ(sweep->counts().succeeded(), 3);

  const std::vector<Job> jobs = cluster.Jobs(sweep_id, /*with_curves=*/false);
  ASSERT_EQ(jobs.size(), 3u);
  std::map<std::string, int> by_worker = CountByWorker(jobs);
  EXPECT_EQ(by_worker["worker-a"], 1);
  EXPECT_EQ(by_worker["worker-b"], 2);
  for (const Job& job : jobs) {
    SCOPED_TRACE(job.job_id());
    EXPECT_EQ(job.state(), Job::SUCCEEDED);
    // A released lease does not use up an attempt.
    EXPECT_EQ(job.attempt(), 1);
    if (job.job_id() == released_job) {
      EXPECT_EQ(job.worker_id(), "worker-b");
    }
  }
  EXPECT_THAT(cluster.coordinator().log(), ::testing::Not(HasSubstr("event=lease_expired")));
}

TEST(SweepProcessTest, WaitingLeaseIsKeptAlive) {
  Cluster cluster(lrsweep::testing::TestFolder());
  ASSERT_TRUE(cluster.StartCoordinator());
  // Two jobs of about 2.5 s with leases of 1 s: the second waits in the
  // worker's queue for longer than its lease while the first runs.
  const std::string spec = cluster.WriteFile(
      "slow.yaml", SlowSweep(2000, "0.01, 0.005", "limits: {lease_seconds: 1}"));
  const std::string sweep_id = cluster.Submit(spec);
  ASSERT_FALSE(sweep_id.empty());
  cluster.StartWorker("worker-a");

  std::optional<v1::Sweep> sweep = cluster.WaitForSweep(sweep_id);
  ASSERT_TRUE(sweep.has_value());
  EXPECT_EQ(sweep->state(), v1::Sweep::FINISHED);
  EXPECT_EQ(sweep->counts().succeeded(), 2);
  const std::vector<Job> jobs = cluster.Jobs(sweep_id, /*with_curves=*/false);
  ASSERT_EQ(jobs.size(), 2u);
  for (const Job& job : jobs) {
    SCOPED_TRACE(job.job_id());
    EXPECT_EQ(job.state(), Job::SUCCEEDED);
    EXPECT_EQ(job.attempt(), 1);
  }
  EXPECT_THAT(cluster.coordinator().log(), ::testing::Not(HasSubstr("event=lease_expired")));
}

// Reads every job of the only sweep in the SQLite store at `path`.
std::vector<Job> ReadStoredJobs(const std::string& path) {
  std::vector<Job> jobs;
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "cannot open " << path << ": " << sqlite3_errmsg(db);
    sqlite3_close(db);
    return jobs;
  }
  sqlite3_stmt* select = nullptr;
  const int code = sqlite3_prepare_v2(
      db, "SELECT job_id, config_id, state, objective, spec FROM jobs", -1, &select, nullptr);
  EXPECT_EQ(code, SQLITE_OK) << sqlite3_errmsg(db);
  while (code == SQLITE_OK && sqlite3_step(select) == SQLITE_ROW) {
    Job& job = jobs.emplace_back();
    job.set_job_id(reinterpret_cast<const char*>(sqlite3_column_text(select, 0)));
    job.set_config_id(reinterpret_cast<const char*>(sqlite3_column_text(select, 1)));
    job.set_state(static_cast<Job::State>(sqlite3_column_int(select, 2)));
    if (sqlite3_column_type(select, 3) != SQLITE_NULL) {
      job.set_objective(sqlite3_column_double(select, 3));
    }
    const void* spec = sqlite3_column_blob(select, 4);
    EXPECT_TRUE(job.mutable_spec()->ParseFromArray(spec, sqlite3_column_bytes(select, 4)));
  }
  sqlite3_finalize(select);
  sqlite3_close(db);
  return jobs;
}

TEST(RunCommandTest, TableFirstRowIsBestStoredConfig) {
  const std::string folder = lrsweep::testing::TestFolder();
  const std::string db = folder + "/run.db";
  CommandResult run = RunCommand(absl::StrCat("timeout ", kSweepTimeoutSeconds, " ",
                                              LRSWEEP_CLI_PATH,
                                              " run examples/iris_sweep.yaml --workers=2 --top_k=3"
                                              " --db=", db));
  ASSERT_EQ(run.exit_code, 0) << run.err;

  const std::vector<Job> stored = ReadStoredJobs(db);
  ASSERT_EQ(stored.size(), static_cast<size_t>(kIrisJobs));
  const std::vector<ExpectedEntry> ranking = RankConfigs(stored, /*maximize=*/false);
  const ExpectedEntry& best = ranking.front();
  ASSERT_EQ(best.status, LeaderboardEntry::FINISHED);

  // The row after the header: rank, solver, base_lr, scheduler, objective,
  // val_acc, state, time; cells are separated by two or more spaces.
  std::vector<std::string> lines = absl::StrSplit(run.out, '\n');
  auto header = std::find_if(lines.begin(), lines.end(), [](const std::string& line) {
    return absl::StartsWith(line, "rank  solver");
  });
  ASSERT_NE(header, lines.end()) << run.out;
  ASSERT_NE(header + 1, lines.end()) << run.out;
  const std::string row(absl::StripLeadingAsciiWhitespace(*(header + 1)));
  std::vector<std::string> columns;
  for (absl::string_view cell : absl::StrSplit(row, "  ", absl::SkipWhitespace())) {
    columns.emplace_back(absl::StripAsciiWhitespace(cell));
  }
  ASSERT_GE(columns.size(), 7u) << row;
  EXPECT_EQ(columns[0], "1");
  EXPECT_THAT(columns[1], StartsWith(best.spec.solver().name() + "("));
  EXPECT_EQ(columns[2], util::FormatDouble(best.spec.base_lr()));
  EXPECT_THAT(columns[3], StartsWith(best.spec.scheduler().name() + "("));
  EXPECT_EQ(columns[4], absl::StrFormat("%.5g +- %.2g (%d)", *best.mean, *best.stddev,
                                        best.count));
  EXPECT_EQ(columns[6], "FINISHED");
}

TEST(RunCommandTest, JsonOutputIsLeaderboardOfStoredResults) {
  const std::string folder = lrsweep::testing::TestFolder();
  const std::string db = folder + "/run.db";
  CommandResult run = RunCommand(absl::StrCat("timeout ", kSweepTimeoutSeconds, " ",
                                              LRSWEEP_CLI_PATH,
                                              " run examples/iris_sweep.yaml --workers=2"
                                              " --format=json --top_k=1000 --db=", db));
  ASSERT_EQ(run.exit_code, 0) << run.err;

  // Standard output is one JSON document and nothing else.
  std::optional<v1::GetLeaderboardResponse> leaderboard =
      ParseJson<v1::GetLeaderboardResponse>(run.out);
  ASSERT_TRUE(leaderboard.has_value()) << run.out;
  const std::vector<ExpectedEntry> ranking =
      RankConfigs(ReadStoredJobs(db), /*maximize=*/false);
  ASSERT_EQ(leaderboard->entries_size(), kIrisConfigs);
  ASSERT_EQ(ranking.size(), static_cast<size_t>(kIrisConfigs));
  for (int i = 0; i < kIrisConfigs; ++i) {
    SCOPED_TRACE(absl::StrCat("rank ", i + 1));
    EXPECT_EQ(leaderboard->entries(i).config_id(), ranking[i].config_id);
    EXPECT_NEAR(leaderboard->entries(i).objective_mean(), *ranking[i].mean,
                Tolerance(*ranking[i].mean));
  }
}

}  // namespace
}  // namespace lrsweep
