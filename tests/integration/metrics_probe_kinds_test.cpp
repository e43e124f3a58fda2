// /metrics passes `promtool check metrics` with every probe kind configured and measuring (issue
// #14): each kind against the real thing where one runs here — PostgreSQL 15, Redis 7, a Docker
// engine with a health-checked container, backups made and drilled by the `watchdog backup` and
// `drill` commands, MariaDB 10.11 — and the HTTPS stand-in for the Kubernetes API (pods and a
// deployment). A kind added to probes/factory.cpp without a probe here fails the test, and so does
// any measurement name promtool objects to (a gauge named *_count, say).
#include <gtest/gtest.h>

#include "probes/factory.h"
#include "tests/integration/backup_fixture.h"
#include "tests/integration/docker_fixture.h"
#include "tests/integration/harness.h"
#include "tests/support/kubernetes_standin.h"
#include "tests/support/mariadb_server.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/redis_server.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;

const std::string kToken = "sa-token-metrics-0123456789";

// A measurement each kind must have exported once its probe ran (its family's name).
const std::map<std::string, std::vector<std::string>> kMeasurementsByKind = {
    {"http", {"watchdog_http_status_code", "watchdog_http_duration_seconds"}},
    {"tcp", {"watchdog_tcp_connect_seconds"}},
    {"command", {"watchdog_command_exit_code"}},
    {"disk", {"watchdog_disk_used_ratio", "watchdog_disk_free_bytes"}},
    {"postgres", {"watchdog_postgres_connections", "watchdog_postgres_query_seconds"}},
    {"redis", {"watchdog_redis_ping_seconds", "watchdog_redis_used_memory_bytes"}},
    {"mysql", {"watchdog_mysql_connections", "watchdog_mysql_query_seconds"}},
    {"backup",
     {"watchdog_backup_age_seconds", "watchdog_backup_storage_bytes",
      "watchdog_backup_duration_seconds", "watchdog_backup_oldest_restorable_timestamp_seconds",
      "watchdog_backup_last_failure_timestamp_seconds", "watchdog_restore_drill_duration_seconds",
      "watchdog_restore_drill_last_failure_timestamp_seconds",
      "watchdog_restore_drill_last_success_timestamp_seconds",
      "watchdog_backup_verify_failures_total"}},
    {"backup_age", {"watchdog_backup_files"}},
    {"docker", {"watchdog_docker_restarts", "watchdog_docker_uptime_seconds"}},
    {"kubernetes", {"watchdog_kubernetes_pods_ready", "watchdog_kubernetes_replicas_desired"}},
};

TEST(MetricsProbeKinds, EveryKindMeasuresAndPromtoolFindsNothing) {
  for (auto kind : probes::probe_kinds()) {
    EXPECT_TRUE(kMeasurementsByKind.contains(std::string(kind)))
        << "probe kind '" << kind << "' is not configured by this test";
  }
  TempDir dir;
  WebhookReceiver web;
  RedisServer redis;
  MariaDbServer mariadb;
  PostgresServer postgres;
  create_shop(postgres);
  DockerdServer engine;
  engine.docker_ok(healthy_web("web"));
  KubernetesStandin api(kToken);
  api.put_pod("shop", make_pod("api-1", {{"app", "api"}}, true));
  api.put_deployment("shop", make_deployment("api", 2, 2));
  dir.write("dumps/nightly.sql", "a dump");
  const std::map<std::string, std::string> env = {{"TEST_SHOP_DSN", shop_dsn(postgres)},
                                                  {"TEST_MYSQL_PASSWORD", mariadb.password()}};

  // Real backups and a real drill first: the runners write what the backup probe measures.
  const auto backups = dir / "backups";
  const auto cli_config =
      dir.write("cli.yaml", shop_backups_yaml(backups) +
                                "components:\n  - name: b\n    probes:\n"
                                "      - {name: p, kind: backup, target: main}\n");
  for (const char* command : {"backup", "drill"}) {
    auto run = run_command({kWatchdog, command, "-c", cli_config.string()}, env, 120s);
    ASSERT_EQ(run.exit_code, 0) << command << ": " << run.out << run.err;
  }

  const std::string k8s =
      fill(R"(        server: @SERVER@
        ca_file: @CA@
        token: @TOKEN@
        namespace: shop
)",
           {{"SERVER", api.server()}, {"CA", api.ca_file().string()}, {"TOKEN", kToken}});
  const std::string probes = R"(
