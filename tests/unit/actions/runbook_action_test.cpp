// Runbooks (issue #12): steps run in order, each within its own timeout; the first failing step
// fails the attempt, the steps after it never run, and every on_failure step runs. Real
// commands, real files.
#include "actions/runbook_action.h"

#include <gtest/gtest.h>

#include <thread>

#include <atomic>

#include "actions/factory.h"
#include "config/loader.h"
#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace watchdog::actions {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<Action> runbook(const std::string& steps) {
  const std::string yaml = R"(components:
  - name: app
    probes:
      - name: p
        kind: command
        argv: [/bin/true]
    recovery:
      actions:
        - name: rb
)" + steps;
  auto config = config::load_config_text(yaml, "test.yaml");
  return make_action(config.components.at(0).recovery.actions.at(0));
}

// A step that appends its name to `log` and exits with `code`.
std::string step(const std::string& name, const testing::TempDir& dir, int code,
                 const std::string& timeout = "5s") {
  return "            - name: " + name +
         "\n              kind: command\n              argv: [\"/bin/sh\", \"-c\", \"echo " + name +
         " >> " + (dir / "steps.log").string() + "; exit " + std::to_string(code) +
         "\"]\n              timeout: " + timeout + "\n";
}

Incident incident() { return {"app-20261205T010000.000Z", "app", 1, "p: refused"}; }

TEST(RunbookAction, RunsEveryStepInOrder) {
  testing::TempDir dir;
  auto action = runbook("          steps:\n" + step("stop", dir, 0) + step("restore", dir, 0) +
                        step("start", dir, 0));
  EXPECT_EQ(action->kind(), "runbook");
  EXPECT_FALSE(action->destructive());
  const auto outcome = action->run(incident(), 30s);
  EXPECT_TRUE(outcome.ok) << outcome.detail;
  EXPECT_EQ(testing::read_text(dir / "steps.log"), "stop\nrestore\nstart\n");
  EXPECT_EQ(outcome.detail.rfind("3 steps in ", 0), 0u) << outcome.detail;
  EXPECT_NE(outcome.detail.find(": stop, restore, start"), std::string::npos) << outcome.detail;
  EXPECT_NE(outcome.output_tail.find("== restore ok: exit 0"), std::string::npos)
      << outcome.output_tail;
}

TEST(RunbookAction, AFailingStepStopsTheRunbookAndRunsOnFailure) {
  testing::TempDir dir;
  auto action = runbook("          steps:\n" + step("stop", dir, 0) + step("restore", dir, 3) +
                        step("start", dir, 0) + "          on_failure:\n" +
                        step("start-again", dir, 0) + step("page", dir, 1));
  const auto outcome = action->run(incident(), 30s);
  EXPECT_FALSE(outcome.ok);
  EXPECT_EQ(testing::read_text(dir / "steps.log"), "stop\nrestore\nstart-again\npage\n");
  EXPECT_EQ(outcome.detail.rfind("step 2/3 restore failed: exit 3 in ", 0), 0u) << outcome.detail;
  const std::string undo = "; on_failure start-again ok; on_failure page failed";
  ASSERT_GT(outcome.detail.size(), undo.size());
  EXPECT_EQ(outcome.detail.substr(outcome.detail.size() - undo.size()), undo) << outcome.detail;
}

TEST(RunbookAction, ALostLeaseKillsTheStepAndStartsNoFurtherStepNorOnFailure) {
  testing::TempDir dir;
  auto action = runbook("          steps:\n" + step("stop", dir, 0) +
                        "            - name: hangs\n              kind: command\n"
                        "              argv: [\"/bin/sleep\", \"30\"]\n" +
                        step("start", dir, 0) + "          on_failure:\n" + step("undo", dir, 0));
  auto lost = std::make_shared<std::atomic<bool>>(false);
  auto run = incident();
  run.revoked = [lost] { return lost->load(); };
  std::thread lease_ends([lost] {
    std::this_thread::sleep_for(300ms);
    *lost = true;
  });
  const auto started = std::chrono::steady_clock::now();
  const auto outcome = action->run(run, 30s);
  lease_ends.join();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_FALSE(outcome.ok);
  EXPECT_NE(outcome.detail.find("lost the leader lease"), std::string::npos) << outcome.detail;
  EXPECT_NE(outcome.detail.find("on_failure skipped"), std::string::npos) << outcome.detail;
  EXPECT_EQ(testing::read_text(dir / "steps.log"), "stop\n");  // neither start nor undo
}

TEST(RunbookAction, EachStepKeepsItsOwnTimeout) {
  testing::TempDir dir;
  auto action = runbook("          steps:\n" + step("quick", dir, 0) +
                        "            - name: hangs\n              kind: command\n"
                        "              argv: [\"/bin/sleep\", \"30\"]\n"
                        "              timeout: 300ms\n" +
                        "          on_failure:\n" + step("undo", dir, 0));
  const auto started = std::chrono::steady_clock::now();
  const auto outcome = action->run(incident(), 30s);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 10s);
  EXPECT_FALSE(outcome.ok);
  EXPECT_NE(outcome.detail.find("step 2/2 hangs failed: killed after 300 ms timeout"),
            std::string::npos)
      << outcome.detail;
  EXPECT_EQ(testing::read_text(dir / "steps.log"), "quick\nundo\n");
}

TEST(RunbookAction, AStepMarkedDestructiveMakesTheRunbookDestructive) {
  testing::TempDir dir;
  auto action = runbook("          steps:\n" + step("stop", dir, 0) +
                        "            - name: wipe\n              kind: command\n"
                        "              argv: [/bin/true]\n              destructive: true\n");
  EXPECT_TRUE(action->destructive());
  EXPECT_TRUE(action->default_when().empty()) << "the rung must then say when:";
}

TEST(RunbookAction, ADestructiveOnFailureStepMakesTheRunbookDestructive) {
  testing::TempDir dir;
  auto action = runbook("          steps:\n" + step("restart", dir, 0) + "          on_failure:\n" +
                        "            - name: wipe\n              kind: command\n"
                        "              argv: [/bin/true]\n              destructive: true\n");
  EXPECT_TRUE(action->destructive());
}

}  // namespace
}  // namespace watchdog::actions
