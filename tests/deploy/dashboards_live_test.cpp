// The rules and the dashboard against the real thing: a watchdog (with a real PostgreSQL backup,
// a recovered incident and an alert sink that refuses) exports every metric they name, and a
// real Prometheus scraping it evaluates every rule without error, runs every dashboard query,
// and finds series for every selector in them — so a wrong metric name, label name or label
// value (state="FAILED" instead of "failed") fails here instead of silently never firing.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/deploy/dashboards_support.h"
#include "tests/deploy/deploy_support.h"
#include "tests/support/http_get.h"
#include "tests/support/postgres_server.h"
#include "tests/support/watchdog_process.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing::deploy {
namespace {

namespace fs = std::filesystem;
using std::chrono::seconds;

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

// Everything after the `watchdog:` section (WatchdogProcess writes that one).
std::string live_config(const fs::path& dir, const std::string& hook_url) {
  return replace_all(replace_all(R"(defaults:
  interval: 500ms
  recheck_interval: 100ms
  timeout: 500ms
  jitter: 0s
  failure_threshold: 1
  success_threshold: 1
backups:
  - name: main
    dsn: ${MAIN_DSN}
    directory: @DIR@/backups/main
    rpo: 1h
components:
  - name: app                     # fails until its action creates the file: one recovered incident
    probes:
      - {name: app-file, kind: command, argv: ["/usr/bin/test", "-f", "@DIR@/ok"], exit_codes: {healthy: [0]}}
    recovery:
      actions:
        - {name: fix-app, kind: command, argv: ["/usr/bin/touch", "@DIR@/ok"], timeout: 5s}
  - name: backups
    probes:
      - {name: main-backup, kind: backup, target: main, interval: 1s}
  - name: disk
    critical: false
    probes:
      - {name: state-disk, kind: disk, path: @DIR@, interval: 1s}
alerts:
  - name: ops                     # answers 404: a permanent failure
    kind: webhook
    url: @URL@
)",
                                 "@DIR@", dir.string()),
                     "@URL@", hook_url);
}

nlohmann::json prometheus_get(int port, const std::string& path) {
  const auto result = http_get(port, path, seconds(10));
  if (result.status == 0) return nullptr;
  try {
    return nlohmann::json::parse(result.body);
  } catch (const std::exception&) {
    return nullptr;
  }
}

nlohmann::json query(int port, const std::string& promql) {
  return prometheus_get(port, "/api/v1/query?query=" + url_encode(promql));
}

bool has_series(int port, const std::string& promql) {
  const auto answer = query(port, promql);
  return answer.is_object() && answer.value("status", "") == "success" &&
         !answer["data"]["result"].empty();
}

TEST(DashboardsLive, RulesAndDashboardWorkAgainstARealWatchdogAndPrometheus) {
  DEPLOY_REQUIRE_TOOL(prometheus_bin, "prometheus");
  TempDir dir;
  PostgresServer postgres;  // throws (fails the test) when it cannot start
  const std::map<std::string, std::string> env = {{"MAIN_DSN", postgres.dsn()}};
  WebhookReceiver hook;
  hook.reply_always({404, "gone"});
  const auto yaml = live_config(dir.path(), hook.url());

  // A real verified backup first, so the backup probe exports its timestamp and age.
  const auto cli = dir.write(
      "cli.yaml", "watchdog:\n  state_dir: " + (dir / "cli-state").string() + "\n" + yaml);
  const auto backup =
      run_command({kWatchdog, "backup", "-c", cli.string(), "--target", "main"}, env, seconds(60));
  ASSERT_EQ(backup.exit_code, 0) << describe(backup);

  WatchdogProcess watchdog(dir, {kWatchdog, yaml, env, {}, {}, {}});
  ASSERT_TRUE(wait_until(
      [&] {
        return watchdog.metric("watchdog_incident_time_to_recover_seconds_count",
                               {{"component", "app"}}) >= 1 &&
               watchdog.metric("watchdog_alerts_sent_total", {{"result", "failure"}}) >= 1 &&
               watchdog.metric("watchdog_backup_last_success_timestamp_seconds") > 0;
      },
      seconds(30)))
      << watchdog.log();

  // 1. Every metric the rules and the dashboard name is in the real /metrics.
  const auto exported = sample_names(watchdog.metrics());
  std::vector<std::pair<std::string, std::string>> exprs = rules_expressions();
  for (const auto& [title, expr] : dashboard_expressions()) exprs.emplace_back(title, expr);
  for (const auto& selector : variable_selectors()) exprs.emplace_back("variable", selector);
  for (const auto& [where, expr] : exprs) {
    for (const auto& name : watchdog_metric_names(expr)) {
      EXPECT_TRUE(exported.contains(name)) << where << ": " << name << " is not exported";
    }
  }

  // 2. A real Prometheus scrapes it (job "watchdog", as in deploy/) and evaluates the rules.
  const int port = free_port();
  const auto config = dir.write("prometheus.yml", R"(global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - )" + rules_file().string() + R"(
scrape_configs:
  - job_name: watchdog
    static_configs:
      - targets: ["127.0.0.1:)" + std::to_string(watchdog.port()) +
                                                      R"("]
)");
  ChildProcess prometheus(
      {{prometheus_bin, "--config.file=" + config.string(),
        "--storage.tsdb.path=" + (dir / "tsdb").string(),
        "--web.listen-address=127.0.0.1:" + std::to_string(port), "--log.level=warn"},
       {},
       "/dev/null",
       dir / "prometheus.log"});
  ASSERT_TRUE(wait_until([&] { return http_get(port, "/-/ready").status == 200; }, seconds(30)))
      << read_text(dir / "prometheus.log");
  ASSERT_TRUE(wait_until(
      [&] {
        return has_series(port,
                          "watchdog_incident_time_to_recover_seconds_count{job=\"watchdog\"}");
      },
      seconds(20)))
      << read_text(dir / "prometheus.log");

  // Every rule evaluated (twice, so that the scrape above is in it) without an error.
  nlohmann::json groups;
  ASSERT_TRUE(wait_until(
      [&] {
        const auto answer = prometheus_get(port, "/api/v1/rules");
        if (!answer.is_object()) return false;
        groups = answer["data"]["groups"];
        for (const auto& group : groups) {
          for (const auto& rule : group["rules"]) {
            if (rule.value("lastEvaluation", "").starts_with("0001-")) return false;
          }
        }
        return !groups.empty();
      },
      seconds(20)));
  std::this_thread::sleep_for(seconds(2));
  groups = prometheus_get(port, "/api/v1/rules")["data"]["groups"];
  std::size_t evaluated = 0;
  for (const auto& group : groups) {
    for (const auto& rule : group["rules"]) {
      ++evaluated;
      EXPECT_EQ(rule.value("health", ""), "ok")
          << rule.value("name", "") << ": " << rule.value("lastError", "");
    }
  }
  EXPECT_EQ(evaluated, rules_expressions().size());

  // 3. Every expression runs, and every selector in it finds series.
  for (const auto& [where, raw] : exprs) {
    const auto expr = substitute_grafana_variables(raw, "watchdog");
    if (where != "variable") {
      const auto answer = query(port, expr);
      ASSERT_TRUE(answer.is_object()) << where << ": " << expr;
      EXPECT_EQ(answer.value("status", ""), "success") << where << ": " << expr << "\n"
                                                       << answer.dump();
    }
    for (const auto& selector : vector_selectors(expr)) {
      EXPECT_TRUE(has_series(port, selector)) << where << ": no series for " << selector;
    }
  }
}

}  // namespace
}  // namespace watchdog::testing::deploy
