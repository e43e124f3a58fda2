// The rules and the dashboards against the real thing. A real watchdog watches real servers and
// a real Prometheus 2.42 scrapes it (job "watchdog", as deploy/ sets up) and evaluates
// dashboards/alerts.yml — with every `for:` rewritten to 1s for the run, so that alerts fire in
// seconds instead of minutes. Then faults are injected while Prometheus watches: a Redis that a
// component probes is killed (and later healed), a backup goes stale past its RPO, a backup
// target whose database is gone fails its backups and drills, a component gives up (FAILED), a
// sink refuses alerts and another one keeps answering 503, a configuration reload is rejected,
// a second "replica" of the job cannot be scraped, a second PostgreSQL's archive_command fails
// while rows are written (WAL archiving alerts), and a small tmpfs is filled slowly (the disk
// probe's time to full). While the faults last:
//  - every metric a rule or a dashboard names is in the real /metrics;
//  - every rule evaluates with health "ok"; the rules below fire (GET /api/v1/alerts) and their
//    expressions return series; the other rules' selectors find series;
//  - every PromQL expression of every panel of every dashboard runs without error and returns
//    series, and every selector in it finds series — so a wrong metric, label name or label
//    value (state="FAILED" instead of "failed") fails here instead of silently drawing nothing.
// After the Redis is healed, its incident closes with a measured time to recover that missed
// its 1 s RTO, and its alerts stop firing.
#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <thread>
#include <nlohmann/json.hpp>

#include "tests/deploy/dashboards_support.h"
#include "tests/deploy/deploy_support.h"
#include "tests/support/http_get.h"
#include "tests/support/postgres_server.h"
#include "tests/support/redis_server.h"
#include "tests/support/tmpfs_mount.h"
#include "tests/support/watchdog_process.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing::deploy {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using std::chrono::seconds;

std::string fill(std::string s, const std::map<std::string, std::string>& values) {
  for (const auto& [key, value] : values) {
    const auto from = "@" + key + "@";
    for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + value.size())) {
      s.replace(at, from.size(), value);
    }
  }
  return s;
}

// Everything after the `watchdog:` section (WatchdogProcess writes that one).
constexpr const char* kConfig = R"(defaults:
  interval: 500ms
  recheck_interval: 100ms
  timeout: 500ms
  jitter: 0s
  failure_threshold: 1
  success_threshold: 1
backups:
  - name: main                    # a real backup that goes stale while Prometheus watches
    dsn: ${MAIN_DSN}
    directory: @DIR@/backups/main
    rpo: 15s
  - name: broken                  # nothing listens there: backups and drills fail
    dsn: "host=127.0.0.1 port=@DEAD_PORT@ dbname=gone user=gone connect_timeout=2"
    directory: @DIR@/backups/broken
    rpo: 1h
components:
  - name: app                     # fails until its action creates the file: one closed incident
    rto: 1h
    probes:
      - {name: app-file, kind: command, argv: ["/usr/bin/test", "-f", "@DIR@/ok"], exit_codes: {healthy: [0]}}
    recovery:
      actions:
        - {name: fix-app, kind: command, argv: ["/usr/bin/touch", "@DIR@/ok"], timeout: 5s}
  - name: cache                   # the Redis the test kills and heals; no action: it waits
    rto: 1s
    probes:
      - {name: cache-redis, kind: redis, host: 127.0.0.1, port: @REDIS_PORT@}
  - name: stuck                   # its only action fails: FAILED
    probes:
      - {name: stuck-check, kind: command, argv: ["/bin/false"], exit_codes: {healthy: [0]}}
    recovery:
      max_attempts: 1
      actions:
        - {name: give-up, kind: command, argv: ["/bin/false"], timeout: 5s}
  - name: backups
    probes:
      - {name: main-backup, kind: backup, target: main, interval: 1s}
      - {name: broken-backup, kind: backup, target: broken, interval: 1s}
  - name: disk
    critical: false
    probes:
      - {name: root-disk, kind: disk, path: /, warn: 1%, interval: 1s}
  - name: wal-archive             # a second server whose archive_command fails: WAL alerts
    probes:
      - name: wal
        kind: postgres
        dsn: ${ARCHIVE_DSN}
        archive_rpo: 2s
  - name: volume                  # a tmpfs the test fills slowly: time to full
    critical: false
    probes:
      - {name: volume-disk, kind: disk, path: @VOLUME@, full_in_window: 20s}
