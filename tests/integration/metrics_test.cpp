// /metrics passes `promtool check metrics` once every family has samples: probe runs of each
// status, measurements, a transition, a failed action, a sent alert.
#include <gtest/gtest.h>

#include "tests/integration/harness.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;

TEST(Metrics, ExpositionPassesPromtool) {
  TempDir dir;
  WebhookReceiver receiver;
  const std::string yaml = fill(R"(
defaults:
  interval: 500ms
  timeout: 300ms
  jitter: 0s
  recheck_interval: 100ms
  failure_threshold: 1
components:
  - name: web
    probes:
      - name: web-http
        kind: http
        url: @HEALTH@
      - name: web-disk
        kind: disk
        path: /
        warn: 100%
        critical: 100%
  - name: db
    probes:
      - name: db-tcp
        kind: tcp
        host: 127.0.0.1
        port: @CLOSED@
    recovery:
      max_attempts: 1
      backoff: 100ms
      actions:
        - name: fix-db
          kind: command
          argv: ["/bin/false"]
alerts:
  - name: hook
    kind: webhook
    url: @HOOK@
)",
                                {{"HEALTH", receiver.url("/health")},
                                 {"CLOSED", std::to_string(free_port())},
                                 {"HOOK", receiver.url()}});
  WatchdogProcess watchdog(dir, watchdog_options(yaml));
  ASSERT_TRUE(wait_until(
      [&] {
        return component_state(watchdog.status(), "db") == "FAILED" &&
               watchdog.metric("watchdog_alerts_sent_total", {{"result", "success"}}) >= 3 &&
               watchdog.metric("watchdog_probe_runs_total", {{"probe", "web-disk"}}) >= 1;
      },
      10s))
      << watchdog.log();

  const std::string metrics = watchdog.metrics();
  ASSERT_FALSE(metrics.empty());
  for (const char* family :
       {"watchdog_component_state", "watchdog_probe_runs_total", "watchdog_probe_duration_seconds",
        "watchdog_recovery_actions_total", "watchdog_alerts_sent_total", "watchdog_disk_used_ratio",
        "watchdog_build_info"}) {
    EXPECT_NE(metrics.find(std::string("\n") + family), std::string::npos) << family;
  }
  auto exposition = dir.write("metrics.txt", metrics);
  auto lint = run_command({kPromtool, "check", "metrics"}, {}, 20s, exposition);
  EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err;
  EXPECT_EQ(lint.out + lint.err, "");
}

}  // namespace
}  // namespace watchdog::testing
