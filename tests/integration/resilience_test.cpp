// Recovery that never makes things worse (issue #5), through the real binary: kill -9 during
// a slow action, a corrupt state file, maintenance windows and pauses, reset and the incident
// journal from the CLI. The leader lock with two processes is in leader_failover_test.cpp.
//
// The "service" is a flag file: a command probe passes while DIR/up exists, and the recovery
// action (a shell script) records each run in DIR/actions.log before creating the flag.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <sstream>

#include "tests/integration/harness.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;

int count_lines(const std::filesystem::path& path) {
  return static_cast<int>(lines_of(path).size());
}

// The component `svc`: probe every 200 ms, one failure is enough, the action takes
// `action_seconds` before it brings the flag back.
std::string flag_service_yaml(const TempDir& dir, double action_seconds, int max_attempts = 3,
                              const std::string& extra = "") {
  write_script(dir, "fix.sh",
               fill(R"(#!/bin/sh
exec >>@DIR@/action-output.log 2>&1
echo "run $WATCHDOG_ATTEMPT $$" >> @DIR@/actions.log
sleep @SECONDS@
touch @DIR@/up
)",
                    {{"DIR", dir.path().string()}, {"SECONDS", std::to_string(action_seconds)}}));
  return fill(R"(defaults:
  interval: 200ms
  recheck_interval: 100ms
  timeout: 150ms
  failure_threshold: 1
  success_threshold: 1
components:
  - name: svc
    rto: 30s
    probes:
      - name: flag
        kind: command
        argv: ["/bin/sh", "-c", "test -f @DIR@/up || exit 2"]
    recovery:
      max_attempts: @MAX@
      backoff: 200ms
      verify_timeout: 5s
      actions:
        - name: fix
          kind: command
          argv: ["@DIR@/fix.sh"]
          timeout: 20s
)",
              {{"DIR", dir.path().string()}, {"MAX", std::to_string(max_attempts)}}) +
         extra;
}

// RFC 3339 in UTC, an hour before now: the start of a window that is active.
std::string an_hour_ago() {
  const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now() - 1h);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &utc);
  return text;
}

CommandResult cli(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {kWatchdog};
  argv.insert(argv.end(), args.begin(), args.end());
  return run_command(argv);
}

TEST(Resilience, KillNineDuringSlowActionRunsItExactlyOnce) {
  TempDir dir;
  dir.write("up", "");
  const auto yaml = flag_service_yaml(dir, 3.0);
  {
    WatchdogProcess watchdog(dir, watchdog_options(yaml));
    std::filesystem::remove(dir / "up");
    ASSERT_TRUE(wait_until([&] { return count_lines(dir / "actions.log") == 1; }, 10s))
        << watchdog.log();
    watchdog.process().signal(SIGKILL);  // in the middle of the 3 s action
    watchdog.process().wait(5s);
  }
  WatchdogProcess restarted(dir, watchdog_options(yaml));
  ASSERT_TRUE(
      wait_until([&] { return component_state(restarted.status(), "svc") == "HEALTHY"; }, 15s))
      << restarted.log();
  std::this_thread::sleep_for(1s);  // room for a wrong second attempt to show up
  EXPECT_EQ(count_lines(dir / "actions.log"), 1) << read_text(dir / "actions.log");
  const auto log = restarted.log();
  EXPECT_NE(log.find("component_restored component=svc state=RECOVERING"), std::string::npos)
      << log;
  EXPECT_NE(log.find("action_in_flight=verify_first"), std::string::npos);

  // The incident spans both processes and closes with a measured time to recover.
  auto listed = cli({"incidents", "list", "--json", "--state-dir", restarted.state_dir().string()});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  auto incidents = nlohmann::json::parse(listed.out);
  ASSERT_EQ(incidents.size(), 1u) << listed.out;
  EXPECT_EQ(incidents[0]["status"], "closed");
  EXPECT_EQ(incidents[0]["attempts"], 1);
  EXPECT_GT(incidents[0]["time_to_recover_seconds"].get<double>(), 0.5);
  EXPECT_EQ(incidents[0]["rto_met"], true);
  auto report = cli({"incidents", "report", incidents[0]["id"].get<std::string>(), "--state-dir",
                     restarted.state_dir().string()});
  EXPECT_EQ(report.exit_code, 0);
  EXPECT_NE(report.out.find("watchdog restarted while an action ran"), std::string::npos)
      << report.out;
  EXPECT_NE(report.out.find("RTO target: 30 s — met"), std::string::npos) << report.out;
}

