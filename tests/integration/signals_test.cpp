// Signals: SIGTERM stops cleanly and fast even with a hung probe; SIGHUP reloads a valid config
// (keeping component state) and rejects an invalid one (keeping the running config).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <fstream>
#include <thread>

#include "tests/integration/harness.h"
#include "tests/support/hung_listener.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;

bool has_probe(const nlohmann::json& status, const std::string& component,
               const std::string& probe) {
  auto c = find_component(status, component);
  if (!c.is_object()) return false;
  for (const auto& p : c["probes"]) {
    if (p.value("name", "") == probe) return true;
  }
  return false;
}

TEST(Signals, SigtermStopsWithinTwoSecondsWhileAProbeHangs) {
  TempDir dir;
  HungListener hung;
  const std::string yaml = fill(R"(
components:
  - name: stuck
    probes:
      - name: stuck-http
        kind: http
        url: http://127.0.0.1:@HUNG@/
        interval: 3s
        timeout: 3s
        jitter: 0s
)",
                                {{"HUNG", std::to_string(hung.port())}});
  WatchdogProcess watchdog(dir, watchdog_options(yaml));
  // The first check ends at its 3 s timeout and the second starts right away: be inside it.
  ASSERT_TRUE(wait_until([&] { return watchdog.metric("watchdog_probe_runs_total") >= 1; }, 10s));
  std::this_thread::sleep_for(500ms);

  const auto start = std::chrono::steady_clock::now();
  watchdog.process().signal(SIGTERM);
  const auto code = watchdog.process().wait(5s);
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(code.has_value()) << "still running 5 s after SIGTERM\n" << watchdog.log();
  EXPECT_EQ(*code, 0) << watchdog.log();
  EXPECT_LT(took, 2.0);
  EXPECT_NE(watchdog.log().find("watchdog_stopped"), std::string::npos) << watchdog.log();
}

// A component that fails right away and has no recovery: it sits in CRITICAL.
std::string failing_component(int closed_port) {
  return fill(R"(
components:
  - name: db
    probes:
      - name: db-tcp
        kind: tcp
        host: 127.0.0.1
        port: @PORT@
        interval: 500ms
        timeout: 200ms
        jitter: 0s
        failure_threshold: 1
)",
              {{"PORT", std::to_string(closed_port)}});
}

TEST(Signals, SighupReloadsValidConfigAndKeepsComponentState) {
  TempDir dir;
  WebhookReceiver receiver;
  const std::string alerts =
      "alerts:\n  - name: hook\n    kind: webhook\n    url: " + receiver.url() + "\n";
  const std::string before = failing_component(free_port());
  WatchdogProcess watchdog(dir, watchdog_options(before + alerts));
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "db") == "CRITICAL"; }, 10s));
  ASSERT_TRUE(receiver.wait_for(1, 5s));
  const auto db = find_component(watchdog.status(), "db");

  watchdog.write_config(before +
                        fill(R"(  - name: extra
    probes:
      - name: extra-http
        kind: http
        url: @URL@
        interval: 500ms
        timeout: 200ms
        jitter: 0s
)",
                             {{"URL", receiver.url("/health")}}) +
                        alerts);
  watchdog.process().signal(SIGHUP);
  ASSERT_TRUE(wait_until([&] { return has_probe(watchdog.status(), "extra", "extra-http"); }, 5s))
      << watchdog.log();
  ASSERT_TRUE(wait_until(
      [&] {
        return watchdog.metric("watchdog_probe_runs_total",
                               {{"probe", "extra-http"}, {"status", "healthy"}}) >= 2;
      },
      5s));

  const auto status = watchdog.status();
  EXPECT_EQ(component_state(status, "extra"), "HEALTHY");
  const auto db_after = find_component(status, "db");
  EXPECT_EQ(db_after.value("state", ""), "CRITICAL");
  EXPECT_EQ(db_after.value("since", "after"), db.value("since", "before"));
  EXPECT_EQ(db_after.value("incident_id", "after"), db.value("incident_id", "before"));
  EXPECT_EQ(watchdog.metric("watchdog_config_reloads_total", {{"result", "success"}}), 1);
  EXPECT_NE(watchdog.log().find("config_reloaded"), std::string::npos);
  EXPECT_EQ(receiver.requests("POST").size(), 1u) << "the reload re-alerted a known incident";
}

TEST(Signals, SighupWithInvalidConfigKeepsRunningConfig) {
  TempDir dir;
  const std::string good = failing_component(free_port());
  WatchdogProcess watchdog(dir, watchdog_options(good));
  ASSERT_TRUE(wait_until([&] { return watchdog.metric("watchdog_probe_runs_total") >= 1; }, 10s));

  watchdog.write_config(good + "        intervall: 5s\n");  // a typo inside db-tcp
  watchdog.process().signal(SIGHUP);
  ASSERT_TRUE(wait_until(
      [&] { return watchdog.log().find("config_reload_rejected") != std::string::npos; }, 5s))
      << watchdog.log();
  EXPECT_NE(watchdog.log().find("intervall"), std::string::npos) << watchdog.log();
  EXPECT_EQ(watchdog.metric("watchdog_config_reloads_total", {{"result", "failure"}}), 1);

  // Still running the old config, still probing.
  const double runs = watchdog.metric("watchdog_probe_runs_total", {{"probe", "db-tcp"}});
  EXPECT_TRUE(wait_until(
      [&] {
        return watchdog.metric("watchdog_probe_runs_total", {{"probe", "db-tcp"}}) >= runs + 3;
      },
      5s));
  EXPECT_TRUE(watchdog.process().running());
  EXPECT_EQ(component_state(watchdog.status(), "db"), "CRITICAL");
}

