#pragma once
// What the alert delivery tests share (alert_delivery_test.cpp, alert_providers_test.cpp): the
// flag-file service `svc`, a quick webhook sink, and readers for the outbox and the receiver.

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>
#include <thread>

#include "tests/integration/harness.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing::alert_delivery {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

inline double millis_between(const ReceivedRequest& earlier, const ReceivedRequest& later) {
  return std::chrono::duration<double, std::milli>(later.arrived - earlier.arrived).count();
}

inline std::vector<std::string> field(const std::vector<ReceivedRequest>& requests, const char* name) {
  std::vector<std::string> out;
  for (const auto& r : requests) out.push_back(r.json.is_object() ? r.json.value(name, "") : "");
  return out;
}

inline std::vector<std::string> keys_of(const std::vector<ReceivedRequest>& requests) {
  std::vector<std::string> out;
  for (const auto& r : requests) out.push_back(r.header("Idempotency-Key"));
  return out;
}

// One webhook sink named "ops" with quick retries ("" timeout = the default).
inline std::string ops_webhook(const std::string& url, const std::string& timeout,
                        const std::string& retry_backoff, const std::string& max_backoff) {
  std::string yaml = "alerts:\n  - name: ops\n    kind: webhook\n    url: " + url + "\n";
  if (!timeout.empty()) yaml += "    timeout: " + timeout + "\n";
  return yaml + "    retry_backoff: " + retry_backoff + "\n    max_backoff: " + max_backoff + "\n";
}

// `svc` (the flag file DIR/up) plus `more` components; `alerts` is appended as is.
inline std::string flag_yaml(const TempDir& dir, const std::string& alerts,
                      const std::string& more_components = "",
                      const std::string& interval = "300ms") {
  // Flap damping off: these tests count every transition's alert (flapping has its own tests).
  return fast_defaults(interval) + fill(R"(components:
  - name: svc
    flapping: {start: 0}
    probes:
      - name: svc-flag
        kind: command
        argv: ["/bin/sh", "-c", "test -f @DIR@/up || exit 2"]
)",
                                        {{"DIR", dir.path().string()}}) +
         more_components + alerts;
}

inline void break_svc(const TempDir& dir) { std::filesystem::remove(dir / "up"); }
inline void heal_svc(const TempDir& dir) { dir.write("up", ""); }

inline bool reaches(const WatchdogProcess& watchdog, const std::string& state,
             std::chrono::milliseconds limit = 10s) {
  return wait_until([&] { return component_state(watchdog.status(), "svc") == state; }, limit,
                    10ms);
}

inline std::chrono::sys_seconds wall_second() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

// Milliseconds into the current wall-clock second.
inline int millis_into_second() {
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(now).count() %
                          1000);
}

inline double sent(const WatchdogProcess& watchdog, const std::string& alert, const std::string& result) {
  return watchdog.metric("watchdog_alerts_sent_total", {{"alert", alert}, {"result", result}});
}
inline double pending(const WatchdogProcess& watchdog, const std::string& alert) {
  return metric_sum(watchdog.metrics(), "watchdog_alerts_pending", {{"alert", alert}}).value_or(-1);
}

// One row of the outbox as `watchdog alerts --json` lists it.
struct OutboxRow {
  std::string sink;
  std::string key;
  std::string status;
  int attempts = 0;
  std::string last_error;
};

// The outbox of the watchdog configured by `config`, through the CLI (it reads the state dir
// of that config; it works while the watchdog runs and after it was killed).
inline std::vector<OutboxRow> outbox_rows(const std::filesystem::path& config) {
  auto result = run_command({kWatchdog, "alerts", "--config", config.string(), "--json"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  auto doc = nlohmann::json::parse(result.out, nullptr, false);
  if (doc.is_object() && doc.contains("alerts")) doc = doc["alerts"];
  EXPECT_TRUE(doc.is_array()) << result.out;
  std::vector<OutboxRow> rows;
  if (!doc.is_array()) return rows;
  for (const auto& row : doc) {
    rows.push_back({row.value("sink", ""), row.value("key", ""), row.value("status", ""),
                    row.value("attempts", -1), row.value("last_error", "")});
  }
  return rows;
}

inline std::map<std::string, OutboxRow> rows_by_key(const std::vector<OutboxRow>& rows,
                                             const std::string& sink) {
  std::map<std::string, OutboxRow> out;
  for (const auto& row : rows) {
    if (row.sink == sink) out[row.key] = row;
  }
  return out;
}

inline std::string describe(const std::vector<OutboxRow>& rows) {
  std::string text;
  for (const auto& r : rows) {
    text += r.sink + " " + r.key + " " + r.status + " attempts=" + std::to_string(r.attempts) +
            " " + r.last_error + "\n";
  }
  return text;
}

inline std::string describe(const std::vector<ReceivedRequest>& requests) {
  std::string text;
  for (const auto& r : requests) {
    text += std::to_string(r.status) + " " + r.header("Idempotency-Key") + "\n";
  }
  return text;
}

}  // namespace watchdog::testing::alert_delivery
