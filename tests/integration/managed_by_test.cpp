// `managed_by` end to end (issue #18): a real PostgreSQL 15 watched by a real watchdog process,
// whose recovery action (a command that writes a marker, then `pg_ctl start`) must never run
// while the component's HA manager owns it. The manager is a Patroni STAND-IN
// (tests/support/patroni_standin.h): Patroni itself cannot run on these machines (no DCS, no
// Python install), so a loopback server plays its REST API (/liveness, /patroni with "pause").
//
// The server is stopped once and stays down while the manager is alive, then paused, then
// stopped with act_when_manager_down: false — held every time, over several probe and manager
// intervals. A SIGHUP reload with act_when_manager_down: true then lets the action run and the
// server comes back.
#include <gtest/gtest.h>

#include <csignal>

#include "tests/integration/harness.h"
#include "tests/support/patroni_standin.h"
#include "tests/support/postgres_server.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;

const char* kConfig = R"(
components:
  - name: db
    probes:
      - name: db-postgres
        kind: postgres
        dsn: ${TEST_PG_DSN}
        interval: 300ms
        timeout: 300ms
        jitter: 0s
        recheck_interval: 100ms
        failure_threshold: 1
        success_threshold: 1
    recovery:
      backoff: 500ms
      actions:
        - name: start-postgres
          kind: command
          argv: ["@SCRIPT@"]
          timeout: 30s
    managed_by:
      kind: patroni
      url: @PATRONI@
      interval: @MANAGER_INTERVAL@
      timeout: 400ms
      act_when_manager_down: @ACT@
alerts:
  - name: hook
    kind: webhook
    url: @HOOK@
)";

std::string hold_of(const WatchdogProcess& watchdog) {
  return find_component(watchdog.status(), "db").value("hold", "");
}

class ManagedByTest : public ::testing::Test {
 protected:
  std::string config(bool act_when_down, const std::string& manager_interval = "500ms") const {
    return fill(kConfig, {{"SCRIPT", script_.string()},
                          {"MANAGER_INTERVAL", manager_interval},
                          {"PATRONI", patroni_.url()},
                          {"ACT", act_when_down ? "true" : "false"},
                          {"HOOK", receiver_.url()}});
  }

  // The action has not run and the server is still down after several probe runs (300 ms) and
  // manager questions (500 ms) under the hold `reason`.
  void expect_held(const WatchdogProcess& watchdog, const std::string& reason) {
    ASSERT_TRUE(
        wait_until([&] { return hold_of(watchdog).find(reason) != std::string::npos; }, 10s))
        << hold_of(watchdog) << watchdog.log();
    const auto unhealthy = [&] {
      return watchdog.metric("watchdog_probe_runs_total",
                             {{"probe", "db-postgres"}, {"status", "unhealthy"}});
    };
    const auto checked = [&] {
      return watchdog.metric("watchdog_manager_last_check_timestamp_seconds",
                             {{"component", "db"}, {"manager", "patroni"}});
    };
    const double runs = unhealthy(), asked = checked();
    ASSERT_TRUE(
        wait_until([&] { return unhealthy() >= runs + 5 && checked() >= asked + 1.5; }, 15s))
        << watchdog.log();
    const auto component = find_component(watchdog.status(), "db");
    EXPECT_EQ(component.value("state", ""), "CRITICAL") << component.dump(2);
    EXPECT_EQ(component.value("attempts", -1), 0) << "a held action is no attempt";
    EXPECT_NE(component.value("hold", "").find(reason), std::string::npos) << component.dump(2);
    EXPECT_FALSE(std::filesystem::exists(marker_)) << "the action ran under: " << reason;
    EXPECT_FALSE(server_.running());
    EXPECT_EQ(watchdog.metric("watchdog_recovery_actions_total", {{"component", "db"}}), 0);
    EXPECT_EQ(watchdog.metric("watchdog_component_held", {{"component", "db"}}), 1);
  }

  TempDir dir_;
  PostgresServer server_;
  PatroniStandin patroni_;
  WebhookReceiver receiver_;
  std::filesystem::path marker_ = dir_ / "action-ran";
  std::filesystem::path script_ =
      write_script(dir_, "start-postgres.sh",
                   fill("#!/bin/sh\necho ran >> '@MARKER@'\n"
                        "exec runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D '@DATA@' "
                        "-o '@OPTIONS@' -l '@LOG@' -w start\n",
                        {{"MARKER", marker_.string()},
                         {"DATA", server_.data_dir().string()},
                         {"OPTIONS", server_.server_options()},
                         {"LOG", server_.log_path().string()}}));
};

