// Child processes for integration tests: a program of this build started
// with its output in a log file, waited for by the lines it logs, and
// stopped with a signal. Every wait is bounded, so a hung process fails the
// test instead of blocking it. Not thread-safe.
#ifndef LRSWEEP_TESTS_SUPPORT_CHILD_PROCESS_H_
#define LRSWEEP_TESTS_SUPPORT_CHILD_PROCESS_H_

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <optional>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace lrsweep::testing {

// How long a child process may take to log a line or to exit.
inline constexpr auto kChildTimeout = std::chrono::seconds(20);

inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

class ChildProcess {
 public:
  // Starts `args[0]` with `args` as its argument vector and both standard
  // output and standard error appended to `log_path`. started() is false
  // when the program cannot be started.
  ChildProcess(std::vector<std::string> args, const std::string& log_path)
      : log_path_(log_path) {
    std::filesystem::remove(log_path);
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                     O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
    const int error = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (error != 0) pid_ = -1;
  }

  // Kills the process with SIGKILL when it still runs.
  ~ChildProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }

  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  std::string log() const { return ReadWholeFile(log_path_); }

  // Returns the first match of `pattern` in the log, or nullopt when none
  // appears within kChildTimeout or the process exits first. The match is
  // valid until the next call.
  std::optional<std::smatch> WaitForLog(const std::string& pattern) {
    const std::regex regex(pattern);
    const auto deadline = std::chrono::steady_clock::now() + kChildTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
      log_text_ = log();
      std::smatch match;
      if (std::regex_search(log_text_, match, regex)) return match;
      int status = 0;
      if (pid_ <= 0) return std::nullopt;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        exit_status_ = status;
        return std::nullopt;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::nullopt;
  }

  // Returns the port of an lrsweep-coordinator's `event=listening` line.
  std::optional<int> WaitForCoordinatorPort() {
    std::optional<std::smatch> match =
        WaitForLog("event=listening address=127\\.0\\.0\\.1:([0-9]+)");
    if (!match.has_value()) return std::nullopt;
    return std::stoi((*match)[1]);
  }

  // Sends `signal` and returns the wait status, or nullopt when the process
  // does not exit within kChildTimeout. A process that already exited
  // returns its status.
  std::optional<int> Stop(int signal) {
    if (pid_ <= 0) return exit_status_;
    kill(pid_, signal);
    const auto deadline = std::chrono::steady_clock::now() + kChildTimeout;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        exit_status_ = status;
        return status;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::nullopt;
  }

 private:
  std::string log_path_;
  std::string log_text_;
  pid_t pid_ = -1;
  std::optional<int> exit_status_;
};

}  // namespace lrsweep::testing

#endif  // LRSWEEP_TESTS_SUPPORT_CHILD_PROCESS_H_
