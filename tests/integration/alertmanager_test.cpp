// The `alertmanager` provider against real Prometheus Alertmanager 0.25 (Debian) instances
// (issue #6): two of them as an HA pair without clustering (the watchdog pushes to each), the
// alert listed by GET /api/v2/alerts while the component fails, kept alive by re-sends, and
// resolved (gone from the list, which never shows resolved alerts) after recovery.
//
// Components: `svc` (critical: CRITICAL → severity "critical") and `side` (critical: false:
// DEGRADED → "warning"), each a command probe on a flag file (DIR/up, DIR/side-up).
#include <gtest/gtest.h>

#include <thread>

#include "tests/integration/harness.h"
#include "tests/support/alertmanager_server.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kAlertName = "WatchdogComponentUnhealthy";

std::string components_yaml(const TempDir& dir) {
  return fill(fast_defaults() + R"(components:
  - name: svc
    critical: true
    probes:
      - name: svc-flag
        kind: command
        argv: ["/bin/sh", "-c", "test -f @DIR@/up || exit 2"]
  - name: side
    critical: false
    probes:
      - name: side-flag
        kind: command
        argv: ["/bin/sh", "-c", "test -f @DIR@/side-up || exit 2"]
)",
              {{"DIR", dir.path().string()}});
}

bool both_reach(const WatchdogProcess& watchdog, const std::string& svc, const std::string& side,
                std::chrono::milliseconds limit = 10s) {
  return wait_until(
      [&] {
        const auto status = watchdog.status();
        return component_state(status, "svc") == svc && component_state(status, "side") == side;
      },
      limit);
}

// Our alerts for `component` on one instance (none when it does not answer).
nlohmann::json ours(const AlertmanagerServer& am, const std::string& component) {
  try {
    return am.alerts_with({{"alertname", kAlertName}, {"component", component}});
  } catch (const std::runtime_error&) {
    return nlohmann::json::array();
  }
}

std::string sink_name(const AlertmanagerServer& am) {
  return "am@127.0.0.1:" + std::to_string(am.port());
}

