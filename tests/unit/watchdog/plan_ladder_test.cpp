// How the plan turns `recovery.actions` into a ladder (issue #12): destructive rungs carry the
// failure kinds they repair, runbooks are one rung of several steps, and a ladder that could
// restore over a database for any failure is refused at load with file:line:column.
#include <gtest/gtest.h>

#include "config/loader.h"
#include "config/options.h"
#include "watchdog/plan.h"

namespace watchdog::core {
namespace {

const char* kBackups = R"(
backups:
  - name: main
    dsn: host=127.0.0.1 port=9 user=postgres dbname=shop
    directory: /tmp/watchdog-plan-test-backups
components:
  - name: db
    probes:
      - name: db-up
        kind: tcp
        host: 127.0.0.1
        port: 9
    recovery:
      actions:
)";

Plan plan_with(const std::string& actions) {
  return build_plan(config::load_config_text(std::string(kBackups) + actions, "test.yaml"));
}

std::string load_error(const std::string& actions) {
  try {
    plan_with(actions);
  } catch (const config::ConfigError& error) {
    return error.what();
  }
  return "";
}

TEST(PlanLadder, RestoreWithReplaceIsDestructiveAndOnlyForMissingOrCorruptData) {
  const auto plan = plan_with(R"(
        - name: pg-start
          kind: command
          argv: ["/bin/true"]
        - name: restore-db
          kind: restore_latest
          target: main
          replace: true
)");
  const auto& ladder = plan.components.at(0).ladder;
  ASSERT_EQ(ladder.size(), 2u);
  EXPECT_FALSE(ladder[0].destructive);
  EXPECT_TRUE(ladder[0].when.empty());
  EXPECT_TRUE(ladder[1].destructive);
  EXPECT_EQ(ladder[1].when, (std::vector<std::string>{"not_found", "corrupt"}));
}

TEST(PlanLadder, OperatorsNarrowOrWidenWhenAndMarkCommandsDestructive) {
  const auto plan = plan_with(R"(
        - name: wipe-cache
          kind: command
          argv: ["/bin/true"]
          destructive: true
          when: [corrupt]
)");
  const auto& rung = plan.components.at(0).ladder.at(0);
  EXPECT_TRUE(rung.destructive);
  EXPECT_EQ(rung.when, (std::vector<std::string>{"corrupt"}));
}

TEST(PlanLadder, DestructiveCommandWithoutWhenIsAConfigError) {
  const auto error = load_error(R"(
        - name: wipe-cache
          kind: command
          argv: ["/bin/true"]
          destructive: true
)");
  EXPECT_NE(error.find("test.yaml:"), std::string::npos) << error;
  EXPECT_NE(error.find("components[0].recovery.actions[0].destructive"), std::string::npos)
      << error;
  EXPECT_NE(error.find("needs `when:`"), std::string::npos) << error;
}

TEST(PlanLadder, UnknownFailureKindNamesTheKnownOnes) {
  const auto error = load_error(R"(
        - name: restore-db
          kind: restore_latest
          target: main
          replace: true
          when: [not_found, timeot]
)");
  EXPECT_NE(error.find("components[0].recovery.actions[0].when"), std::string::npos) << error;
  EXPECT_NE(error.find("unknown failure kind 'timeot'"), std::string::npos) << error;
  EXPECT_NE(error.find("timeout, refused"), std::string::npos) << error;
}

TEST(PlanLadder, RunbookIsOneRungWhoseWhenComesFromItsDestructiveStep) {
  const auto plan = plan_with(R"(
        - name: pg-start
          kind: command
          argv: ["/bin/true"]
        - name: restore-runbook
          steps:
            - name: stop-backend
              kind: command
              argv: ["/bin/true"]
              timeout: 5s
            - name: restore-db
              kind: restore_latest
              target: main
              replace: true
              timeout: 60s
            - name: migrate
              kind: command
              argv: ["/bin/true"]
              timeout: 10s
          on_failure:
            - name: start-backend
              kind: command
              argv: ["/bin/true"]
              timeout: 5s
)");
  const auto& rung = plan.components.at(0).ladder.at(1);
  EXPECT_EQ(rung.action->kind(), "runbook");
  EXPECT_TRUE(rung.destructive);
  EXPECT_EQ(rung.when, (std::vector<std::string>{"not_found", "corrupt"}));
  EXPECT_EQ(rung.timeout, std::chrono::seconds(80));  // steps and on_failure
  EXPECT_EQ(rung.action->describe(),
            "stop-backend → restore-db → migrate (on failure: start-backend)");
}

TEST(PlanLadder, RunbookShapeErrorsNameTheKey) {
  EXPECT_NE(load_error(R"(
        - name: rb
          kind: command
          steps:
            - kind: command
              argv: ["/bin/true"]
)")
                .find("actions[0].kind: a rung with steps is a runbook"),
            std::string::npos);
  EXPECT_NE(load_error(R"(
        - name: rb
          steps:
            - kind: command
              argv: ["/bin/true"]
              when: [timeout]
)")
                .find("actions[0].steps[0].when: `when` belongs to the rung"),
            std::string::npos);
  EXPECT_NE(load_error(R"(
        - name: rb
          kind: command
          argv: ["/bin/true"]
          on_failure:
            - kind: command
              argv: ["/bin/true"]
)")
                .find("actions[0].on_failure: only a rung with steps"),
            std::string::npos);
}

}  // namespace
}  // namespace watchdog::core
