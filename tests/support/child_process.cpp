#include "tests/support/child_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include "tests/support/temp_dir.h"

extern char** environ;

namespace watchdog::testing {
namespace {

std::vector<std::string> merged_environment(const std::map<std::string, std::string>& extra) {
  std::map<std::string, std::string> all;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string text(*entry);
    auto equals = text.find('=');
    if (equals != std::string::npos) all[text.substr(0, equals)] = text.substr(equals + 1);
  }
  for (const auto& [name, value] : extra) all[name] = value;
  std::vector<std::string> out;
  for (const auto& [name, value] : all) out.push_back(name + "=" + value);
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// In the child between fork and exec: async-signal-safe calls only.
[[noreturn]] void exec_child(const char* in, const char* out, const char* err, char** argv,
                             char** envp) {
  setpgid(0, 0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  int in_fd = open(in, O_RDONLY);
  int out_fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644);
  int err_fd = *err ? open(err, O_WRONLY | O_CREAT | O_APPEND, 0644) : out_fd;
  if (in_fd < 0 || out_fd < 0 || err_fd < 0) _exit(126);
  dup2(in_fd, 0);
  dup2(out_fd, 1);
  dup2(err_fd, 2);
  close_range(3, ~0U, 0);  // the test's sockets and files stay with the test
  execve(argv[0], argv, envp);
  _exit(127);
}

}  // namespace

ChildProcess::ChildProcess(const ProcessOptions& options) {
  if (options.argv.empty()) throw std::invalid_argument("ChildProcess: empty argv");
  std::vector<std::string> argv = options.argv;
  std::vector<std::string> envp = merged_environment(options.env);
  auto argv_pointers = pointers(argv);
  auto envp_pointers = pointers(envp);
  const std::string in = options.stdin_path.string();
  const std::string out = options.stdout_path.string();
  const std::string err = options.stderr_path.string();
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    exec_child(in.c_str(), out.c_str(), err.c_str(), argv_pointers.data(), envp_pointers.data());
  }
  setpgid(pid_, pid_);  // also from the parent, so the group exists before we may kill it
}

ChildProcess::~ChildProcess() {
  if (pid_ <= 0 || !running()) return;  // what a finished child left running is its business
  ::kill(-pid_, SIGKILL);               // the group: the child and whatever it started in it
  reap(true);
}

bool ChildProcess::reap(bool block) {
  if (exit_code_) return true;
  int status = 0;
  pid_t r = waitpid(pid_, &status, block ? 0 : WNOHANG);
  if (r != pid_) return false;
  exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return true;
}

bool ChildProcess::running() { return !reap(false); }

void ChildProcess::signal(int number) {
  if (!exit_code_) ::kill(pid_, number);
}

std::optional<int> ChildProcess::wait(std::chrono::milliseconds limit) {
  wait_until([this] { return reap(false); }, limit, std::chrono::milliseconds(5));
  return exit_code_;
}

CommandResult run_command(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env,
                          std::chrono::milliseconds limit,
                          const std::filesystem::path& stdin_path) {
  TempDir dir;
  CommandResult result;
  {
    ChildProcess child({argv, env, stdin_path, dir / "stdout", dir / "stderr"});
    result.exit_code = child.wait(limit).value_or(-1);
  }
  result.out = read_text(dir / "stdout");
  result.err = read_text(dir / "stderr");
  return result;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::ostringstream content;
  content << file.rdbuf();
  return content.str();
}

}  // namespace watchdog::testing
