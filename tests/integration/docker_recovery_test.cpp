// Container recovery end to end through the `watchdog run` binary (issue #7), on a real Docker
// engine started by the harness: unhealthy → CRITICAL → docker_restart → HEALTHY; a container
// that crashes on every start ends FAILED with back-off; one stopped on purpose is a planned
// stop — DEGRADED, no action, one alert, HEALTHY when started again (issue #12) — unless the
// probe opts out, and then the actions still leave it alone; a stopped engine is a clear probe
// failure that leaves other components alone.
#include <gtest/gtest.h>

#include <cctype>
#include <ctime>
#include <sstream>
#include <thread>

#include "tests/integration/docker_fixture.h"
#include "tests/integration/harness.h"
#include "tests/support/dockerd_server.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;

// The watchdog's YAML for one docker component, plus a second component that never fails.
// `probe_keys` are added to the docker probe (one "key: value" line).
std::string recovery_yaml(const DockerdServer& engine, const std::string& container,
                          const std::string& url, int max_attempts = 3,
                          const std::string& probe_keys = "") {
  return fill(R"(
components:
  - name: app
    probes:
      - name: app-docker
        kind: docker
        socket: @SOCKET@
        container: @NAME@
        interval: 1s
        timeout: 1s
        jitter: 0s
        recheck_interval: 300ms
        failure_threshold: 2
        success_threshold: 2
        @PROBE_KEYS@
    recovery:
      max_attempts: @MAX@
      backoff: 1s
      max_backoff: 4s
      verify_timeout: 8s
      actions:
        - name: restart-app
          kind: docker_restart
          socket: @SOCKET@
          container: @NAME@
          stop_timeout: 1s
          timeout: 20s
  - name: other
    probes:
      - name: other-command
        kind: command
        argv: ["/bin/true"]
        interval: 1s
        timeout: 1s
        jitter: 0s
alerts:
  - name: hook
    kind: webhook
    url: @URL@
)",
              {{"SOCKET", engine.socket().string()},
               {"NAME", container},
               {"URL", url},
               {"MAX", std::to_string(max_attempts)},
               {"PROBE_KEYS", probe_keys}});
}

std::vector<std::string> transitions(const WebhookReceiver& receiver,
                                     const std::string& component) {
  std::vector<std::string> to;
  for (const auto& alert : receiver.requests("POST")) {
    if (alert.json.value("component", "") == component) to.push_back(alert.json.value("to", ""));
  }
  return to;
}

std::string probe_detail(const nlohmann::json& status, const std::string& component) {
  auto entry = find_component(status, component);
  if (entry.is_null() || entry["probes"].empty()) return "";
  return entry["probes"][0].value("detail", "");
}

// Whether the watchdog sees the container running with Docker's health check passing (15 s).
bool watched_healthy(const WatchdogProcess& watchdog) {
  return wait_until(
      [&] {
        return component_state(watchdog.status(), "app") == "HEALTHY" &&
               probe_detail(watchdog.status(), "app").find(", healthy,") != std::string::npos;
      },
      15s);
}