// Issue #20: files that hung or exhausted the parser (a stray ',' loops yaml-cpp 0.7 forever;
// an alias bomb; a secret file that is a FIFO) are each rejected by a reload within about a
// second; the daemon keeps its config, keeps probing and still stops promptly.
TEST(Signals, SighupWithHostileConfigsKeepsRunningConfig) {
  TempDir dir;
  const std::string good = failing_component(free_port());
  WatchdogProcess watchdog(dir, watchdog_options(good));
  ASSERT_TRUE(wait_until([&] { return watchdog.metric("watchdog_probe_runs_total") >= 1; }, 10s));

  const auto fifo = dir / "hook-url";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::string bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i <= 9; ++i) {
    const std::string previous = "*a" + std::to_string(i - 1);
    bomb += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int j = 0; j < 9; ++j) bomb += (j ? ", " : "") + previous;
    bomb += "]\n";
  }
  const std::string fifo_secret =
      good + "alerts:\n  - name: ops\n    kind: webhook\n    url_file: " + fifo.string() + "\n";
  int rejected = 0;
  for (const std::string& hostile : {std::string("# c\n,\n"), bomb, fifo_secret}) {
    std::ofstream(watchdog.config_path(), std::ios::trunc) << hostile;
    watchdog.process().signal(SIGHUP);
    ++rejected;
    ASSERT_TRUE(wait_until(
        [&] {
          return watchdog.metric("watchdog_config_reloads_total", {{"result", "failure"}}) ==
                 rejected;
        },
        10s))
        << watchdog.log();
  }
  const double runs = watchdog.metric("watchdog_probe_runs_total", {{"probe", "db-tcp"}});
  EXPECT_TRUE(wait_until(
      [&] {
        return watchdog.metric("watchdog_probe_runs_total", {{"probe", "db-tcp"}}) >= runs + 2;
      },
      5s));
  EXPECT_EQ(component_state(watchdog.status(), "db"), "CRITICAL");
  EXPECT_NE(watchdog.log().find("yaml-cpp 0.7 loops forever"), std::string::npos) << watchdog.log();
  EXPECT_NE(watchdog.log().find("alias bomb"), std::string::npos) << watchdog.log();
  EXPECT_NE(watchdog.log().find("Is a FIFO"), std::string::npos) << watchdog.log();
  watchdog.process().signal(SIGTERM);
  EXPECT_EQ(watchdog.process().wait(10s), 0) << watchdog.log();
}

TEST(Signals, ReloadStopAndAlertsStayPromptWhileAnAlertDeliveryHangs) {
  TempDir dir;
  WebhookReceiver sink;  // hangs on the first alert only
  sink.reply_with([](const ReceivedRequest&, std::size_t n) {
    return Reply{
        .status = 200, .body = "ok", .delay = n == 0 ? 30s : 0s, .retry_after_seconds = {}};
  });
  const std::string alerts =
      "alerts:\n  - name: slow-sink\n    kind: webhook\n    url: " + sink.url() +
      "\n    timeout: 10s\n";
  const int db_port = free_port();
  const std::string before = failing_component(db_port);
  WatchdogProcess watchdog(dir, watchdog_options(before + alerts));
  ASSERT_TRUE(sink.wait_for(1, 10s)) << watchdog.log();  // the CRITICAL alert hangs in delivery

  // A reload is applied at once, not after the hung delivery's 10 s timeout.
  watchdog.write_config(before + R"(  - name: extra
    probes:
      - name: extra-disk
        kind: disk
        path: /
        warn: 100%
        critical: 100%
)" + alerts);
  watchdog.process().signal(SIGHUP);
  EXPECT_TRUE(wait_until([&] { return has_probe(watchdog.status(), "extra", "extra-disk"); }, 3s))
      << "reload blocked behind the hung alert delivery\n"
      << watchdog.log();

  // A transition during all this is still alerted: db recovers once its port accepts.
  HungListener db(db_port);
  EXPECT_TRUE(wait_until(
      [&] {
        for (const auto& alert : sink.requests("POST")) {
          if (alert.json.is_object() && alert.json.value("to", "") == "HEALTHY") return true;
        }
        return false;
      },
      15s))
      << "the HEALTHY alert was lost\n"
      << watchdog.log();

  const auto start = std::chrono::steady_clock::now();
  watchdog.process().signal(SIGTERM);
  const auto code = watchdog.process().wait(15s);
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
  EXPECT_LT(took, 2.0) << watchdog.log();
}

}  // namespace
}  // namespace watchdog::testing