TEST_F(ManagedByTest, HeldWhileTheManagerIsAlivePausedOrDownThenActsWhenAllowed) {
  WatchdogProcess watchdog(dir_, watchdog_options(config(false), {{"TEST_PG_DSN", server_.dsn()}}));
  const std::map<std::string, std::string> series = {{"component", "db"}, {"manager", "patroni"}};
  ASSERT_TRUE(wait_until(
      [&] {
        return component_state(watchdog.status(), "db") == "HEALTHY" &&
               watchdog.metric("watchdog_manager_up", series) == 1;
      },
      10s))
      << watchdog.status().dump(2) << watchdog.log();
  EXPECT_EQ(watchdog.metric("watchdog_manager_paused", series), 0);
  EXPECT_GE(patroni_.requests("/liveness"), 1u);
  EXPECT_GE(patroni_.requests("/patroni"), 1u);

  // (1) Patroni alive, not paused: CRITICAL, alerted, never acted on.
  server_.stop();
  const std::string alive = "managed by patroni (alive at " + patroni_.url() + "): not acting";
  expect_held(watchdog, alive);
  ASSERT_TRUE(receiver_.wait_for(1, 10s)) << watchdog.log();
  const auto alert = receiver_.requests("POST").front().json;
  EXPECT_EQ(alert.value("to", ""), "CRITICAL");
  EXPECT_NE(alert.value("reason", "").find("actions held: " + alive), std::string::npos)
      << alert.dump(2);

  const std::string metrics = watchdog.metrics();
  EXPECT_EQ(metrics.find("127.0.0.1:" + std::to_string(patroni_.port())), std::string::npos)
      << "the manager's URL is never in /metrics";
  const auto exposition = dir_.write("metrics.txt", metrics);
  const auto lint = run_command({kPromtool, "check", "metrics"}, {}, 20s, exposition);
  EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err;
  EXPECT_EQ(lint.out + lint.err, "");

  // (2) Paused (maintenance mode): an operator is at work, still held.
  patroni_.set_paused(true);
  expect_held(watchdog, "managed by patroni (paused: an operator is at work)");
  EXPECT_EQ(watchdog.metric("watchdog_manager_paused", series), 1);

  // (3) Patroni down, act_when_manager_down: false: still held.
  patroni_.stop();
  expect_held(watchdog, "managed by patroni (" + patroni_.url() +
                            "), which is unreachable (refused or timed out)");
  EXPECT_NE(hold_of(watchdog).find("act_when_manager_down is false"), std::string::npos);
  EXPECT_EQ(watchdog.metric("watchdog_manager_up", series), 0);

  // (4) The operator allows acting while the manager is down (SIGHUP): the action runs once the
  // manager has been asked again, and the server is back.
  watchdog.write_config(config(true));
  watchdog.process().signal(SIGHUP);
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "db") == "HEALTHY"; }, 20s))
      << watchdog.status().dump(2) << watchdog.log();
  EXPECT_TRUE(std::filesystem::exists(marker_));
  EXPECT_TRUE(server_.running());
  EXPECT_EQ(server_.psql("SELECT 1"), "1\n");
  EXPECT_EQ(hold_of(watchdog), "");
  EXPECT_NE(watchdog.log().find("action_despite_manager"), std::string::npos) << watchdog.log();
  EXPECT_EQ(watchdog.metric("watchdog_recovery_actions_total",
                            {{"component", "db"}, {"action", "start-postgres"}}),
            1);
}

// act_when_manager_down: true from the start, Patroni never up: the first failure has the
// manager asked again (the answer before the failure is not trusted), then the action runs. A
// long manager interval (10s) makes the answer at the failure an old one.
TEST_F(ManagedByTest, ActsWhenAllowedOnlyAfterAskingTheDownManagerAgain) {
  patroni_.stop();
  WatchdogProcess watchdog(dir_,
                           watchdog_options(config(true, "10s"), {{"TEST_PG_DSN", server_.dsn()}}));
  ASSERT_TRUE(wait_until(
      [&] {
        return component_state(watchdog.status(), "db") == "HEALTHY" &&
               watchdog.metric("watchdog_manager_last_check_timestamp_seconds",
                               {{"component", "db"}, {"manager", "patroni"}}) > 0;
      },
      10s))
      << watchdog.log();
  // The hold follows the answer within a turn or so: waited for, not asserted at once.
  ASSERT_TRUE(wait_until([&] { return hold_of(watchdog).empty(); }, 10s))
      << "down and allowed: a healthy component is not held: " << hold_of(watchdog);
  server_.stop();
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(marker_); }, 15s)) << watchdog.log();
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "db") == "HEALTHY"; }, 20s))
      << watchdog.log();
  EXPECT_EQ(server_.psql("SELECT 1"), "1\n");
  const std::string log = watchdog.log();
  const auto asked = log.find("asking it again before acting");
  const auto acted = log.find("action_despite_manager");
  ASSERT_NE(asked, std::string::npos) << log;
  ASSERT_NE(acted, std::string::npos) << log;
  EXPECT_LT(asked, acted) << log;
}

}  // namespace
}  // namespace watchdog::testing