TEST(DockerRecovery, UnhealthyContainerIsRestartedAndHealthyAgain) {
  TempDir dir;
  DockerdServer engine;
  WebhookReceiver receiver;
  engine.docker_ok(healthy_web("web"));
  wait_healthy(engine, "web");
  WatchdogProcess watchdog(dir, watchdog_options(recovery_yaml(engine, "web", receiver.url())));
  ASSERT_TRUE(wait_until(
      [&] {
        return probe_detail(watchdog.status(), "app").find(", healthy,") != std::string::npos;
      },
      15s))
      << watchdog.log();
  ASSERT_EQ(component_state(watchdog.status(), "app"), "HEALTHY");
  const std::string before = started_at(engine, "web");

  engine.docker_ok({"exec", "web", "rm", "/tmp/ok"});  // the health check starts failing
  ASSERT_TRUE(receiver.wait_for(3, 30s)) << watchdog.log();
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "app") == "HEALTHY"; }, 20s))
      << watchdog.log();
  // While the restarted container's health check is still `starting` the probe says Degraded,
  // so DEGRADED may come between RECOVERING and HEALTHY.
  auto to = transitions(receiver, "app");
  ASSERT_GE(to.size(), 3u) << watchdog.log();
  EXPECT_EQ(to[0], "CRITICAL");
  EXPECT_EQ(to[1], "RECOVERING");
  EXPECT_EQ(to.back(), "HEALTHY");
  EXPECT_LE(to.size(), 4u) << watchdog.log();
  EXPECT_NE(started_at(engine, "web"), before) << "the container was restarted";
  EXPECT_EQ(engine.inspect("web")["State"]["Health"]["Status"], "healthy");
  EXPECT_EQ(watchdog.metric("watchdog_recovery_actions_total",
                            {{"component", "app"}, {"action", "restart-app"}}),
            1);
  EXPECT_GE(watchdog.metric("watchdog_docker_uptime_seconds", {{"component", "app"}}), 0);
}

// When the container was started (unix seconds, from the engine's `start` events) since `since`.
std::vector<double> starts_since(const DockerdServer& engine, const std::string& name, long since) {
  const std::string filters =
      R"({"type":["container"],"container":[")" + name + R"("],"event":["start"]})";
  std::string encoded;
  for (char c : filters) {
    encoded += std::isalnum(static_cast<unsigned char>(c))
                   ? std::string(1, c)
                   : "%" + std::string(1, "0123456789ABCDEF"[(c >> 4) & 15]) +
                         std::string(1, "0123456789ABCDEF"[c & 15]);
  }
  const std::string body =
      engine.api_get("/events?since=" + std::to_string(since) +
                     "&until=" + std::to_string(std::time(nullptr) + 1) + "&filters=" + encoded);
  std::vector<double> times;
  std::istringstream lines(body);
  for (std::string line; std::getline(lines, line);) {
    auto event = nlohmann::json::parse(line, nullptr, false);
    if (event.is_object()) times.push_back(event.value("timeNano", 0.0) / 1e9);
  }
  return times;
}

TEST(DockerRecovery, ContainerThatCrashesOnEveryStartEndsFailedWithBackoff) {
  TempDir dir;
  DockerdServer engine;
  WebhookReceiver receiver;
  const long since = std::time(nullptr) - 1;
  engine.docker_ok({"run", "-d", "--name", "crashy", "--network", "none", DockerdServer::image(),
                    "sh", "-c", "exit 2"});
  WatchdogProcess watchdog(dir, watchdog_options(recovery_yaml(engine, "crashy", receiver.url())));
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "app") == "FAILED"; }, 60s))
      << watchdog.log();
  // The FAILED alert is delivered by a sender thread after the state change.
  wait_until([&] { return transitions(receiver, "app").size() >= 3; }, 10s);
  EXPECT_EQ(transitions(receiver, "app"),
            (std::vector<std::string>{"CRITICAL", "RECOVERING", "FAILED"}))
      << watchdog.log();
  const std::map<std::string, std::string> labels = {{"component", "app"},
                                                     {"action", "restart-app"}};
  EXPECT_EQ(watchdog.metric("watchdog_recovery_actions_total", labels), 3);
  auto starts = starts_since(engine, "crashy", since);
  ASSERT_EQ(starts.size(), 1u + 3u) << "its own start and three restarts";
  // Back-off doubles (1 s, then 2 s): the second pause between restarts is the longer one.
  const double gap1 = starts[2] - starts[1], gap2 = starts[3] - starts[2];
  EXPECT_GE(gap1, 1.0) << "back-off cut short";
  EXPECT_GT(gap2, gap1 + 0.5) << "gap1=" << gap1 << " gap2=" << gap2;
  std::this_thread::sleep_for(4s);  // no loop after giving up
  EXPECT_EQ(watchdog.metric("watchdog_recovery_actions_total", labels), 3);
  EXPECT_EQ(starts_since(engine, "crashy", since).size(), 4u);
  EXPECT_EQ(component_state(watchdog.status(), "other"), "HEALTHY");
}

