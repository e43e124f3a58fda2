// Game days inside `watchdog run` (issue #19), end to end. A `gamedays:` entry on a minutely
// schedule runs at the next minute boundary — after reverting what a killed `watchdog gameday`
// left — is recorded with trigger "schedule" and shows on /metrics. A daemon that starts while
// a killed `watchdog gameday` left its fault in place reverts it (Runner::resume_interrupted at
// start). Custom scenarios whose inject/revert argv touch files keep both cheap. (SIGTERM during
// a scheduled game day: the scheduler's unit test StopInterruptsARunningGameDay and the CLI's
// SIGINT test cover the two halves; here it would cost another minute's wait.)
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "tests/integration/gameday_cli.h"
#include "tests/integration/harness.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const std::string kComponents = kFlagComponents + kHookAlert;

class GamedayDaemon : public ::testing::Test {
 protected:
  GamedayDaemon() {
    dir_.write("up", "");
    dir_.write("up-stuck", "");
  }

  std::unique_ptr<WatchdogProcess> start_daemon(const std::string& gamedays) {
    auto daemon = std::make_unique<WatchdogProcess>(
        dir_, watchdog_options(fast_defaults() +
                               fill(kComponents, {{"DIR", dir_.path().string()},
                                                  {"URL", receiver_.url()}}) +
                               gamedays));
    const bool healthy = wait_until(
        [&] {
          const auto status = daemon->status();
          return component_state(status, "svc") == "HEALTHY" &&
                 component_state(status, "stuck") == "HEALTHY";
        },
        15s);
    EXPECT_TRUE(healthy) << daemon->log();
    return daemon;
  }

  json history(const WatchdogProcess& daemon) const {
    const auto listed = run_command(
        {kWatchdog, "gameday", "history", "-c", daemon.config_path().string(), "--json"});
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    return json::parse(listed.out, nullptr, false);
  }

  bool exists(const std::string& name) const { return std::filesystem::exists(dir_ / name); }

  static int seconds_into_minute() {
    const auto now = std::chrono::system_clock::now().time_since_epoch();
    return static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(now).count() % 60);
  }

  // `watchdog gameday` on `component`, SIGKILLed once its fault is in place: its row stays.
  void kill_gameday_mid_fault(const WatchdogProcess& daemon, const std::string& component) {
    ProcessOptions options;
    options.argv = {kWatchdog, "gameday", "-c", daemon.config_path().string(),
                    "--scenario", "flag-removed", "--component", component, "--yes"};
    options.stdout_path = dir_ / "killed.out";
    options.stderr_path = dir_ / "killed.err";
    ChildProcess command(options);
    ASSERT_TRUE(wait_until(
        [&] { return read_text(dir_ / "killed.err").find("fault in place") != std::string::npos; },
        20s))
        << read_text(dir_ / "killed.err");
    command.signal(SIGKILL);
    ASSERT_TRUE(command.wait(10s));
  }

  TempDir dir_;
  WebhookReceiver receiver_;  // a game day passes only when the incident's alerts arrive
};