components:
  - name: everything
    probes:
      - {name: p-http, kind: http, url: "@URL@"}
      - {name: p-tcp, kind: tcp, host: 127.0.0.1, port: @WEB_PORT@}
      - {name: p-command, kind: command, argv: [/bin/true]}
      - {name: p-disk, kind: disk, path: /, warn: 100%, critical: 100%}
      - {name: p-postgres, kind: postgres, dsn: "${TEST_SHOP_DSN}"}
      - {name: p-redis, kind: redis, host: 127.0.0.1, port: @REDIS_PORT@}
      - {name: p-mysql, kind: mysql, host: 127.0.0.1, port: @MYSQL_PORT@, user: root,
         password: "${TEST_MYSQL_PASSWORD}"}
      - {name: p-backup, kind: backup, target: main}
      - {name: p-backup-age, kind: backup_age, directory: @DUMPS@, pattern: "*.sql", rpo: 1h}
      - {name: p-docker, kind: docker, socket: @SOCKET@, container: web}
      - name: p-pods
        kind: kubernetes
        selector: app=api
@K8S@      - name: p-deployment
        kind: kubernetes
        deployment: api
@K8S@)";
  const std::string yaml = shop_backups_yaml(backups) + fast_defaults("1s") +
                           fill(probes, {{"URL", web.url("/health")},
                                         {"WEB_PORT", std::to_string(web.port())},
                                         {"REDIS_PORT", std::to_string(redis.port())},
                                         {"MYSQL_PORT", std::to_string(mariadb.port())},
                                         {"DUMPS", (dir / "dumps").string()},
                                         {"SOCKET", engine.socket().string()},
                                         {"K8S", k8s}});
  WatchdogProcess watchdog(dir, watchdog_options(yaml, env));
  std::string metrics;
  auto every_measurement_seen = [&] {
    metrics = watchdog.metrics();
    for (const auto& [kind, families] : kMeasurementsByKind) {
      for (const auto& family : families) {
        if (!metric_sum(metrics, family)) return false;
      }
    }
    return true;
  };
  ASSERT_TRUE(wait_until(every_measurement_seen, 30s)) << metrics << watchdog.log();
  for (const auto& [kind, families] : kMeasurementsByKind) {
    EXPECT_GE(metric_sum(metrics, "watchdog_probe_runs_total", {{"kind", kind}}).value_or(0), 1)
        << kind;
  }
  // The probes measure real things: a sanity check that the figures are not placeholders.
  EXPECT_EQ(metric_sum(metrics, "watchdog_docker_restarts"), 0);
  EXPECT_EQ(metric_sum(metrics, "watchdog_kubernetes_pods_ready"), 1);
  EXPECT_EQ(metric_sum(metrics, "watchdog_backup_good_backups"), 1);
  EXPECT_GT(metric_sum(metrics, "watchdog_backup_storage_bytes").value_or(0), 0);
  EXPECT_GT(metric_sum(metrics, "watchdog_restore_drill_duration_seconds").value_or(0), 0);
  EXPECT_EQ(metric_sum(metrics, "watchdog_restore_drill_last_failure_timestamp_seconds"), 0);

  auto exposition = dir.write("metrics.txt", metrics);
  auto lint = run_command({kPromtool, "check", "metrics"}, {}, 20s, exposition);
  EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err;
  EXPECT_EQ(lint.out + lint.err, "");
}

}  // namespace
}  // namespace watchdog::testing