// Issue #12: `docker stop` is a planned stop, not an outage. The ladder has both docker kinds
// first (start, then restart), so any attempt would show in the metrics and the engine's events.
TEST(DockerRecovery, ContainerStoppedOnPurposeIsDegradedNotAnOutage) {
  TempDir dir;
  DockerdServer engine;
  WebhookReceiver receiver;
  engine.docker_ok(healthy_web("web"));
  wait_healthy(engine, "web");
  std::string yaml = recovery_yaml(engine, "web", receiver.url());
  const std::string restart_rung = "        - name: restart-app\n";
  yaml.insert(yaml.find(restart_rung), fill(R"(        - name: start-app
          kind: docker_start
          socket: @SOCKET@
          container: web
          timeout: 20s
)",
                                            {{"SOCKET", engine.socket().string()}}));
  WatchdogProcess watchdog(dir, watchdog_options(yaml));
  ASSERT_TRUE(watched_healthy(watchdog)) << watchdog.log();

  engine.docker_ok({"stop", "-t", "1", "web"});  // the operator's own CLI, the test's socket
  const std::string stopped_run = started_at(engine, "web");
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "app") == "DEGRADED"; }, 20s))
      << watchdog.log();
  auto probe = find_component(watchdog.status(), "app")["probes"][0];
  EXPECT_EQ(probe.value("status", ""), "degraded") << probe.dump();
  EXPECT_EQ(probe.value("failure", ""), "stopped") << probe.dump();
  const std::string detail = probe.value("detail", "");
  EXPECT_TRUE(detail.starts_with("stopped on purpose at 20")) << detail;
  EXPECT_NE(detail.find("Z (docker stop); start it to resume monitoring"), std::string::npos)
      << detail;
  // It stays a planned stop: several probe intervals later still DEGRADED, nothing ran.
  std::this_thread::sleep_for(5s);
  EXPECT_EQ(component_state(watchdog.status(), "app"), "DEGRADED") << watchdog.log();
  EXPECT_EQ(watchdog.metric("watchdog_recovery_actions_total", {{"component", "app"}}), 0)
      << watchdog.log();
  EXPECT_EQ(engine.inspect("web")["State"]["Status"], "exited");
  EXPECT_EQ(started_at(engine, "web"), stopped_run) << "never started by the watchdog";
  ASSERT_TRUE(receiver.wait_for(1, 5s)) << watchdog.log();
  EXPECT_EQ(transitions(receiver, "app"), (std::vector<std::string>{"DEGRADED"})) << watchdog.log();

  engine.docker_ok({"start", "web"});
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "app") == "HEALTHY"; }, 20s))
      << watchdog.log();
  ASSERT_TRUE(receiver.wait_for(2, 5s)) << watchdog.log();
  EXPECT_EQ(transitions(receiver, "app"), (std::vector<std::string>{"DEGRADED", "HEALTHY"}))
      << watchdog.log();
  EXPECT_EQ(watchdog.metric("watchdog_recovery_actions_total", {{"component", "app"}}), 0);
}