alerts:
  - name: ops                     # answers 404: alerts lost for good
    kind: webhook
    url: @OPS_URL@
  - name: slow                    # answers 503: retried, pending in the outbox
    kind: webhook
    url: @SLOW_URL@
    retry_backoff: 200ms
    max_backoff: 1s
)";

struct Expected {
  std::string alert, severity, label, value;
};

json prometheus_get(int port, const std::string& path) {
  const auto result = http_get(port, path, seconds(10));
  if (result.status == 0) return nullptr;
  try {
    return json::parse(result.body);
  } catch (const std::exception&) {
    return nullptr;
  }
}

json query(int port, const std::string& promql) {
  return prometheus_get(port, "/api/v1/query?query=" + url_encode(promql));
}

bool has_series(int port, const std::string& promql) {
  const auto answer = query(port, promql);
  return answer.is_object() && answer.value("status", "") == "success" &&
         !answer["data"]["result"].empty();
}

json firing_alerts(int port) {
  json firing = json::array();
  const auto answer = prometheus_get(port, "/api/v1/alerts");
  if (!answer.is_object()) return firing;
  for (const auto& alert : answer["data"]["alerts"]) {
    if (alert.value("state", "") == "firing") firing.push_back(alert["labels"]);
  }
  return firing;
}

bool is_firing(const json& firing, const Expected& e) {
  for (const auto& labels : firing) {
    if (labels.value("alertname", "") == e.alert && labels.value("severity", "") == e.severity &&
        labels.value(e.label, "") == e.value) {
      return true;
    }
  }
  return false;
}

Reply answer(int status, std::string body) {
  Reply reply;
  reply.status = status;
  reply.body = std::move(body);
  return reply;
}

// Runs a CLI command of the watchdog against `config`; returns its result.
CommandResult cli(const fs::path& config, const std::map<std::string, std::string>& env,
                  std::vector<std::string> args) {
  args.insert(args.begin(), kWatchdog);
  args.insert(args.end(), {"-c", config.string()});
  return run_command(args, env, seconds(60));
}