TEST(Resilience, CorruptStateFileIsMovedAsideAndTheWatchdogStarts) {
  TempDir dir;
  dir.write("up", "");
  dir.write("state/watchdog.db", std::string(8192, '\x5a'));
  WatchdogProcess watchdog(dir, watchdog_options(flag_service_yaml(dir, 0.1)));
  EXPECT_NE(watchdog.log().find("state_store_corrupt"), std::string::npos) << watchdog.log();
  int aside = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir / "state")) {
    aside += entry.path().filename().string().rfind("watchdog.db.corrupt-", 0) == 0;
  }
  EXPECT_EQ(aside, 1);
  // And it works: a failure is recovered and journaled in the fresh store.
  std::filesystem::remove(dir / "up");
  ASSERT_TRUE(wait_until([&] { return count_lines(dir / "actions.log") == 1; }, 10s));
  ASSERT_TRUE(wait_until(
      [&] {
        auto listed = cli({"incidents", "--json", "--state-dir", watchdog.state_dir().string()});
        auto doc = nlohmann::json::parse(listed.out, nullptr, false);
        return doc.is_array() && doc.size() == 1 && doc[0]["status"] == "closed";
      },
      10s));
}

TEST(Resilience, MaintenanceWindowMutesActionsAndAlertsButKeepsMetrics) {
  TempDir dir;
  dir.write("up", "");
  WebhookReceiver receiver;
  const auto yaml =
      flag_service_yaml(dir, 0.1) + fill(R"(alerts:
  - name: ops
    kind: webhook
    url: @URL@
maintenance:
  - name: upgrade
    components: [svc]
    start: @START@
    duration: 2h
)",
                                         {{"URL", receiver.url()}, {"START", an_hour_ago()}});
  WatchdogProcess watchdog(dir, watchdog_options(yaml));
  std::filesystem::remove(dir / "up");
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "svc") == "CRITICAL"; }, 10s))
      << watchdog.log();
  const double runs = watchdog.metric("watchdog_probe_runs_total", {{"component", "svc"}});
  std::this_thread::sleep_for(1500ms);
  EXPECT_FALSE(std::filesystem::exists(dir / "actions.log")) << "an action ran in maintenance";
  EXPECT_TRUE(receiver.requests().empty()) << "an alert was sent in maintenance";
  EXPECT_GT(watchdog.metric("watchdog_probe_runs_total", {{"component", "svc"}}), runs + 3)
      << "probing must go on";
  EXPECT_EQ(watchdog.metric("watchdog_component_muted", {{"component", "svc"}}), 1);
  EXPECT_EQ(
      watchdog.metric("watchdog_component_state", {{"component", "svc"}, {"state", "critical"}}),
      1);
  EXPECT_NE(watchdog.log().find("alert_suppressed component=svc"), std::string::npos);
}