// alert_on_manual_stop: false on the component: a planned stop is not even announced — no
// alert when it stops, none when it starts again — while the journal still records it.
TEST(DockerRecovery, QuietPlannedStopSendsNoAlertAtAll) {
  TempDir dir;
  DockerdServer engine;
  WebhookReceiver receiver;
  engine.docker_ok(healthy_web("web"));
  wait_healthy(engine, "web");
  std::string yaml = recovery_yaml(engine, "web", receiver.url());
  yaml.insert(yaml.find("    probes:"), "    alert_on_manual_stop: false\n");
  WatchdogProcess watchdog(dir, watchdog_options(yaml));
  ASSERT_TRUE(watched_healthy(watchdog)) << watchdog.log();
  engine.docker_ok({"stop", "-t", "1", "web"});
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "app") == "DEGRADED"; }, 20s))
      << watchdog.log();
  engine.docker_ok({"start", "web"});
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "app") == "HEALTHY"; }, 20s))
      << watchdog.log();
  std::this_thread::sleep_for(1s);  // the outbox would have sent by now
  EXPECT_TRUE(receiver.requests("POST").empty()) << watchdog.log();
  EXPECT_NE(watchdog.log().find("alert_suppressed component=app"), std::string::npos);
  EXPECT_NE(watchdog.log().find("why=manual_stop"), std::string::npos) << watchdog.log();
  EXPECT_EQ(watchdog.metric("watchdog_recovery_actions_total", {{"component", "app"}}), 0);
}

// respect_manual_stop: false on the probe: the stop is an outage again, but the actions keep
// their own guard and leave the container alone, so the component ends FAILED (loudly).
TEST(DockerRecovery, ProbeOptOutMakesAManualStopAnOutageTheActionsStillLeaveAlone) {
  TempDir dir;
  DockerdServer engine;
  WebhookReceiver receiver;
  engine.docker_ok(healthy_web("web"));
  wait_healthy(engine, "web");
  WatchdogProcess watchdog(dir, watchdog_options(recovery_yaml(engine, "web", receiver.url(), 1,
                                                               "respect_manual_stop: false")));
  ASSERT_TRUE(wait_until(
      [&] {
        return probe_detail(watchdog.status(), "app").find(", healthy,") != std::string::npos;
      },
      15s))
      << watchdog.log();
  engine.docker_ok({"stop", "-t", "1", "web"});
  const std::string stopped_run = started_at(engine, "web");
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "app") == "FAILED"; }, 30s))
      << watchdog.log();
  EXPECT_NE(probe_detail(watchdog.status(), "app").find("; stopped on purpose at"),
            std::string::npos)
      << watchdog.status().dump(2);
  EXPECT_NE(watchdog.log().find("left alone: stopped on purpose at"), std::string::npos)
      << watchdog.log();
  EXPECT_EQ(engine.inspect("web")["State"]["Status"], "exited");
  EXPECT_EQ(started_at(engine, "web"), stopped_run) << "never started again";
}

TEST(DockerRecovery, StoppedEngineIsAClearProbeFailureAndOthersCarryOn) {
  TempDir dir;
  DockerdServer engine;
  WebhookReceiver receiver;
  engine.docker_ok(healthy_web("web"));
  wait_healthy(engine, "web");
  std::string yaml = recovery_yaml(engine, "web", receiver.url());
  yaml = yaml.substr(0, yaml.find("    recovery:")) + yaml.substr(yaml.find("  - name: other"));
  WatchdogProcess watchdog(dir, watchdog_options(yaml));
  ASSERT_TRUE(watched_healthy(watchdog)) << watchdog.log();
  const double other_runs =
      watchdog.metric("watchdog_probe_runs_total", {{"probe", "other-command"}});

  engine.stop();
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "app") == "CRITICAL"; }, 20s))
      << watchdog.log();
  const auto status = watchdog.status();
  EXPECT_NE(probe_detail(status, "app").find("cannot reach the Docker engine at unix://"),
            std::string::npos)
      << status.dump(2);
  EXPECT_EQ(find_component(status, "app")["probes"][0].value("failure", ""), "refused");
  EXPECT_EQ(component_state(status, "other"), "HEALTHY");
  EXPECT_TRUE(wait_until(
      [&] {
        return watchdog.metric("watchdog_probe_runs_total", {{"probe", "other-command"}}) >=
               other_runs + 3;
      },
      10s))
      << "the other component's probe keeps its schedule";
}

}  // namespace
}  // namespace watchdog::testing