TEST(Alertmanager, FiringAlertsReachBothInstancesStayActiveAndResolve) {
  TempDir dir;
  dir.write("up", "");
  dir.write("side-up", "");
  AlertmanagerServer am1;
  AlertmanagerServer am2;
  WebhookReceiver hook;  // the same events as a webhook: the incident ids to compare with
  const auto yaml =
      components_yaml(dir) + fill(R"(alerts:
  - name: am
    kind: alertmanager
    urls: [@AM1@, @AM2@]
    resend_interval: 1s
    timeout: 2s
    retry_backoff: 200ms
    max_backoff: 1s
    labels:
      env: it-sentinel
  - name: ops
    kind: webhook
    url: @HOOK@
)",
                                  {{"AM1", am1.url()}, {"AM2", am2.url()}, {"HOOK", hook.url()}});
  WatchdogProcess watchdog(dir, watchdog_options(yaml));
  ASSERT_TRUE(both_reach(watchdog, "HEALTHY", "HEALTHY")) << watchdog.log();
  std::this_thread::sleep_for(1500ms);  // more than one resend interval: nothing to send
  EXPECT_TRUE(am1.alerts().empty()) << am1.alerts().dump(2);
  EXPECT_TRUE(am2.alerts().empty()) << am2.alerts().dump(2);

  std::filesystem::remove(dir / "up");
  std::filesystem::remove(dir / "side-up");
  ASSERT_TRUE(both_reach(watchdog, "CRITICAL", "DEGRADED")) << watchdog.log();
  ASSERT_TRUE(hook.wait_for(2, 10s)) << watchdog.log();
  std::map<std::string, std::string> incident;  // component → incident id
  for (const auto& request : hook.requests("POST")) {
    incident[request.json.value("component", "")] = request.json.value("incident_id", "");
  }
  ASSERT_FALSE(incident["svc"].empty());
  ASSERT_FALSE(incident["side"].empty());

  for (const AlertmanagerServer* am : {&am1, &am2}) {
    SCOPED_TRACE("alertmanager on port " + std::to_string(am->port()));
    ASSERT_TRUE(wait_until(
        [&] { return ours(*am, "svc").size() == 1 && ours(*am, "side").size() == 1; }, 15s))
        << am->alerts().dump(2) << watchdog.log();
    for (const auto& [component, severity] :
         std::map<std::string, std::string>{{"svc", "critical"}, {"side", "warning"}}) {
      const auto alert = ours(*am, component)[0];
      SCOPED_TRACE(alert.dump(2));
      const auto& labels = alert["labels"];
      EXPECT_EQ(labels.value("alertname", ""), kAlertName);
      EXPECT_EQ(labels.value("component", ""), component);
      EXPECT_EQ(labels.value("severity", ""), severity);
      EXPECT_EQ(labels.value("incident", ""), incident[component]);
      EXPECT_EQ(labels.value("env", ""), "it-sentinel");
      EXPECT_EQ(alert["status"].value("state", ""), "active");
      EXPECT_FALSE(alert.value("annotations", nlohmann::json::object()).empty());
    }
    // Only our two alerts: one per incident, no duplicates per severity.
    EXPECT_EQ(am->alerts().size(), 2u) << am->alerts().dump(2);
  }

  // Re-sent every resend_interval (1 s): updatedAt moves on, on both instances, and the alert
  // stays active all the while.
  for (const AlertmanagerServer* am : {&am1, &am2}) {
    SCOPED_TRACE("alertmanager on port " + std::to_string(am->port()));
    std::string last = ours(*am, "svc")[0].value("updatedAt", "");
    for (int resend = 0; resend < 2; ++resend) {
      ASSERT_TRUE(wait_until(
          [&] {
            const auto now = ours(*am, "svc");
            return now.size() == 1 && now[0].value("updatedAt", "") != last;
          },
          5s))
          << "not re-sent: " << am->alerts().dump(2);
      last = ours(*am, "svc")[0].value("updatedAt", "");
    }
  }
  const auto firing_until = std::chrono::steady_clock::now() + 3s;
  while (std::chrono::steady_clock::now() < firing_until) {
    ASSERT_EQ(ours(am1, "svc").size(), 1u);
    ASSERT_EQ(ours(am2, "svc").size(), 1u);
    std::this_thread::sleep_for(200ms);
  }
  for (const AlertmanagerServer* am : {&am1, &am2}) {
    EXPECT_GE(watchdog.metric("watchdog_alerts_sent_total",
                              {{"alert", sink_name(*am)}, {"result", "success"}}),
              4)
        << watchdog.metrics();
  }

  // Recovery: both resolved on both instances, and nothing brings them back.
  dir.write("up", "");
  dir.write("side-up", "");
  ASSERT_TRUE(both_reach(watchdog, "HEALTHY", "HEALTHY")) << watchdog.log();
  for (const AlertmanagerServer* am : {&am1, &am2}) {
    SCOPED_TRACE("alertmanager on port " + std::to_string(am->port()));
    EXPECT_TRUE(
        wait_until([&] { return ours(*am, "svc").empty() && ours(*am, "side").empty(); }, 10s))
        << am->alerts().dump(2) << watchdog.log();
  }
  std::this_thread::sleep_for(3s);  // three resend intervals: a stale re-send would re-fire it
  EXPECT_TRUE(am1.alerts().empty()) << am1.alerts().dump(2);
  EXPECT_TRUE(am2.alerts().empty()) << am2.alerts().dump(2);
  for (const AlertmanagerServer* am : {&am1, &am2}) {
    EXPECT_EQ(metric_sum(watchdog.metrics(), "watchdog_alerts_pending", {{"alert", sink_name(*am)}})
                  .value_or(-1),
              0);
    EXPECT_EQ(watchdog.metric("watchdog_alerts_sent_total",
                              {{"alert", sink_name(*am)}, {"result", "failure"}}),
              0);
  }
}

