// Backups that heal themselves, end to end through `watchdog run` (issue #4): a backup older
// than the RPO makes the component CRITICAL, `backup_now` takes a fresh verified one and it is
// HEALTHY again; a dropped database is brought back by `restore_latest` with its rows; with
// `replace: true` a safety dump is skipped for a dropped database and taken (salvaging the
// damaged page) for a corrupt one before it is replaced (issue #12).
#include <gtest/gtest.h>

#include "actions/backup/backup_runner.h"
#include "probes/backup/backup_catalog.h"
#include "tests/integration/backup_fixture.h"
#include "tests/integration/harness.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
namespace bk = probes::backup;

const char* kBackups = R"(
backups:
  - name: main
    dsn: ${TEST_SHOP_DSN}
    directory: @DIR@
    pg_dump: /usr/lib/postgresql/15/bin/pg_dump
    pg_restore: /usr/lib/postgresql/15/bin/pg_restore
    rpo: 1h
alerts:
  - name: hook
    kind: webhook
    url: @URL@
)";

const char* kTiming = R"(
        interval: 1s
        timeout: 1s
        jitter: 0s
        recheck_interval: 200ms
        failure_threshold: 2
        success_threshold: 1
)";

std::vector<std::string> transitions(const WebhookReceiver& receiver) {
  std::vector<std::string> to;
  for (const auto& alert : receiver.requests("POST")) to.push_back(alert.json.value("to", ""));
  return to;
}

const char* kCountItems = "\n        query: SELECT count(*) FROM items";
const char* kReplace = "\n          replace: true";

// A component `db` whose postgres probe (plus `probe_keys`) is healed by its only rung,
// restore_latest of `main` (plus `action_keys`).
std::string restore_config(const std::filesystem::path& backups, const WebhookReceiver& receiver,
                           const std::string& probe_keys, const std::string& action_keys) {
  return fill(std::string(kBackups) + R"(
components:
  - name: db
    probes:
      - name: shop-postgres
        kind: postgres
        dsn: ${TEST_SHOP_DSN}@PROBE_KEYS@)" +
                  kTiming + R"(
    recovery:
      backoff: 1s
      actions:
        - name: restore
          kind: restore_latest
          target: main
          timeout: 60s@ACTION_KEYS@
)",
              {{"DIR", backups.string()},
               {"URL", receiver.url()},
               {"PROBE_KEYS", probe_keys},
               {"ACTION_KEYS", action_keys}});
}

TEST(BackupRecovery, RpoBreachIsHealedByBackupNow) {
  TempDir dir;
  PostgresServer server;
  create_shop(server);
  WebhookReceiver receiver;
  const auto target = shop_target(server, dir / "backups", server.password());
  auto first = actions::run_backup(target, 60s);
  ASSERT_TRUE(first.ok) << first.error;
  auto stale = *first.metadata;  // pretend it was taken two days ago
  stale.started -= 48h;
  stale.finished -= 48h;
  std::string error;
  ASSERT_TRUE(bk::write_metadata(target.directory, stale, error)) << error;

  const std::string yaml = fill(std::string(kBackups) + R"(
components:
  - name: backups
    probes:
      - name: main-backup
        kind: backup
        target: main)" + kTiming + R"(
    recovery:
      backoff: 1s
      actions:
        - name: backup-now
          kind: backup_now
          target: main
          timeout: 60s
)",
                                {{"DIR", target.directory.string()}, {"URL", receiver.url()}});
  WatchdogProcess watchdog(dir, watchdog_options(yaml, {{"TEST_SHOP_DSN", shop_dsn(server)}}));

  ASSERT_TRUE(receiver.wait_for(3, 30s)) << watchdog.log();
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "backups") == "HEALTHY"; }, 10s))
      << watchdog.log();
  EXPECT_EQ(transitions(receiver), (std::vector<std::string>{"CRITICAL", "RECOVERING", "HEALTHY"}));
  const auto critical = receiver.requests("POST").at(0).json;
  EXPECT_NE(critical.dump().find("(RPO 1h)"), std::string::npos) << critical.dump();

  const auto backups = bk::list_backups(target.directory, "main", error);
  ASSERT_EQ(backups.size(), 2u);
  EXPECT_TRUE(backups.back().verified());

  const std::string metrics = watchdog.metrics();
  const double now =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_NEAR(metric_sum(metrics, "watchdog_backup_last_success_timestamp_seconds", {}).value_or(0),
              now, 60);
  EXPECT_EQ(metric_sum(metrics, "watchdog_backup_rpo_seconds", {}), 3600);
  EXPECT_EQ(metric_sum(metrics, "watchdog_backup_verify_failures_total", {}), 0);
  EXPECT_GE(metric_sum(metrics, "watchdog_recovery_actions_total",
                       {{"action", "backup-now"}, {"result", "success"}})
                .value_or(0),
            1);
  const auto exposition = dir.write("metrics.txt", metrics);
  auto lint = run_command({kPromtool, "check", "metrics"}, {}, 20s, exposition);
  EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err;
  for (const auto& text : {watchdog.log(), metrics}) {
    EXPECT_EQ(text.find(server.password()), std::string::npos);
  }
}

