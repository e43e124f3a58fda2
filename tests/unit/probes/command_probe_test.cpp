#include "probes/command_probe.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "config/options.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/probes/probe_test_helpers.h"

namespace watchdog::probes {
namespace {

using namespace std::chrono_literals;
using testing::probe_from_yaml;

// A probe running `/bin/sh -c script` (the script is the command under test).
std::unique_ptr<Probe> shell_probe(const std::string& script, const std::string& extra = "") {
  return probe_from_yaml("command", "argv: [\"/bin/sh\", \"-c\", \"" + script + "\"]\n" + extra);
}

const Measurement* find(const ProbeResult& result, const std::string& name) {
  for (const auto& m : result.measurements) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

TEST(CommandProbe, ExitZeroIsHealthyWithTheFirstOutputLine) {
  auto probe = shell_probe("echo; echo 'OK - 3 replicas in sync'; echo more");
  EXPECT_EQ(probe->kind(), "command");
  auto result = probe->check(5s);
  EXPECT_EQ(result.status, ProbeStatus::Healthy);
  EXPECT_EQ(result.failure, FailureKind::None);
  EXPECT_EQ(result.detail, "OK - 3 replicas in sync");
  EXPECT_GT(result.latency.count(), 0);
  ASSERT_NE(find(result, "command_exit_code"), nullptr);
  EXPECT_EQ(find(result, "command_exit_code")->value, 0);
}

TEST(CommandProbe, ExitOneIsDegraded) {
  auto result = shell_probe("echo 'WARNING - lag 12s' >&2; exit 1")->check(5s);
  EXPECT_EQ(result.status, ProbeStatus::Degraded);
  EXPECT_EQ(result.failure, FailureKind::Threshold);
  EXPECT_EQ(result.detail, "WARNING - lag 12s");
  EXPECT_EQ(find(result, "command_exit_code")->value, 1);
}

TEST(CommandProbe, OtherExitCodesAreUnhealthy) {
  auto result = shell_probe("echo 'CRITICAL - replica down'; exit 2")->check(5s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(result.failure, FailureKind::BadResponse);
  EXPECT_EQ(result.detail, "CRITICAL - replica down");

  result = shell_probe("exit 3")->check(5s);  // Nagios UNKNOWN, no output
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(result.failure, FailureKind::BadResponse);
  EXPECT_EQ(result.detail, "exit 3");
  EXPECT_EQ(find(result, "command_exit_code")->value, 3);
}

TEST(CommandProbe, ASignalIsUnhealthy) {
  auto result = shell_probe("kill -KILL $$$$")->check(5s);  // "$$" escapes "$" in config
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(result.failure, FailureKind::BadResponse);
  EXPECT_EQ(result.detail, "killed by SIGKILL");
  EXPECT_EQ(find(result, "command_exit_code")->value, 128 + 9);
}

TEST(CommandProbe, TimeoutIsUnhealthyAndReturnsPromptly) {
  auto probe = shell_probe("sleep 30");
  const auto begin = std::chrono::steady_clock::now();
  auto result = probe->check(300ms);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 3s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(result.failure, FailureKind::Timeout);
  EXPECT_EQ(result.detail, "killed after 300ms timeout");
  EXPECT_EQ(find(result, "command_exit_code"), nullptr);
  EXPECT_GE(result.latency, 300ms);
}

TEST(CommandProbe, AMissingProgramIsAnError) {
  auto result = probe_from_yaml("command", "argv: [watchdog-no-such-plugin, -v]")->check(5s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(result.failure, FailureKind::Error);
  EXPECT_EQ(result.detail, "cannot start: 'watchdog-no-such-plugin' not found in PATH");
}

TEST(CommandProbe, PassesEnvWorkingDirAndExpandedArguments) {
  watchdog::testing::TempDir dir;
  setenv("WATCHDOG_TEST_PROBE_ARG", "expanded", 1);
  auto probe = probe_from_yaml("command",
                               "argv: [\"/bin/sh\", \"-c\", \"echo $GREETING $(pwd) $0\", "
                               "\"${WATCHDOG_TEST_PROBE_ARG}\"]\n"
                               "env:\n  GREETING: hello\n"
                               "working_dir: " +
                                   dir.path().string());
  unsetenv("WATCHDOG_TEST_PROBE_ARG");
  auto result = probe->check(5s);
  EXPECT_EQ(result.detail,
            "hello " + std::filesystem::canonical(dir.path()).string() + " expanded");
}

// The command sees PATH/HOME/LANG/TZ/LC_ALL and its `env` (values may use ${ENV}), never the
// rest of the watchdog's environment, unless inherit_env: true.
TEST(CommandProbe, ChildEnvironmentIsExplicitUnlessInheritEnv) {
  setenv("WATCHDOG_TEST_PROBE_SECRET", "leaky-secret-value", 1);
  setenv("WATCHDOG_TEST_PROBE_TOKEN", "given-token", 1);
  auto probe = probe_from_yaml("command",
                               "argv: [\"/bin/sh\", \"-c\", \"echo "
                               "[$WATCHDOG_TEST_PROBE_SECRET] [$API_TOKEN]\"]\n"
                               "env:\n  API_TOKEN: ${WATCHDOG_TEST_PROBE_TOKEN}\n");
  auto inheriting = probe_from_yaml("command",
                                    "argv: [\"/bin/sh\", \"-c\", \"echo "
                                    "[$WATCHDOG_TEST_PROBE_SECRET]\"]\ninherit_env: true\n");
  EXPECT_EQ(probe->check(5s).detail, "[] [given-token]");
  EXPECT_EQ(inheriting->check(5s).detail, "[leaky-secret-value]");
  unsetenv("WATCHDOG_TEST_PROBE_SECRET");
  unsetenv("WATCHDOG_TEST_PROBE_TOKEN");
}

TEST(CommandProbe, RejectsAMissingOrEmptyArgv) {
  EXPECT_THROW(probe_from_yaml("command", ""), config::ConfigError);
  EXPECT_THROW(probe_from_yaml("command", "argv: []"), config::ConfigError);
  EXPECT_THROW(probe_from_yaml("command", "argv: /bin/true"), config::ConfigError);
  try {
    probe_from_yaml("command", "argv: [/bin/true]\nargs: [x]");
    ADD_FAILURE() << "an unknown key was accepted";
  } catch (const config::ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("args"), std::string::npos) << error.what();
  }
}

// Issue #12: exit_codes maps codes for tools that are not Nagios plugins (`mariadb-admin ping`
// exits 1 when the server is down).
TEST(CommandProbe, ExitCodesCanMakeExitOneCritical) {
  const std::string critical_one = "exit_codes:\n  healthy: [0]\n";
  auto result = shell_probe("echo 'connect to server failed'; exit 1", critical_one)->check(5s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(result.failure, FailureKind::BadResponse);
  EXPECT_EQ(result.detail, "connect to server failed");
  EXPECT_EQ(find(result, "command_exit_code")->value, 1);
  EXPECT_EQ(shell_probe("echo 'mysqld is alive'", critical_one)->check(5s).status,
            ProbeStatus::Healthy);
}

TEST(CommandProbe, ExitCodesMapEachListedCode) {
  const std::string codes = "exit_codes: {healthy: [0, 3], degraded: [2, 4]}\n";
  EXPECT_EQ(shell_probe("exit 3", codes)->check(5s).status, ProbeStatus::Healthy);
  auto result = shell_probe("exit 4", codes)->check(5s);
  EXPECT_EQ(result.status, ProbeStatus::Degraded);
  EXPECT_EQ(result.failure, FailureKind::Threshold);
  EXPECT_EQ(result.detail, "exit 4");
  EXPECT_EQ(shell_probe("exit 1", codes)->check(5s).status, ProbeStatus::Unhealthy)
      << "a code not listed is unhealthy";
  EXPECT_EQ(shell_probe("kill -KILL $$$$", codes)->check(5s).status, ProbeStatus::Unhealthy);
  // Without exit_codes: the Nagios default.
  EXPECT_EQ(shell_probe("exit 1")->check(5s).status, ProbeStatus::Degraded);
}

// The message of the ConfigError that loading `keys` throws ("" when it loads).
std::string config_error(const std::string& keys) {
  try {
    shell_probe("exit 0", keys);
  } catch (const config::ConfigError& error) {
    return error.what();
  }
  return "";
}

TEST(CommandProbe, ExitCodesRejectsACodeListedTwiceAndOtherMistakes) {
  // Lines: 6 argv, 7 exit_codes, 8 healthy, 9 degraded.
  auto error = config_error("exit_codes:\n  healthy: [0]\n  degraded: [1, 0]\n");
  EXPECT_EQ(error.rfind("test.yaml:9:", 0), 0u) << error;
  EXPECT_NE(error.find("components[0].probes[0].exit_codes.degraded: exit code 0 is listed twice"),
            std::string::npos)
      << error;
  error = config_error("exit_codes:\n  healthy: [0, 2, 2]\n");
  EXPECT_EQ(error.rfind("test.yaml:8:", 0), 0u) << error;
  EXPECT_NE(error.find("exit_codes.healthy: exit code 2 is listed twice"), std::string::npos)
      << error;
  EXPECT_NE(config_error("exit_codes:\n  degraded: [1]\n").find("healthy: is required"),
            std::string::npos);
  EXPECT_NE(config_error("exit_codes:\n  healthy: []\n").find("at least one"), std::string::npos);
  EXPECT_NE(config_error("exit_codes:\n  healthy: [256]\n"), "");
  EXPECT_NE(config_error("exit_codes:\n  healthy: [0]\n  unhealthy: [2]\n").find("unhealthy"),
            std::string::npos)
      << "unknown keys inside exit_codes are errors too";
  EXPECT_NE(config_error("exit_codes: [0]\n").find("expected a mapping"), std::string::npos);
}

}  // namespace
}  // namespace watchdog::probes
