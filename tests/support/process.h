// Running a program of this build as a child process and capturing its
// output, for tests of the command-line interface.
#ifndef LRSWEEP_TESTS_SUPPORT_PROCESS_H_
#define LRSWEEP_TESTS_SUPPORT_PROCESS_H_

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>

namespace lrsweep::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `command` through /bin/sh and returns its exit code, standard output
// and standard error. The command must quote its own arguments.
inline CommandResult RunCommand(const std::string& command) {
  char err_path[] = "/tmp/lrsweep_test_stderr_XXXXXX";
  int fd = mkstemp(err_path);
  if (fd >= 0) close(fd);
  CommandResult result;
  FILE* pipe = popen((command + " 2>" + err_path).c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t n;
  while ((n = fread(buffer, 1, sizeof(buffer), pipe)) > 0) result.out.append(buffer, n);
  int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err_file(err_path);
  std::stringstream err;
  err << err_file.rdbuf();
  result.err = err.str();
  std::remove(err_path);
  return result;
}

}  // namespace lrsweep::testing

#endif  // LRSWEEP_TESTS_SUPPORT_PROCESS_H_
