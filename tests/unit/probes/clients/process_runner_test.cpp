#include "probes/clients/process_runner.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <set>
#include <thread>

#include "tests/support/temp_dir.h"

namespace watchdog::probes {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

ProcessSpec shell(const std::string& script, std::chrono::milliseconds timeout = 10s) {
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", script};
  spec.timeout = timeout;
  return spec;
}

// Alive = exists and is not a zombie (an orphan may wait for a reaper that never comes).
bool process_alive(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(stat, line)) return false;
  const auto paren = line.rfind(')');
  return paren != std::string::npos && paren + 2 < line.size() && line[paren + 2] != 'Z';
}

pid_t read_pid(const std::filesystem::path& file) {
  pid_t pid = 0;
  testing::wait_until([&] { return std::ifstream(file) >> pid && pid > 0; }, 3s);
  return pid;
}

TEST(ProcessRunner, ReportsExitCodes) {
  auto ok = run_process(shell("exit 0"));
  EXPECT_TRUE(ok.started);
  EXPECT_FALSE(ok.timed_out);
  EXPECT_EQ(ok.exit_code, 0);
  EXPECT_EQ(ok.signal, 0);
  EXPECT_GT(ok.elapsed.count(), 0);
  EXPECT_EQ(run_process(shell("exit 3")).exit_code, 3);
  EXPECT_EQ(run_process(shell("exit 255")).exit_code, 255);
}

TEST(ProcessRunner, SearchesPathForBareNames) {
  ProcessSpec spec;
  spec.argv = {"sh", "-c", "echo found"};
  auto result = run_process(spec);
  ASSERT_TRUE(result.started) << result.start_error;
  EXPECT_EQ(result.output_tail, "found\n");
}

TEST(ProcessRunner, KeepsTheEndOfLongOutput) {
  auto spec = shell("i=0; while [ $i -lt 2000 ]; do echo line-$i; i=$((i+1)); done; echo END");
  spec.tail_bytes = 100;
  auto result = run_process(spec);
  ASSERT_EQ(result.output_tail.size(), 100u);
  EXPECT_EQ(result.output_tail.substr(result.output_tail.size() - 4), "END\n");
  EXPECT_NE(result.output_tail.find("line-1999\n"), std::string::npos);
}

TEST(ProcessRunner, MergesStderrIntoOutput) {
  auto result = run_process(shell("echo out; echo err >&2"));
  EXPECT_NE(result.output_tail.find("out\n"), std::string::npos);
  EXPECT_NE(result.output_tail.find("err\n"), std::string::npos);
}

TEST(ProcessRunner, StdinIsEmpty) {
  ProcessSpec spec;
  spec.argv = {"cat"};
  spec.timeout = 5s;
  auto result = run_process(spec);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output_tail, "");
}

TEST(ProcessRunner, ChildGetsOnlyTheBaseEnvironmentAndEnv) {
  setenv("WATCHDOG_TEST_INHERITED", "inherited", 1);
  setenv("WATCHDOG_TEST_OVERRIDDEN", "old", 1);
  setenv("WATCHDOG_TEST_DB_PASSWORD", "hunter2-pw", 1);
  auto spec = shell("env");
  spec.env = {{"WATCHDOG_TEST_OVERRIDDEN", "new"}, {"EXTRA", "a=b c"}};
  auto result = run_process(spec);
  std::vector<std::string> names;
  for (std::size_t begin = 0; begin < result.output_tail.size();) {
    auto end = result.output_tail.find('\n', begin);
    if (end == std::string::npos) end = result.output_tail.size();
    const auto line = result.output_tail.substr(begin, end - begin);
    names.push_back(line.substr(0, line.find('=')));
    begin = end + 1;
  }
  // What the child sees: the base (those the watchdog has) and `env`; PWD/SHLVL/_ come from
  // the shell itself.
  const std::set<std::string> allowed = {
      "PATH", "HOME",  "LANG", "TZ", "LC_ALL", "EXTRA", "WATCHDOG_TEST_OVERRIDDEN",
      "PWD",  "SHLVL", "_"};
  for (const auto& name : names) EXPECT_TRUE(allowed.count(name)) << name;
  EXPECT_NE(result.output_tail.find("WATCHDOG_TEST_OVERRIDDEN=new\n"), std::string::npos);
  EXPECT_NE(result.output_tail.find("EXTRA=a=b c\n"), std::string::npos);
  EXPECT_NE(result.output_tail.find("PATH="), std::string::npos);
  EXPECT_EQ(result.output_tail.find("hunter2-pw"), std::string::npos);

  spec = shell("echo \"$WATCHDOG_TEST_INHERITED $WATCHDOG_TEST_OVERRIDDEN $EXTRA\"");
  spec.env = {{"WATCHDOG_TEST_OVERRIDDEN", "new"}, {"EXTRA", "a=b c"}};
  spec.inherit_env = true;
  EXPECT_EQ(run_process(spec).output_tail, "inherited new a=b c\n");
  unsetenv("WATCHDOG_TEST_INHERITED");
  unsetenv("WATCHDOG_TEST_OVERRIDDEN");
  unsetenv("WATCHDOG_TEST_DB_PASSWORD");
}

