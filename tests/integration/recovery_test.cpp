// Recovery end to end (issue #2): a real HTTP server dies, the watchdog restarts it through a
// command action, every transition reaches a signed webhook; and the give-up path with back-off.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <cstdlib>
#include <set>
#include <sstream>

#include "tests/integration/harness.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> field(const std::vector<ReceivedRequest>& alerts, const char* name) {
  std::vector<std::string> out;
  for (const auto& a : alerts) out.push_back(a.json.is_object() ? a.json.value(name, "") : "");
  return out;
}

// `busybox httpd` serving DIR/www/health, started (and restarted by the watchdog) through a
// script that backgrounds it and records its pid. The destructor kills the last one started.
class BusyboxHttpd {
 public:
  explicit BusyboxHttpd(const TempDir& dir) : port_(free_port()), pidfile_(dir / "httpd.pid") {
    dir.write("www/health", "ok\n");
    script_ = write_script(dir, "start-httpd.sh",
                           fill(R"(#!/bin/sh
# Records who asked (the watchdog exports WATCHDOG_* to its actions), then starts the server.
if [ -n "$WATCHDOG_COMPONENT" ]; then
  echo "$WATCHDOG_COMPONENT $WATCHDOG_ATTEMPT $WATCHDOG_INCIDENT_ID" >> @DIR@/actions.log
fi
/usr/bin/busybox httpd -f -p 127.0.0.1:@PORT@ -h @DIR@/www >/dev/null 2>&1 &
echo $! > @PIDFILE@
# Like a real restart script: report success once the server answers.
for i in $(seq 50); do
  /usr/bin/busybox wget -q -O /dev/null http://127.0.0.1:@PORT@/health 2>/dev/null && exit 0
  sleep 0.1
done
exit 1
)",
                                {{"DIR", dir.path().string()},
                                 {"PORT", std::to_string(port_)},
                                 {"PIDFILE", pidfile_.string()}}));
  }
  ~BusyboxHttpd() {
    if (pid_t p = pid(); p > 0) kill(p, SIGKILL);
  }
  const std::filesystem::path& script() const { return script_; }
  int port() const { return port_; }
  pid_t pid() const { return static_cast<pid_t>(std::atoi(read_text(pidfile_).c_str())); }
  bool answers() const { return http_get(port_, "/health", 1s).status == 200; }

 private:
  int port_;
  std::filesystem::path pidfile_;
  std::filesystem::path script_;
};