TEST(BackupRecovery, DroppedDatabaseIsRestoredByRestoreLatest) {
  TempDir dir;
  PostgresServer server;
  create_shop(server);
  WebhookReceiver receiver;
  const auto target = shop_target(server, dir / "backups", server.password());
  ASSERT_TRUE(actions::run_backup(target, 60s).ok);

  const std::string yaml = restore_config(target.directory, receiver, "", "");
  WatchdogProcess watchdog(dir, watchdog_options(yaml, {{"TEST_SHOP_DSN", shop_dsn(server)}}));
  ASSERT_TRUE(wait_until(
      [&] {
        return watchdog.metric("watchdog_probe_runs_total",
                               {{"probe", "shop-postgres"}, {"status", "healthy"}}) >= 2;
      },
      10s))
      << watchdog.log();

  sql(server, "postgres", "DROP DATABASE shop WITH (FORCE)");
  ASSERT_TRUE(receiver.wait_for(3, 40s)) << watchdog.log();
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "db") == "HEALTHY"; }, 10s))
      << watchdog.log();
  EXPECT_EQ(transitions(receiver), (std::vector<std::string>{"CRITICAL", "RECOVERING", "HEALTHY"}));
  EXPECT_NE(receiver.requests("POST").at(0).json.dump().find("does not exist"), std::string::npos);
  EXPECT_EQ(shop_counts(server, "shop"), "50|200|3\n");
  EXPECT_NE(watchdog.log().find("restored main_"), std::string::npos) << watchdog.log();
  EXPECT_EQ(watchdog.log().find(server.password()), std::string::npos);
}

void create_items(const PostgresServer& server, int rows) {
  sql(server, "shop",
      "CREATE TABLE items (id int, v text); INSERT INTO items SELECT g, 'item ' || g "
      "FROM generate_series(1, " +
          std::to_string(rows) + ") g");
}

bool has_safety_file(const std::filesystem::path& directory) {
  std::error_code ec;
  for (std::filesystem::directory_iterator it(directory, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->path().filename().string().find("safety") != std::string::npos) return true;
  }
  return false;
}

TEST(BackupRecovery, DroppedDatabaseIsReplacedWithoutASafetyDump) {
  TempDir dir;
  PostgresServer server;
  create_shop(server);
  create_items(server, 300);
  WebhookReceiver receiver;
  const auto target = shop_target(server, dir / "backups", server.password());
  ASSERT_TRUE(actions::run_backup(target, 60s).ok);
  WatchdogProcess watchdog(
      dir, watchdog_options(restore_config(target.directory, receiver, kCountItems, kReplace),
                            {{"TEST_SHOP_DSN", shop_dsn(server)}}));
  ASSERT_TRUE(wait_until(
      [&] {
        return watchdog.metric("watchdog_probe_runs_total",
                               {{"probe", "shop-postgres"}, {"status", "healthy"}}) >= 1;
      },
      10s))
      << watchdog.log();
  ASSERT_EQ(sql(server, "shop", "SELECT count(*) FROM items"), "300\n");

  sql(server, "postgres", "DROP DATABASE shop WITH (FORCE)");
  ASSERT_TRUE(receiver.wait_for(3, 30s)) << watchdog.log();
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "db") == "HEALTHY"; }, 10s))
      << watchdog.log();
  EXPECT_EQ(transitions(receiver), (std::vector<std::string>{"CRITICAL", "RECOVERING", "HEALTHY"}));
  EXPECT_EQ(sql(server, "shop", "SELECT count(*) FROM items"), "300\n");
  EXPECT_EQ(shop_counts(server, "shop"), "50|200|3\n");
  const std::string log = watchdog.log();
  EXPECT_NE(log.find("safety dump skipped: database shop does not exist"), std::string::npos)
      << log;
  EXPECT_NE(log.find("restored main_"), std::string::npos) << log;
  EXPECT_FALSE(has_safety_file(target.directory));
  EXPECT_TRUE(bk::list_safety_dumps(target.directory, "main").empty());
  EXPECT_EQ(log.find(server.password()), std::string::npos);
}