TEST(ProcessRunner, PathDefaultsWhenTheWatchdogHasNone) {
  const std::string saved = std::getenv("PATH") ? std::getenv("PATH") : "";
  unsetenv("PATH");
  ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c", "echo $PATH"};
  auto result = run_process(spec);
  setenv("PATH", saved.c_str(), 1);
  EXPECT_EQ(result.output_tail, "/usr/local/bin:/usr/bin:/bin\n");
}

TEST(ProcessRunner, RunsInTheWorkingDirectory) {
  TempDir dir;
  dir.write("script.sh", "#!/bin/sh\necho relative\n");
  std::filesystem::permissions(dir / "script.sh", std::filesystem::perms::owner_all);
  auto spec = shell("pwd");
  spec.working_dir = dir.path().string();
  auto result = run_process(spec);
  EXPECT_EQ(result.output_tail, std::filesystem::canonical(dir.path()).string() + "\n");

  spec.argv = {"./script.sh"};  // relative to working_dir
  result = run_process(spec);
  ASSERT_TRUE(result.started) << result.start_error;
  EXPECT_EQ(result.output_tail, "relative\n");
}

TEST(ProcessRunner, ReportsProgramsThatCannotStart) {
  ProcessSpec spec;
  spec.argv = {"watchdog-no-such-program"};
  auto result = run_process(spec);
  EXPECT_FALSE(result.started);
  EXPECT_NE(result.start_error.find("not found"), std::string::npos) << result.start_error;

  spec.argv = {"/nonexistent/program"};
  result = run_process(spec);
  EXPECT_FALSE(result.started);
  EXPECT_NE(result.start_error.find("No such file"), std::string::npos) << result.start_error;

  TempDir dir;
  spec.argv = {dir.write("not-executable", "#!/bin/sh\n").string()};
  result = run_process(spec);
  EXPECT_FALSE(result.started);
  EXPECT_NE(result.start_error.find("ermission denied"), std::string::npos) << result.start_error;

  spec = shell("true");
  spec.working_dir = (dir / "missing").string();
  result = run_process(spec);
  EXPECT_FALSE(result.started);
  EXPECT_NE(result.start_error.find("working_dir"), std::string::npos) << result.start_error;

  spec.argv.clear();
  EXPECT_FALSE(run_process(spec).started);
}

TEST(ProcessRunner, ReapsAChildWhoseExecFailed) {
  TempDir dir;
  const auto script = dir.write("bad-interpreter", "#!/nonexistent/interpreter\n");
  std::filesystem::permissions(script, std::filesystem::perms::owner_all);
  ProcessSpec spec;
  spec.argv = {script.string()};
  auto result = run_process(spec);
  EXPECT_FALSE(result.started);
  EXPECT_NE(result.start_error.find("No such file"), std::string::npos) << result.start_error;
  // No child of ours is left to reap (a zombie would show up within the wait).
  EXPECT_FALSE(testing::wait_until([] { return waitpid(-1, nullptr, WNOHANG) > 0; }, 300ms));
}

TEST(ProcessRunner, TimeoutKillsTheWholeProcessGroup) {
  TempDir dir;
  const auto pid_file = dir / "background.pid";
  auto spec =
      shell("sleep 30 & echo $! > '" + pid_file.string() + "'; echo waiting; sleep 30", 500ms);
  const auto begin = std::chrono::steady_clock::now();
  auto result = run_process(spec);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 3s);
  EXPECT_TRUE(result.started);
  EXPECT_TRUE(result.timed_out);
  EXPECT_EQ(result.output_tail, "waiting\n");
  const pid_t background = read_pid(pid_file);
  ASSERT_GT(background, 0);
  EXPECT_TRUE(testing::wait_until([&] { return !process_alive(background); }, 3s));
}

