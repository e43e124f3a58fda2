// Isolation (Monit's fault, REFERENCE.md): a hung probe target or a hung alert sink must cost
// the other probes nothing.
#include <gtest/gtest.h>
#include <signal.h>

#include <thread>

#include "tests/integration/harness.h"
#include "tests/support/hung_listener.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

TEST(Isolation, HungTargetDoesNotDelayOtherProbes) {
  TempDir dir;
  HungListener hung;
  WebhookReceiver live;  // a healthy HTTP target
  // The loader requires timeout <= interval, so the hung probe runs every 3 s and each of its
  // checks hangs for the whole 3 s.
  const std::string yaml =
      fill(R"(
components:
  - name: stuck
    probes:
      - name: stuck-http
        kind: http
        url: http://127.0.0.1:@HUNG@/health
        interval: 3s
        timeout: 3s
        jitter: 0s
        failure_threshold: 1
  - name: live
    probes:
      - name: live-http
        kind: http
        url: @LIVE@
        interval: 1s
        timeout: 1s
        jitter: 0s
)",
           {{"HUNG", std::to_string(hung.port())}, {"LIVE", live.url("/health")}});
  WatchdogProcess watchdog(dir, watchdog_options(yaml));
  const std::map<std::string, std::string> stuck = {{"probe", "stuck-http"}};
  const std::map<std::string, std::string> healthy = {{"probe", "live-http"}};

  // The hang is in effect once the stuck probe has reported (after its first 3 s timeout).
  ASSERT_TRUE(
      wait_until([&] { return watchdog.metric("watchdog_probe_runs_total", stuck) >= 1; }, 10s))
      << watchdog.log();
  const double live_before = watchdog.metric("watchdog_probe_runs_total", healthy);
  const double stuck_before = watchdog.metric("watchdog_probe_runs_total", stuck);
  const auto start = Clock::now();
  std::this_thread::sleep_for(10s);  // the measurement window
  const double live_after = watchdog.metric("watchdog_probe_runs_total", healthy);
  const double elapsed = seconds_since(start);

  EXPECT_GE(live_after - live_before, 9) << "over " << elapsed << " s";
  for (const char* bad : {"unhealthy", "unknown", "degraded"}) {
    EXPECT_EQ(
        watchdog.metric("watchdog_probe_runs_total", {{"probe", "live-http"}, {"status", bad}}), 0);
  }
  EXPECT_GE(watchdog.metric("watchdog_probe_runs_total", stuck) - stuck_before, 2);
  EXPECT_EQ(watchdog.metric("watchdog_probe_runs_total",
                            {{"probe", "stuck-http"}, {"status", "healthy"}}),
            0);
  const auto status = watchdog.status();
  EXPECT_EQ(component_state(status, "stuck"), "CRITICAL");
  EXPECT_EQ(component_state(status, "live"), "HEALTHY");
}

TEST(Isolation, HungAlertSinkDoesNotDelayProbesOrShutdown) {
  TempDir dir;
  WebhookReceiver sink;
  sink.reply_always({.status = 200, .body = "ok", .delay = 30s, .retry_after_seconds = {}});
  WebhookReceiver live;
  const std::string yaml = fill(R"(
components:
  - name: flaky
    probes:
      - name: flaky-tcp
        kind: tcp
        host: 127.0.0.1
        port: @CLOSED@
        interval: 1s
        timeout: 500ms
        jitter: 0s
        failure_threshold: 1
  - name: live
    probes:
      - name: live-http
        kind: http
        url: @LIVE@
        interval: 1s
        timeout: 1s
        jitter: 0s
alerts:
  - name: slow-sink
    kind: webhook
    url: @SINK@
    timeout: 20s
)",
                                {{"CLOSED", std::to_string(free_port())},
                                 {"LIVE", live.url("/health")},
                                 {"SINK", sink.url()}});
  WatchdogProcess watchdog(dir, watchdog_options(yaml));

  // The CRITICAL alert is now stuck in delivery.
  ASSERT_TRUE(sink.wait_for(1, 10s)) << watchdog.log();
  const std::map<std::string, std::string> flaky = {{"probe", "flaky-tcp"}};
  const std::map<std::string, std::string> healthy = {{"probe", "live-http"}};
  const double flaky_before = watchdog.metric("watchdog_probe_runs_total", flaky);
  const double live_before = watchdog.metric("watchdog_probe_runs_total", healthy);
  std::this_thread::sleep_for(5s);
  EXPECT_EQ(watchdog.get("/healthz").status, 200);
  EXPECT_GE(watchdog.metric("watchdog_probe_runs_total", flaky) - flaky_before, 4);
  EXPECT_GE(watchdog.metric("watchdog_probe_runs_total", healthy) - live_before, 4);
  EXPECT_EQ(component_state(watchdog.status(), "flaky"), "CRITICAL");
  EXPECT_EQ(watchdog.metric("watchdog_alerts_sent_total",
                            {{"alert", "slow-sink"}, {"result", "success"}}),
            0);

  // A delivery that hangs does not hold up shutdown either.
  const auto stop = Clock::now();
  watchdog.process().signal(SIGTERM);
  const auto code = watchdog.process().wait(5s);
  const double took = seconds_since(stop);
  ASSERT_TRUE(code.has_value()) << "still running 5 s after SIGTERM";
  EXPECT_EQ(*code, 0);
  EXPECT_LT(took, 2.0);
}

}  // namespace
}  // namespace watchdog::testing