TEST(Alertmanager, AnInstanceThatIsDownDoesNotHoldUpTheOther) {
  TempDir dir;
  dir.write("up", "");
  dir.write("side-up", "");
  AlertmanagerServer am;
  const int dead_port = free_port();  // nothing listens: connection refused
  const auto yaml =
      components_yaml(dir) + fill(R"(alerts:
  - name: am
    kind: alertmanager
    urls: [http://127.0.0.1:@DEAD@, @AM@]
    resend_interval: 1s
    timeout: 2s
    retry_backoff: 200ms
    max_backoff: 1s
)",
                                  {{"AM", am.url()}, {"DEAD", std::to_string(dead_port)}});
  WatchdogProcess watchdog(dir, watchdog_options(yaml));
  ASSERT_TRUE(both_reach(watchdog, "HEALTHY", "HEALTHY")) << watchdog.log();
  std::filesystem::remove(dir / "up");
  ASSERT_TRUE(both_reach(watchdog, "CRITICAL", "HEALTHY")) << watchdog.log();
  ASSERT_TRUE(wait_until([&] { return ours(am, "svc").size() == 1; }, 10s))
      << am.alerts().dump(2) << watchdog.log();
  EXPECT_EQ(ours(am, "svc")[0]["labels"].value("severity", ""), "critical");
  const std::string dead = "am@127.0.0.1:" + std::to_string(dead_port);
  ASSERT_TRUE(wait_until(
      [&] {
        return watchdog.metric("watchdog_alerts_sent_total",
                               {{"alert", dead}, {"result", "retry"}}) >= 1;
      },
      10s))
      << watchdog.metrics();

  dir.write("up", "");
  ASSERT_TRUE(both_reach(watchdog, "HEALTHY", "HEALTHY")) << watchdog.log();
  EXPECT_TRUE(wait_until([&] { return ours(am, "svc").empty(); }, 10s)) << am.alerts().dump(2);
  EXPECT_GE(
      metric_sum(watchdog.metrics(), "watchdog_alerts_pending", {{"alert", dead}}).value_or(-1), 1)
      << "the dead instance keeps its alerts pending";
}

// CRITICAL → RECOVERING (an action that takes a while) → HEALTHY: one alert the whole time,
// severity critical, then resolved.
TEST(Alertmanager, RecoveringKeepsOneCriticalAlertUntilResolved) {
  TempDir dir;
  dir.write("up", "");
  write_script(dir, "fix.sh",
               fill("#!/bin/sh\nsleep 3\ntouch @DIR@/up\n", {{"DIR", dir.path().string()}}));
  AlertmanagerServer am;
  const auto yaml = fill(fast_defaults() + R"(components:
  - name: svc
    probes:
      - name: svc-flag
        kind: command
        argv: ["/bin/sh", "-c", "test -f @DIR@/up || exit 2"]
    recovery:
      max_attempts: 1
      backoff: 100ms
      verify_timeout: 10s
      actions:
        - name: fix
          kind: command
          argv: ["@DIR@/fix.sh"]
          timeout: 10s
alerts:
  - name: am
    kind: alertmanager
    url: @AM@
    resend_interval: 1s
)",
                         {{"DIR", dir.path().string()}, {"AM", am.url()}});
  WatchdogProcess watchdog(dir, watchdog_options(yaml));
  auto state = [&] { return component_state(watchdog.status(), "svc"); };
  ASSERT_TRUE(wait_until([&] { return state() == "HEALTHY"; }, 10s)) << watchdog.log();
  std::filesystem::remove(dir / "up");
  ASSERT_TRUE(wait_until([&] { return state() == "RECOVERING"; }, 10s, 10ms)) << watchdog.log();
  ASSERT_TRUE(wait_until([&] { return ours(am, "svc").size() == 1; }, 10s))
      << am.alerts().dump(2) << watchdog.log();
  // While the action runs (3 s): one alert, critical, re-sent.
  const auto first = ours(am, "svc")[0];
  EXPECT_EQ(first["labels"].value("severity", ""), "critical") << first.dump(2);
  const auto deadline = std::chrono::steady_clock::now() + 15s;  // verify_timeout ends it sooner
  while (state() == "RECOVERING" && std::chrono::steady_clock::now() < deadline) {
    const auto now = ours(am, "svc");
    ASSERT_EQ(now.size(), 1u) << am.alerts().dump(2);
    EXPECT_EQ(now[0]["labels"].value("severity", ""), "critical");
    EXPECT_EQ(now[0]["labels"].value("incident", ""), first["labels"].value("incident", "?"));
    std::this_thread::sleep_for(200ms);
  }
  ASSERT_TRUE(wait_until([&] { return state() == "HEALTHY"; }, 10s)) << watchdog.log();
  EXPECT_TRUE(wait_until([&] { return am.alerts().empty(); }, 10s)) << am.alerts().dump(2);
  std::this_thread::sleep_for(2s);
  EXPECT_TRUE(am.alerts().empty()) << am.alerts().dump(2);
}

}  // namespace
}  // namespace watchdog::testing