TEST(Recovery, RestartsDeadHttpServerAndAlertsEachTransitionSigned) {
  TempDir dir;
  WebhookReceiver receiver;
  BusyboxHttpd httpd(dir);
  ASSERT_EQ(run_command({httpd.script().string()}).exit_code, 0);
  ASSERT_TRUE(wait_until([&] { return httpd.answers(); }, 5s)) << "busybox httpd did not start";

  const std::string secret = "hmac-key-sentinel-5d1f0c";
  const std::string hook_url = receiver.url("/hooks/url-token-sentinel-93ab");
  const std::string yaml =
      fill(R"(
components:
  - name: web
    critical: true
    probes:
      - name: web-http
        kind: http
        url: http://127.0.0.1:@PORT@/health
        interval: 1s
        timeout: 1s
        jitter: 0s
        recheck_interval: 200ms
        failure_threshold: 2
        success_threshold: 2
    recovery:
      max_attempts: 3
      backoff: 1s
      actions:
        - name: restart-web
          kind: command
          argv: ["@SCRIPT@"]
          timeout: 10s
alerts:
  - name: hook
    kind: webhook
    url: ${TEST_WEBHOOK_URL}
    secret: ${TEST_WEBHOOK_SECRET}
)",
           {{"PORT", std::to_string(httpd.port())}, {"SCRIPT", httpd.script().string()}});
  WatchdogProcess watchdog(dir, watchdog_options(yaml, {{"TEST_WEBHOOK_URL", hook_url},
                                                        {"TEST_WEBHOOK_SECRET", secret}}));

  // Healthy first: a few passing runs, no alert.
  ASSERT_TRUE(wait_until(
      [&] {
        return watchdog.metric("watchdog_probe_runs_total",
                               {{"probe", "web-http"}, {"status", "healthy"}}) >= 2 &&
               component_state(watchdog.status(), "web") == "HEALTHY";
      },
      10s))
      << watchdog.status().dump(2);
  EXPECT_TRUE(receiver.requests("POST").empty());

  // Kill the server: CRITICAL → RECOVERING (the script restarts it) → HEALTHY.
  const pid_t first = httpd.pid();
  ASSERT_GT(first, 0);
  ASSERT_EQ(kill(first, SIGKILL), 0);
  ASSERT_TRUE(receiver.wait_for(3, 15s)) << watchdog.log();
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "web") == "HEALTHY"; }, 5s));
  EXPECT_TRUE(httpd.answers());
  EXPECT_NE(httpd.pid(), first);

  const auto alerts = receiver.requests("POST");
  ASSERT_EQ(field(alerts, "to"), (std::vector<std::string>{"CRITICAL", "RECOVERING", "HEALTHY"}))
      << watchdog.log();
  EXPECT_EQ(field(alerts, "from"), (std::vector<std::string>{"HEALTHY", "CRITICAL", "RECOVERING"}));
  const auto incidents = field(alerts, "incident_id");
  EXPECT_FALSE(incidents[0].empty());
  EXPECT_EQ(std::set<std::string>(incidents.begin(), incidents.end()).size(), 1u);
  const auto ids = field(alerts, "event_id");
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 3u);
  for (const auto& alert : alerts) {
    SCOPED_TRACE(alert.body);
    EXPECT_EQ(alert.path, "/hooks/url-token-sentinel-93ab");
    EXPECT_EQ(alert.json.value("component", ""), "web");
    EXPECT_FALSE(alert.json.value("reason", "").empty());
    EXPECT_EQ(alert.header("Idempotency-Key"), alert.json.value("event_id", "?"));
    EXPECT_EQ(alert.header("X-Watchdog-Signature"),
              "sha256=" + hmac_sha256_hex(secret, alert.body));
    EXPECT_NE(alert.header("Content-Type").find("application/json"), std::string::npos);
  }

  // The action saw who called it and why.
  EXPECT_EQ(read_text(dir / "actions.log"), "web 1 " + incidents[0] + "\n");

  // Metrics tell the same story.
  ASSERT_TRUE(wait_until(
      [&] {
        return watchdog.metric("watchdog_alerts_sent_total",
                               {{"alert", "hook"}, {"result", "success"}}) >= 3;
      },
      5s));
  const std::string metrics = watchdog.metrics();
  auto value = [&](const std::string& name, const std::map<std::string, std::string>& labels) {
    return metric_sum(metrics, name, labels).value_or(-1);
  };
  EXPECT_EQ(value("watchdog_component_state", {{"component", "web"}, {"state", "healthy"}}), 1);
  EXPECT_EQ(value("watchdog_component_state", {{"component", "web"}, {"state", "recovering"}}), 0);
  EXPECT_GE(value("watchdog_recovery_actions_total",
                  {{"action", "restart-web"}, {"component", "web"}, {"result", "success"}}),
            1);
  EXPECT_GE(value("watchdog_probe_runs_total",
                  {{"component", "web"}, {"probe", "web-http"}, {"kind", "http"}}),
            4);
  EXPECT_GE(value("watchdog_probe_runs_total", {{"probe", "web-http"}, {"status", "unhealthy"}}),
            2);

  // Secrets stay secret: not in the logs, not in the metrics.
  for (const std::string& text : {watchdog.log(), metrics}) {
    EXPECT_EQ(text.find(secret), std::string::npos);
    EXPECT_EQ(text.find("url-token-sentinel-93ab"), std::string::npos);
    EXPECT_EQ(text.find(hook_url), std::string::npos);
  }
}