TEST(DashboardsLive, RulesFireAndEveryQueryReturnsSeriesWhileFaultsLast) {
  DEPLOY_REQUIRE_TOOL(prometheus_bin, "prometheus");
  TempDir dir;
  PostgresServer postgres;  // throws (fails the test) when it cannot start
  RedisServer redis;
  WebhookReceiver ops, slow;
  ops.reply_always(answer(404, "gone"));
  slow.reply_always(answer(503, "busy"));
  // WAL archiving: one segment archived (so the archive has an age), then archive_command fails.
  PostgresOptions archive_options;
  archive_options.archive = true;
  PostgresServer archiving(archive_options);
  archiving.psql("CREATE TABLE writes (x int); INSERT INTO writes VALUES (1)");
  const auto segment = archiving.psql("SELECT pg_walfile_name(pg_switch_wal())");
  ASSERT_TRUE(wait_until(
      [&] { return archiving.psql("SELECT last_archived_wal FROM pg_stat_archiver") >= segment; },
      seconds(30)))
      << read_text(archiving.log_path());
  archiving.set_archive_failing(true);
  // A volume filling at 160 KiB/s: full in minutes, not within this test.
  REQUIRE_TMPFS(volume, dir / "volume", "64m");
  std::jthread filler([path = dir / "volume" / "fill"](std::stop_token stop) {
    std::ofstream out(path, std::ios::binary);
    const std::string chunk(16 * 1024, 'x');
    while (!stop.stop_requested() && out.write(chunk.data(), chunk.size()).flush()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  const std::map<std::string, std::string> env = {{"MAIN_DSN", postgres.dsn()},
                                                  {"ARCHIVE_DSN", archiving.dsn()}};
  const auto dead_port = std::to_string(free_port());
  const auto yaml = fill(kConfig, {{"DIR", dir.path().string()},
                                   {"DEAD_PORT", dead_port},
                                   {"REDIS_PORT", std::to_string(redis.port())},
                                   {"OPS_URL", ops.url()},
                                   {"SLOW_URL", slow.url()},
                                   {"VOLUME", (dir / "volume").string()}});
  fs::create_directories(dir / "backups" / "broken");

  // Backups and drills through the CLI: main backed up and drilled, broken failing both.
  const auto cli_config = dir.write(
      "cli.yaml", "watchdog:\n  state_dir: " + (dir / "cli-state").string() + "\n" + yaml);
  for (const auto* command : {"backup", "drill"}) {
    const auto ok = cli(cli_config, env, {command, "--target", "main"});
    ASSERT_EQ(ok.exit_code, 0) << describe(ok);
    const auto failed = cli(cli_config, env, {command, "--target", "broken"});
    ASSERT_NE(failed.exit_code, 0) << describe(failed);
  }

  WatchdogProcess watchdog(dir, {kWatchdog, yaml, env, {}, {}, {}});
  ASSERT_TRUE(wait_until(
      [&] {
        return watchdog.metric("watchdog_incident_time_to_recover_seconds_count",
                               {{"component", "app"}}) >= 1 &&
               watchdog.metric("watchdog_backup_last_success_timestamp_seconds") > 0 &&
               watchdog.metric("watchdog_disk_full_in_seconds") > 0 &&
               watchdog.metric("watchdog_postgres_archive_age_seconds") > 0;
      },
      seconds(30)))
      << watchdog.log();

  // 1. Every metric the rules and the dashboards name is in the real /metrics.
  const auto exported = sample_names(watchdog.metrics());
  std::vector<std::pair<std::string, std::string>> exprs = rules_expressions();
  for (const auto& [title, expr] : dashboard_expressions()) exprs.emplace_back(title, expr);
  for (const auto& selector : variable_selectors()) exprs.emplace_back("variable", selector);
  std::map<std::string, std::string> missing;  // metric → the first rule or panel naming it
  for (const auto& [where, expr] : exprs) {
    for (const auto& name : exported_metric_names(expr)) {
      if (!exported.contains(name)) missing.emplace(name, where);
    }
  }
  for (const auto& [name, where] : missing) {
    ADD_FAILURE() << name << " is not exported (named by " << where << ")";
  }

  // 2. Prometheus scrapes it and a replica that is down, and evaluates the rules.
  const int port = free_port();
  const auto watchdog_instance = "127.0.0.1:" + std::to_string(watchdog.port());
  const auto dead_instance = "127.0.0.1:" + std::to_string(free_port());
  const auto config =
      dir.write("prometheus.yml", fill(R"(global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - @RULES@
scrape_configs:
  - job_name: watchdog
    static_configs:
      - targets: ["@WATCHDOG@", "@DEAD@"]
)",
                                       {{"RULES", rules_with_short_for(dir, "1s").string()},
                                        {"WATCHDOG", watchdog_instance},
                                        {"DEAD", dead_instance}}));
  ProcessOptions prometheus_options;
  prometheus_options.argv = {prometheus_bin, "--config.file=" + config.string(),
                             "--storage.tsdb.path=" + (dir / "tsdb").string(),
                             "--web.listen-address=127.0.0.1:" + std::to_string(port),
                             "--log.level=warn"};
  prometheus_options.stdout_path = dir / "prometheus.log";
  ChildProcess prometheus(prometheus_options);
  ASSERT_TRUE(wait_until([&] { return http_get(port, "/-/ready").status == 200; }, seconds(30)))
      << read_text(dir / "prometheus.log");
  ASSERT_TRUE(wait_until(
      [&] {
        return has_series(port,
                          R"(watchdog_component_state{component="cache",state="healthy"} == 1)");
      },
      seconds(20)))
      << read_text(dir / "prometheus.log");

  // 3. The faults that are not there yet: the Redis dies, a reload is rejected.
  redis.stop();
  watchdog.write_config("defaults:\n  interval: not-a-duration\n");
  watchdog.process().signal(SIGHUP);
  archiving.psql("INSERT INTO writes SELECT generate_series(1, 1000); SELECT pg_switch_wal()");

  const std::vector<Expected> expected = {
      {"WatchdogDown", "warning", "instance", dead_instance},
      {"WatchdogDown", "critical", "instance", dead_instance},
      {"WatchdogComponentFailed", "critical", "component", "stuck"},
      {"WatchdogComponentCritical", "warning", "component", "cache"},
      {"WatchdogComponentCritical", "critical", "component", "cache"},
      {"WatchdogRTOBreached", "warning", "component", "cache"},
      {"WatchdogRTOBreached", "critical", "component", "cache"},
      {"WatchdogBackupRPOBreached", "warning", "probe", "main-backup"},
      {"WatchdogBackupRPOBreached", "critical", "probe", "main-backup"},
      {"WatchdogBackupMissing", "critical", "probe", "broken-backup"},
      {"WatchdogBackupFailing", "warning", "probe", "broken-backup"},
      {"WatchdogRestoreDrillFailed", "warning", "probe", "broken-backup"},
      {"WatchdogAlertDeliveryFailing", "warning", "alert", "slow"},
      {"WatchdogAlertDeliveryFailing", "critical", "alert", "ops"},
      {"WatchdogAlertOutboxNotDraining", "warning", "alert", "slow"},
      {"WatchdogAlertOutboxNotDraining", "critical", "alert", "slow"},
      {"WatchdogConfigReloadFailed", "warning", "instance", watchdog_instance},
      {"WatchdogConfigReloadFailed", "critical", "instance", watchdog_instance},
      {"WatchdogDiskProbeFailing", "warning", "probe", "root-disk"},
      {"WatchdogWALArchiveFailing", "warning", "component", "wal-archive"},
      {"WatchdogWALArchiveFailing", "critical", "component", "wal-archive"},
      {"WatchdogWALArchiveRPOBreached", "warning", "component", "wal-archive"},
      {"WatchdogWALArchiveRPOBreached", "critical", "component", "wal-archive"},
      {"WatchdogDiskFillingUp", "warning", "probe", "volume-disk"},
      {"WatchdogDiskFillingUp", "critical", "probe", "volume-disk"},
  };
  json firing;
  const bool all_fire = wait_until(
      [&] {
        firing = firing_alerts(port);
        return std::all_of(expected.begin(), expected.end(),
                           [&](const Expected& e) { return is_firing(firing, e); });
      },
      seconds(90));
  for (const auto& e : expected) {
    EXPECT_TRUE(is_firing(firing, e))
        << e.alert << " " << e.severity << " for " << e.label << "=" << e.value << " is not firing";
  }
  if (!all_fire) ADD_FAILURE() << "firing: " << firing.dump(1) << "\n" << watchdog.log();

  // 4. While the faults last: every rule healthy, every expression runs and returns series.
  json groups;
  ASSERT_TRUE(wait_until(
      [&] {
        const auto answer = prometheus_get(port, "/api/v1/rules");
        if (!answer.is_object() || answer.value("status", "") != "success") return false;
        groups = answer["data"]["groups"];
        return !groups.empty();
      },
      seconds(20)))
      << read_text(dir / "prometheus.log");
  std::size_t evaluated = 0;
  for (const auto& group : groups) {
    for (const auto& rule : group["rules"]) {
      ++evaluated;
      EXPECT_EQ(rule.value("health", ""), "ok")
          << rule.value("name", "") << ": " << rule.value("lastError", "");
    }
  }
  EXPECT_EQ(evaluated, alert_rules().size());
  std::set<std::string> firing_rules;
  for (const auto& e : expected) firing_rules.insert(e.alert);
  const auto rule_count = rules_expressions().size();  // exprs: rules first, then the rest
  for (std::size_t i = 0; i < exprs.size(); ++i) {
    const auto& where = exprs[i].first;
    const auto expr = substitute_grafana_variables(exprs[i].second, "watchdog");
    if (where != "variable") {
      const auto answer = query(port, expr);
      ASSERT_TRUE(answer.is_object()) << where << ": " << expr;
      EXPECT_EQ(answer.value("status", ""), "success") << where << ": " << expr << "\n"
                                                       << answer.dump();
      // A dashboard query, or the condition of a rule that fires now, has series.
      if (i >= rule_count || firing_rules.contains(where)) {
        EXPECT_FALSE(answer["data"]["result"].empty()) << where << ": no series for " << expr;
      }
    }
    for (const auto& selector : vector_selectors(expr)) {
      EXPECT_TRUE(has_series(port, selector)) << where << ": no series for " << selector;
    }
  }

  // 5. The Redis comes back: the incident closes (its RTO missed), its alerts stop firing.
  redis.restart();
  const auto healed = [&] {
    const auto now = firing_alerts(port);
    return has_series(port, R"(watchdog_incident_last_rto_met{component="cache"} == 0)") &&
           has_series(port,
                      R"(watchdog_incident_last_time_to_recover_seconds{component="cache"} > 1)") &&
           has_series(
               port, R"(watchdog_incident_open_since_timestamp_seconds{component="cache"} == 0)") &&
           !is_firing(now, {"WatchdogRTOBreached", "warning", "component", "cache"}) &&
           !is_firing(now, {"WatchdogComponentCritical", "warning", "component", "cache"});
  };
  EXPECT_TRUE(wait_until(healed, seconds(60))) << firing_alerts(port).dump(1) << watchdog.log();
}

}  // namespace
}  // namespace watchdog::testing::deploy