TEST(Resilience, PauseResumeResetAndIncidentsFromTheCommandLine) {
  TempDir dir;
  dir.write("up", "");
  WebhookReceiver receiver;
  const auto yaml = flag_service_yaml(dir, 0.1, 1) + fill(R"(alerts:
  - name: ops
    kind: webhook
    url: @URL@
)",
                                                          {{"URL", receiver.url()}});
  WatchdogProcess watchdog(dir, watchdog_options(yaml));
  const auto config = watchdog.config_path().string();

  auto paused = cli({"pause", "svc", "--for", "30m", "--reason", "deploy", "-c", config});
  ASSERT_EQ(paused.exit_code, 0) << paused.err;
  EXPECT_NE(paused.out.find("paused svc until"), std::string::npos);
  EXPECT_EQ(cli({"pause", "nope", "-c", config}).exit_code, 2);  // unknown component

  std::filesystem::remove(dir / "up");
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "svc") == "CRITICAL"; }, 10s))
      << watchdog.log();
  ASSERT_TRUE(wait_until(
      [&] { return find_component(watchdog.status(), "svc").value("muted", false); }, 5s));
  std::this_thread::sleep_for(1s);
  EXPECT_FALSE(std::filesystem::exists(dir / "actions.log"));

  auto resumed = cli({"resume", "svc", "-c", config});
  ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "svc") == "HEALTHY"; }, 10s))
      << watchdog.log();
  EXPECT_EQ(count_lines(dir / "actions.log"), 1);
  // The CRITICAL transition held back by the pause is announced first once it ends.
  ASSERT_TRUE(receiver.wait_for(3, 5s));
  const auto alerts = receiver.requests("POST");
  EXPECT_EQ(alerts.front().json.value("to", ""), "CRITICAL");
  EXPECT_EQ(alerts.back().json.value("to", ""), "HEALTHY");

  // Reset: only a FAILED component can be reset.
  auto not_failed = cli({"reset", "svc", "-c", config});
  EXPECT_EQ(not_failed.exit_code, 1);
  EXPECT_NE(not_failed.out.find("not FAILED"), std::string::npos) << not_failed.out;

  auto listed = cli({"incidents", "-c", config});
  EXPECT_EQ(listed.exit_code, 0);
  EXPECT_NE(listed.out.find("svc-"), std::string::npos) << listed.out;
  auto doc = nlohmann::json::parse(cli({"incidents", "--json", "-c", config}).out);
  ASSERT_EQ(doc.size(), 1u);
  auto shown = cli({"incidents", "show", doc[0]["id"].get<std::string>(), "-c", config});
  EXPECT_NE(shown.out.find("hold"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("action_done"), std::string::npos) << shown.out;
  EXPECT_EQ(cli({"incidents", "show", "no-such-id", "-c", config}).exit_code, 1);
  EXPECT_EQ(watchdog.metric("watchdog_incidents_open", {{"component", "svc"}}), 0);
  EXPECT_EQ(
      watchdog.metric("watchdog_incident_time_to_recover_seconds_count", {{"component", "svc"}}),
      1);
}

TEST(Resilience, ResetTakesAFailedComponentBackToProbing) {
  TempDir dir;
  dir.write("up", "");
  const auto yaml = flag_service_yaml(dir, 0.1, 1);  // writes fix.sh: replaced below
  // The fix does not work until the operator repairs it (the NOFIX file goes away).
  write_script(dir, "fix.sh",
               fill(R"(#!/bin/sh
echo "run" >> @DIR@/actions.log
[ -f @DIR@/NOFIX ] && exit 1
touch @DIR@/up
)",
                    {{"DIR", dir.path().string()}}));
  dir.write("NOFIX", "");
  WatchdogProcess watchdog(dir, watchdog_options(yaml));
  std::filesystem::remove(dir / "up");
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "svc") == "FAILED"; }, 10s))
      << watchdog.log();
  std::this_thread::sleep_for(800ms);
  EXPECT_EQ(count_lines(dir / "actions.log"), 1) << "FAILED must not keep acting";
  std::filesystem::remove(dir / "NOFIX");
  auto reset = cli({"reset", "svc", "-c", watchdog.config_path().string()});
  EXPECT_EQ(reset.exit_code, 0) << reset.out << reset.err;
  EXPECT_NE(reset.out.find("reset: svc is probing again"), std::string::npos) << reset.out;
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "svc") == "HEALTHY"; }, 10s))
      << watchdog.log();
  EXPECT_EQ(count_lines(dir / "actions.log"), 2);
}

}  // namespace
}  // namespace watchdog::testing