TEST(BackupRecovery, CorruptTableGetsASafetyDumpThenTheBackup) {
  TempDir dir;
  PostgresServer server;
  create_shop(server);
  create_items(server, 400);
  WebhookReceiver receiver;
  const auto target = shop_target(server, dir / "backups", server.password());
  ASSERT_TRUE(actions::run_backup(target, 60s).ok);
  sql(server, "shop", "INSERT INTO items SELECT g, 'late ' || g FROM generate_series(401, 450) g");
  ASSERT_EQ(sql(server, "shop", "SELECT count(*) FROM items"), "450\n");  // before
  corrupt_first_page(server, "shop", "items");

  WatchdogProcess watchdog(
      dir, watchdog_options(restore_config(target.directory, receiver, kCountItems, kReplace),
                            {{"TEST_SHOP_DSN", shop_dsn(server)}}));
  ASSERT_TRUE(receiver.wait_for(3, 30s)) << watchdog.log();
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "db") == "HEALTHY"; }, 10s))
      << watchdog.log();
  EXPECT_EQ(transitions(receiver), (std::vector<std::string>{"CRITICAL", "RECOVERING", "HEALTHY"}));
  const auto critical = receiver.requests("POST").at(0).json;
  EXPECT_EQ(critical["probes"][0].value("failure", ""), "corrupt") << critical.dump();

  // After: the backup's rows, readable again.
  EXPECT_EQ(sql(server, "shop", "SELECT count(*) FROM items"), "400\n");
  EXPECT_EQ(shop_counts(server, "shop"), "50|200|3\n");

  // The safety dump: what the damaged database still held, marked as such, never a backup.
  const auto dumps = bk::list_safety_dumps(target.directory, "main");
  ASSERT_EQ(dumps.size(), 1u);
  const auto& dump = dumps.front();
  ASSERT_TRUE(dump.safety);
  EXPECT_TRUE(dump.safety->salvaged) << "a plain pg_dump fails on the damaged page";
  EXPECT_EQ(dump.safety->incident.rfind("db-", 0), 0u) << dump.safety->incident;
  EXPECT_TRUE(dump.verified());
  EXPECT_GT(dump.size_bytes, 0u);
  EXPECT_TRUE(std::filesystem::exists(target.directory / dump.file));
  std::string error;
  EXPECT_EQ(bk::list_backups(target.directory, "main", error).size(), 1u);
  const std::string log = watchdog.log();
  EXPECT_NE(log.find("safety dump " + dump.file), std::string::npos) << log;
  EXPECT_NE(log.find("rows on damaged pages are lost"), std::string::npos) << log;
  EXPECT_EQ(log.find(server.password()), std::string::npos);

  // The salvaged copy holds what the undamaged pages held, including rows newer than the backup.
  sql(server, "postgres", "CREATE DATABASE salvage");
  auto restored =
      run_command({kPgBin + "pg_restore", "-h", "127.0.0.1", "-p", std::to_string(server.port()),
                   "-U", "postgres", "-d", "salvage", (target.directory / dump.file).string()},
                  {{"PGPASSWORD", server.password()}});
  ASSERT_EQ(restored.exit_code, 0) << restored.err;
  EXPECT_EQ(sql(server, "salvage", "SELECT count(*) FROM items WHERE id > 400"), "50\n");
}

}  // namespace
}  // namespace watchdog::testing
