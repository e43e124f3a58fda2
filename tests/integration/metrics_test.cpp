// /metrics passes `promtool check metrics` once every family has samples: probe runs of each
// status, measurements, a transition, a failed action, a sent alert. And the DR figures survive
// a restart: counters and the last recovery come back from the incident journal.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <memory>
#include <thread>

#include "tests/integration/harness.h"
#include "tests/support/prometheus_text.h"
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

// Scrapes /metrics in a loop on its own thread from before a watchdog starts (its port read
// from the config file the harness writes) until stop(), and keeps the lowest value each
// watched series had on any scrape that had it.
class StartupScraper {
 public:
  using Series = std::pair<std::string, std::map<std::string, std::string>>;
  struct Seen {
    std::map<std::string, double> lowest;  // by metric name
    int scrapes = 0;                       // answered with 200
  };

  StartupScraper(std::filesystem::path config, std::vector<Series> watched)
      : config_(std::move(config)), watched_(std::move(watched)), thread_([this] { run(); }) {}
  ~StartupScraper() { stop(); }

  Seen stop() {
    stopping_ = true;
    if (!thread_.joinable()) return seen_;
    thread_.join();
    scrape();  // one when ready, so that every watched series was seen at least once
    return seen_;
  }

 private:
  void run() {
    while (!stopping_) {
      scrape();
      std::this_thread::sleep_for(2ms);
    }
  }

  void scrape() {
    const auto text = read_text(config_);
    const auto at = text.find("listen: 127.0.0.1:");
    if (at == std::string::npos) return;
    const int port = std::atoi(text.c_str() + at + 18);
    const auto response = http_get(port, "/metrics", 500ms);
    if (response.status != 200) return;
    ++seen_.scrapes;
    for (const auto& [name, labels] : watched_) {
      if (auto value = metric_sum(response.body, name, labels)) {
        auto [it, fresh] = seen_.lowest.emplace(name, *value);
        if (!fresh) it->second = std::min(it->second, *value);
      }
    }
  }

  std::filesystem::path config_;
  std::vector<Series> watched_;
  Seen seen_;
  std::atomic<bool> stopping_ = false;
  std::thread thread_;
};

// A component that is broken until its action runs: one incident, one action, one recovery.
TEST(Metrics, IncidentFiguresSurviveARestart) {
  TempDir dir;
  const auto ok_file = dir / "ok";
  const std::string yaml = fast_defaults() + fill(R"(
components:
  - name: db
    rto: 1h
    probes:
      - name: db-file
        kind: command
        argv: [/usr/bin/test, -f, "@OK@"]
        exit_codes: {healthy: [0]}
    recovery:
      max_attempts: 1
      actions:
        - {name: fix-db, kind: command, argv: [/usr/bin/touch, "@OK@"]}
  - name: idle
    probes:
      - {name: idle-true, kind: command, argv: [/bin/true]}
)",
                                                  {{"OK", ok_file.string()}});
  const std::map<std::string, std::string> fixed = {
      {"component", "db"}, {"action", "fix-db"}, {"result", "success"}};
  double time_to_recover = 0;
  {
    WatchdogProcess first(dir, watchdog_options(yaml));
    ASSERT_TRUE(wait_until(
        [&] {
          return first.metric("watchdog_incident_last_time_to_recover_seconds",
                              {{"component", "db"}}) > 0;
        },
        15s))
        << first.log();
    const auto metrics = first.metrics();
    EXPECT_EQ(metric_sum(metrics, "watchdog_component_rto_seconds", {{"component", "db"}}), 3600);
    EXPECT_EQ(metric_sum(metrics, "watchdog_incidents_total", {{"component", "db"}}), 1);
    EXPECT_EQ(metric_sum(metrics, "watchdog_recovery_actions_total", fixed), 1);
    EXPECT_EQ(metric_sum(metrics, "watchdog_incident_last_rto_met", {{"component", "db"}}), 1);
    EXPECT_EQ(metric_sum(metrics, "watchdog_incident_open_since_timestamp_seconds",
                         {{"component", "db"}}),
              0);
    time_to_recover = *metric_sum(metrics, "watchdog_incident_last_time_to_recover_seconds",
                                  {{"component", "db"}});
    first.process().signal(SIGTERM);
    ASSERT_EQ(first.process().wait(10s), std::optional<int>(0)) << first.log();
  }

  // From the moment the second process listens until it is ready, no scrape may see a
  // counter below what the first one reached (a counter that drops is a reset to Prometheus).
  std::filesystem::remove(dir / "watchdog.yaml");  // the scraper learns the new port from it
  StartupScraper scraper(dir / "watchdog.yaml",
                         {{"watchdog_incidents_total", {{"component", "db"}}},
                          {"watchdog_recovery_actions_total", fixed}});
  WatchdogProcess second(dir, watchdog_options(yaml));
  const auto seen = scraper.stop();
  EXPECT_EQ(seen.lowest.size(), 2u) << second.metrics();
  for (const auto& [name, lowest] : seen.lowest) {
    EXPECT_GE(lowest, 1) << name << " dropped during start-up (" << seen.scrapes << " scrapes)";
  }
  std::string metrics;
  ASSERT_TRUE(wait_until(
      [&] {
        metrics = second.metrics();
        return metric_sum(metrics, "watchdog_component_rto_seconds", {{"component", "idle"}})
            .has_value();
      },
      5s))
      << second.log();
  EXPECT_EQ(metric_sum(metrics, "watchdog_incidents_total", {{"component", "db"}}), 1) << metrics;
  EXPECT_EQ(metric_sum(metrics, "watchdog_incidents_total", {{"component", "idle"}}), 0);
  EXPECT_EQ(metric_sum(metrics, "watchdog_recovery_actions_total", fixed), 1);
  // The journal keeps milliseconds: the restored figure may differ by one.
  EXPECT_NEAR(
      metric_sum(metrics, "watchdog_incident_last_time_to_recover_seconds", {{"component", "db"}})
          .value_or(-1),
      time_to_recover, 0.0015);
  EXPECT_EQ(metric_sum(metrics, "watchdog_incident_last_rto_met", {{"component", "db"}}), 1);
  EXPECT_FALSE(metric_sum(metrics, "watchdog_incident_last_time_to_recover_seconds",
                          {{"component", "idle"}}))
      << "no incident: no last recovery";
  EXPECT_EQ(metric_sum(metrics, "watchdog_component_rto_seconds", {{"component", "idle"}}), 0);
}

}  // namespace
}  // namespace watchdog::testing
