#pragma once
// Child processes for integration tests: fork/exec with an argv vector (no shell), extra
// environment, stdin/stdout/stderr redirected to files, in a process group of its own.
// The destructor SIGKILLs the whole group and reaps the child if it still runs, so a failed
// assertion never leaves it behind (daemons a finished child started are left alone).

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace watchdog::testing {

struct ProcessOptions {
  std::vector<std::string> argv;           // argv[0]: absolute path
  std::map<std::string, std::string> env;  // added to (and overriding) the test's environment
  std::filesystem::path stdin_path = "/dev/null";
  std::filesystem::path stdout_path = "/dev/null";
  std::filesystem::path stderr_path;  // empty = same file as stdout
};

class ChildProcess {
 public:
  explicit ChildProcess(const ProcessOptions& options);  // throws std::runtime_error
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  bool running();
  void signal(int number);  // to the child only (not its group)
  // The exit code (128 + N when killed by signal N), or nothing if it is still running at
  // the deadline.
  std::optional<int> wait(std::chrono::milliseconds limit);

 private:
  bool reap(bool block);
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

struct CommandResult {
  int exit_code = -1;  // -1: did not finish within the limit (it was killed)
  std::string out;
  std::string err;
};

// Runs a command to completion with stdout and stderr captured separately.
CommandResult run_command(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env = {},
                          std::chrono::milliseconds limit = std::chrono::seconds(20),
                          const std::filesystem::path& stdin_path = "/dev/null");

// The whole content of a file ("" when it does not exist).
std::string read_text(const std::filesystem::path& path);

}  // namespace watchdog::testing