TEST_F(GamedayDaemon, AMinutelyGameDayRunsRecordsAndShowsOnMetrics) {
  auto daemon = start_daemon(R"(gamedays:
  - scenario: flag-removed
    component: svc
    schedule: "* * * * *"
)");
  EXPECT_NE(daemon->log().find("gameday_schedule"), std::string::npos) << daemon->log();
  // Before the first start, a `watchdog gameday` on `stuck` is killed with its fault in place.
  // Its row would refuse every later game day; a minute's schedule always has a start within
  // the periodic revert's quiet time, so the scheduled run itself must revert it first.
  // (Not across a minute boundary: a start that sees it running is refused, as it should be.
  // The CLI's start-up, its checks and the fault take seconds on a loaded CI machine: keep 30 s
  // of margin before the boundary.)
  if (seconds_into_minute() > 30) {
    std::this_thread::sleep_for(std::chrono::seconds(61 - seconds_into_minute()));
  }
  kill_gameday_mid_fault(*daemon, "stuck");
  if (HasFatalFailure()) return;
  EXPECT_FALSE(exists("stuck-reverted"));

  // The next minute boundary (up to 60 s), plus the game day itself (a few seconds). A start
  // that fell on the start-up revert pass is skipped, so allow one more minute.
  // Done: the killed run reverted and a scheduled run finished after it (whatever the order).
  const auto scheduled_done = [&] {
    bool stuck_done = false, scheduled = false;
    for (const auto& row : history(*daemon)) {
      if (row.value("status", "") != "done") continue;
      stuck_done = stuck_done || row.value("component", "") == "stuck";
      scheduled = scheduled || row.value("trigger", "") == "schedule";
    }
    return stuck_done && scheduled;
  };
  ASSERT_TRUE(wait_until(scheduled_done, 135s)) << history(*daemon).dump(2) << daemon->log();
  // By what they are, not by position: on a loaded machine another minute may pass.
  const auto past = history(*daemon);
  json killed, run;
  for (const auto& row : past) {
    if (row.value("component", "") == "stuck" && killed.is_null()) killed = row;
    if (row.value("trigger", "") == "schedule" && row.value("status", "") == "done" &&
        run.is_null()) {
      run = row;
    }
  }
  ASSERT_FALSE(killed.is_null() || run.is_null()) << past.dump(2) << daemon->log();
  EXPECT_EQ(killed.value("outcome", ""), "interrupted") << killed.dump(2);
  EXPECT_TRUE(exists("stuck-reverted"));
  EXPECT_EQ(run.value("trigger", ""), "schedule") << run.dump(2);
  EXPECT_EQ(run.value("scenario", ""), "flag-removed");
  EXPECT_EQ(run.value("component", ""), "svc");
  EXPECT_EQ(run.value("outcome", ""), "recovered") << run.dump(2) << daemon->log();
  EXPECT_EQ(run["passed"], json(true)) << run.dump(2);
  EXPECT_TRUE(exists("svc-injected"));
  EXPECT_TRUE(exists("svc-reverted")) << "the revert always runs";
  EXPECT_NE(daemon->log().find("gameday_passed"), std::string::npos) << daemon->log();

  // The figures reach /metrics at the scheduler's next refresh (every 5 s).
  const std::map<std::string, std::string> labels = {{"scenario", "flag-removed"},
                                                     {"component", "svc"}};
  ASSERT_TRUE(wait_until(
      [&] { return daemon->metric("watchdog_gameday_last_run_timestamp_seconds", labels) > 0; },
      15s))
      << daemon->metrics();
  const double started = daemon->metric("watchdog_gameday_last_run_timestamp_seconds", labels);
  const double now = std::chrono::duration<double>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  EXPECT_GT(started, now - 200);
  EXPECT_LE(started, now);
  EXPECT_EQ(daemon->metric("watchdog_gameday_last_passed", labels), 1) << daemon->metrics();
  EXPECT_GT(daemon->metric("watchdog_gameday_last_time_to_recover_seconds", labels), 0);

  daemon->process().signal(SIGTERM);
  const auto code = daemon->process().wait(30s);
  ASSERT_TRUE(code);
  EXPECT_EQ(*code, 0) << daemon->log();
}

TEST_F(GamedayDaemon, ADaemonStartingRevertsWhatAKilledGameDayLeft) {
  auto daemon = start_daemon("");
  kill_gameday_mid_fault(*daemon, "stuck");
  if (HasFatalFailure()) return;
  // The daemon goes too (a host reboot, say): only the next start can mend it.
  daemon->process().signal(SIGTERM);
  ASSERT_TRUE(daemon->process().wait(30s)) << daemon->log();
  EXPECT_FALSE(exists("stuck-reverted"));
  EXPECT_FALSE(exists("up-stuck")) << "the fault is still in place";
  const auto before = history(*daemon);
  ASSERT_EQ(before.size(), 1u) << before.dump(2);
  EXPECT_EQ(before[0].value("status", ""), "running");
  daemon.reset();

  auto next = std::make_unique<WatchdogProcess>(
      dir_, watchdog_options(fast_defaults() + fill(kComponents, {{"DIR", dir_.path().string()},
                                                                  {"URL", receiver_.url()}})));
  ASSERT_TRUE(wait_until([&] { return exists("stuck-reverted"); }, 20s)) << next->log();
  EXPECT_TRUE(exists("up-stuck"));
  EXPECT_NE(next->log().find("gameday_abandoned"), std::string::npos) << next->log();
  ASSERT_TRUE(wait_until(
      [&] { return component_state(next->status(), "stuck") == "HEALTHY"; }, 15s))
      << next->log();
  const auto past = history(*next);
  ASSERT_EQ(past.size(), 1u) << past.dump(2);
  EXPECT_EQ(past[0].value("status", ""), "done");
  EXPECT_EQ(past[0].value("outcome", ""), "interrupted");
  EXPECT_EQ(past[0].value("trigger", ""), "cli");
  EXPECT_NE(past[0].dump().find("reverted after the game day's process died"), std::string::npos)
      << past[0].dump(2);
  // Reverted once, not again at a later pass.
  EXPECT_EQ(read_text(dir_ / "stuck-reverted"), "x\n");
}

}  // namespace
}  // namespace watchdog::testing