// A restart script that starts a daemon with `&`: the run ends when the script exits, whether
// or not the daemon still holds the output pipe, and the daemon keeps running.
void expect_returns_when_child_exits(const std::string& redirect) {
  TempDir dir;
  const auto pid_file = dir / "daemon.pid";
  auto spec =
      shell("sleep 30 " + redirect + " & echo $! > '" + pid_file.string() + "'; echo started", 20s);
  const auto begin = std::chrono::steady_clock::now();
  auto result = run_process(spec);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 3s);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_EQ(result.output_tail, "started\n");
  const pid_t daemon = read_pid(pid_file);
  ASSERT_GT(daemon, 0);
  EXPECT_TRUE(process_alive(daemon));
  kill(daemon, SIGKILL);
}

TEST(ProcessRunner, ReturnsWhenChildExitsLeavingARedirectedDaemon) {
  expect_returns_when_child_exits(">/dev/null 2>&1");
}

TEST(ProcessRunner, ReturnsWhenChildExitsLeavingADaemonOnThePipe) {
  expect_returns_when_child_exits("");
}

TEST(ProcessRunner, ReportsTheTerminatingSignal) {
  auto result = run_process(shell("echo bye; kill -SEGV $$"));
  EXPECT_TRUE(result.started);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.signal, SIGSEGV);
  EXPECT_EQ(result.output_tail, "bye\n");
}

TEST(ProcessRunner, ChildStartsWithCleanSignalState) {
  // The daemon blocks termination signals in its threads and ignores SIGPIPE.
  auto old_pipe = std::signal(SIGPIPE, SIG_IGN);
  ProcessResult result;
  std::thread([&] {
    sigset_t blocked;
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGTERM);
    sigaddset(&blocked, SIGINT);
    pthread_sigmask(SIG_BLOCK, &blocked, nullptr);
    result = run_process(shell("exec grep -E '^Sig(Blk|Ign)' /proc/self/status"));
  }).join();
  std::signal(SIGPIPE, old_pipe);
  EXPECT_EQ(result.output_tail, "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");
}

TEST(ProcessRunner, DoesNotLeakDescriptors) {
  const int fd = open("/dev/null", O_RDONLY);  // deliberately without O_CLOEXEC
  ASSERT_GE(fd, 3);
  auto result = run_process(
      shell("test -e /proc/$$/fd/" + std::to_string(fd) + " && echo leaked || echo clean"));
  close(fd);
  EXPECT_EQ(result.output_tail, "clean\n");
}

TEST(ProcessRunner, RunsConcurrentlyFromSeveralThreads) {
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &failures] {
      for (int i = 0; i < 5; ++i) {
        auto spec = shell("echo \"$ID\"; sleep 0.05; exit $CODE");
        const std::string id = std::to_string(t) + "-" + std::to_string(i);
        spec.env = {{"ID", id}, {"CODE", std::to_string(t + 10)}};
        auto result = run_process(spec);
        if (result.output_tail != id + "\n" || result.exit_code != t + 10) ++failures[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

TEST(FirstLine, TakesTheFirstNonEmptyLineTrimmed) {
  EXPECT_EQ(first_line(""), "");
  EXPECT_EQ(first_line("\n  \n\t OK - all good  \r\nsecond\n"), "OK - all good");
  EXPECT_EQ(first_line("no newline"), "no newline");
  EXPECT_EQ(first_line("a\tb\x1b[0m"), "a b?[0m");
}

TEST(FirstLine, CutsLongLinesOnACharacterBoundary) {
  EXPECT_EQ(first_line(std::string(300, 'x'), 10), std::string(10, 'x') + "…");
  EXPECT_EQ(first_line("ab\xc3\xa9z", 3), "ab…");  // does not split "é"
  EXPECT_EQ(first_line("abcd", 4), "abcd");
}

TEST(Formatting, SignalNamesAndDurations) {
  EXPECT_EQ(signal_name(SIGKILL), "SIGKILL");
  EXPECT_EQ(signal_name(SIGTERM), "SIGTERM");
  EXPECT_EQ(signal_name(200), "signal 200");
  EXPECT_EQ(human_duration(120ms), "120 ms");
  EXPECT_EQ(human_duration(1230ms), "1.2 s");
  EXPECT_EQ(human_duration(60s), "60 s");
  EXPECT_EQ(human_duration(303s), "5 min 3 s");
  EXPECT_EQ(human_duration(300s), "5 min");
}

}  // namespace
}  // namespace watchdog::probes