TEST(Recovery, GivesUpAfterMaxAttemptsWithGrowingBackoff) {
  TempDir dir;
  WebhookReceiver receiver;
  // The "fix" records when it ran and heals nothing: the target port stays closed.
  auto fix = write_script(
      dir, "fix.sh",
      fill("#!/bin/sh\ndate +%s.%N >> @DIR@/attempts\nexit 0\n", {{"DIR", dir.path().string()}}));
  const std::string yaml =
      fill(R"(
components:
  - name: db
    probes:
      - name: db-tcp
        kind: tcp
        host: 127.0.0.1
        port: @PORT@
        interval: 1s
        timeout: 500ms
        jitter: 0s
        recheck_interval: 100ms
        failure_threshold: 2
        success_threshold: 2
    recovery:
      max_attempts: 3
      backoff: 500ms
      max_backoff: 5s
      actions:
        - name: fix-db
          kind: command
          argv: ["@FIX@"]
          timeout: 5s
alerts:
  - name: hook
    kind: webhook
    url: @URL@
)",
           {{"PORT", std::to_string(free_port())}, {"FIX", fix.string()}, {"URL", receiver.url()}});
  WatchdogProcess watchdog(dir, watchdog_options(yaml));

  ASSERT_TRUE(wait_until([&] { return component_state(watchdog.status(), "db") == "FAILED"; }, 20s))
      << watchdog.log();
  ASSERT_TRUE(receiver.wait_for(3, 5s));
  const auto alerts = receiver.requests("POST");
  const auto to = field(alerts, "to");
  EXPECT_EQ(to, (std::vector<std::string>{"CRITICAL", "RECOVERING", "FAILED"}));
  EXPECT_NE(alerts.back().json.value("reason", "").find("gave up"), std::string::npos)
      << alerts.back().body;
  EXPECT_EQ(find_component(watchdog.status(), "db").value("attempts", -1), 3);

  // Exactly three attempts, and no more later: FAILED is not a loop.
  const std::map<std::string, std::string> db_actions = {{"component", "db"}, {"action", "fix-db"}};
  EXPECT_EQ(watchdog.metric("watchdog_recovery_actions_total", db_actions), 3);
  const double runs = watchdog.metric("watchdog_probe_runs_total", {{"probe", "db-tcp"}});
  ASSERT_TRUE(wait_until(
      [&] {
        return watchdog.metric("watchdog_probe_runs_total", {{"probe", "db-tcp"}}) >= runs + 3;
      },
      10s));
  EXPECT_EQ(watchdog.metric("watchdog_recovery_actions_total", db_actions), 3);
  EXPECT_EQ(component_state(watchdog.status(), "db"), "FAILED");
  EXPECT_EQ(receiver.requests("POST").size(), 3u);

  // Back-off doubles: the second pause is longer than the first.
  std::vector<double> starts;
  std::istringstream lines(read_text(dir / "attempts"));
  for (double t; lines >> t;) starts.push_back(t);
  ASSERT_EQ(starts.size(), 3u);
  const double gap1 = starts[1] - starts[0], gap2 = starts[2] - starts[1];
  EXPECT_GT(gap2, gap1) << "gap1=" << gap1 << " gap2=" << gap2;
  // Each gap = action + verification + back-off (500 ms, then 1 s). A verification fails only
  // after failure_threshold (2) results taken recheck_interval (100 ms) apart: ≥ 100 ms.
  EXPECT_GE(gap1, 0.5 + 0.1 - 0.02) << "verification or back-off cut short";
  EXPECT_GE(gap2, 1.0 + 0.1 - 0.02) << "verification or back-off cut short";
}

}  // namespace
}  // namespace watchdog::testing
