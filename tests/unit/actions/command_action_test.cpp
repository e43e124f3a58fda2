#include "actions/command_action.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "tests/support/temp_dir.h"
#include "tests/unit/actions/action_test_helpers.h"

namespace watchdog::actions {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<Action> action_from_yaml(const std::string& keys) {
  return testing::action_from_yaml("command", keys);
}

std::unique_ptr<Action> shell_action(const std::string& script) {
  return action_from_yaml("argv: [\"/bin/sh\", \"-c\", \"" + script + "\"]");
}

Incident incident() {
  Incident incident;
  incident.id = "api-20261122T033500Z";
  incident.component = "api";
  incident.attempt = 2;
  incident.reason = "api-http: connection refused";
  return incident;
}

TEST(CommandAction, ExportsTheIncidentToTheCommand) {
  auto action = shell_action(
      "echo \\\"$WATCHDOG_COMPONENT|$WATCHDOG_INCIDENT_ID|$WATCHDOG_ATTEMPT|$WATCHDOG_REASON\\\"");
  EXPECT_EQ(action->kind(), "command");
  EXPECT_EQ(action->name(), "command-1");
  auto outcome = action->run(incident(), 10s);
  EXPECT_TRUE(outcome.ok) << outcome.detail;
  EXPECT_EQ(outcome.output_tail, "api|api-20261122T033500Z|2|api-http: connection refused\n");
  EXPECT_EQ(outcome.detail.rfind("exit 0 in ", 0), 0u) << outcome.detail;
  EXPECT_GT(outcome.duration.count(), 0);
}

TEST(CommandAction, ANonZeroExitFails) {
  auto outcome =
      shell_action("echo restarting; echo 'no such service' >&2; exit 3")->run(incident(), 10s);
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.detail.rfind("exit 3 in ", 0), 0u) << outcome.detail;
  EXPECT_EQ(outcome.output_tail, "restarting\nno such service\n");
}

TEST(CommandAction, ASignalFails) {
  auto outcome = shell_action("kill -TERM $$$$")->run(incident(), 10s);  // "$$" escapes "$"
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.detail.rfind("killed by SIGTERM after ", 0), 0u) << outcome.detail;
}

TEST(CommandAction, TimeoutKillsTheCommand) {
  auto action = shell_action("echo stuck; sleep 30");
  const auto begin = std::chrono::steady_clock::now();
  auto outcome = action->run(incident(), 300ms);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, 3s);
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.detail, "killed after 300 ms timeout");
  EXPECT_EQ(outcome.output_tail, "stuck\n");
  EXPECT_GE(outcome.duration, 300ms);
}

TEST(CommandAction, AMissingProgramCannotStart) {
  auto outcome = action_from_yaml("argv: [/nonexistent/restart-api]")->run(incident(), 10s);
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(outcome.detail.rfind("cannot start: ", 0), 0u) << outcome.detail;
}

TEST(CommandAction, PassesEnvAndWorkingDir) {
  watchdog::testing::TempDir dir;
  auto action = action_from_yaml(
      "argv: [\"/bin/sh\", \"-c\", \"echo $SERVICE $(pwd)\"]\nenv:\n  SERVICE: api\nworking_dir: " +
      dir.path().string());
  auto outcome = action->run(incident(), 10s);
  EXPECT_EQ(outcome.output_tail, "api " + std::filesystem::canonical(dir.path()).string() + "\n");
}

TEST(CommandAction, DescribeShowsArgvAsWrittenNotSecrets) {
  setenv("SECRET_VAR", "hunter2", 1);
  auto action = action_from_yaml(
      "name: restart-api\n"
      "argv: [/bin/sh, -c, \"echo ${SECRET_VAR}\", \"it's\", \"--token=${SECRET_VAR}\", plain]");
  unsetenv("SECRET_VAR");
  EXPECT_EQ(action->name(), "restart-api");
  const std::string described = action->describe();
  EXPECT_EQ(described, "/bin/sh -c 'echo ${SECRET_VAR}' 'it'\\''s' '--token=${SECRET_VAR}' plain");
  EXPECT_EQ(described.find("hunter2"), std::string::npos);
  auto outcome = action->run(incident(), 10s);  // the command itself gets the value
  EXPECT_EQ(outcome.output_tail, "hunter2\n");
  EXPECT_EQ(outcome.detail.find("hunter2"), std::string::npos);
}

TEST(CommandAction, RejectsAMissingOrEmptyArgv) {
  EXPECT_THROW(action_from_yaml(""), config::ConfigError);
  EXPECT_THROW(action_from_yaml("argv: []"), config::ConfigError);
  EXPECT_THROW(action_from_yaml("argv: [/bin/true]\ncwd: /tmp"), config::ConfigError);
}

}  // namespace
}  // namespace watchdog::actions
