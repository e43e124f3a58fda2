// MySQL/MariaDB end to end (issue #17), the operator's story from the issue: a real MariaDB with
// data, backed up by the watchdog (`kind: mysql`), watched by the `mysql` probe: `DROP
// DATABASE` → the probe says the database is gone (not_found) → `restore_latest` restores the
// newest verified backup and the rows are back. The password appears nowhere.
#include <gtest/gtest.h>

#include "tests/integration/harness.h"
#include "tests/support/mariadb_server.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;

TEST(MysqlRecovery, DroppedDatabaseIsRestoredFromTheLatestVerifiedBackup) {
  TempDir dir;
  MariaDbServer server;
  WebhookReceiver receiver;
  server.sql(
      "CREATE DATABASE shop; USE shop; CREATE TABLE orders (id INT PRIMARY KEY AUTO_INCREMENT, "
      "total DECIMAL(10,2)); INSERT INTO orders (total) SELECT seq * 1.5 FROM seq_1_to_300;");
  const std::string yaml = fill(R"(
backups:
  - name: shop
    kind: mysql
    host: 127.0.0.1
    port: @PORT@
    user: root
    password: ${TEST_MYSQL_PASSWORD}
    dbname: shop
    directory: @DIR@/backups
components:
  - name: db
    critical: true
    probes:
      - name: db-mysql
        kind: mysql
        host: 127.0.0.1
        port: @PORT@
        user: root
        password: ${TEST_MYSQL_PASSWORD}
        database: shop
        interval: 1s
        timeout: 1s
        jitter: 0s
        recheck_interval: 200ms
        failure_threshold: 2
        success_threshold: 2
    recovery:
      backoff: 1s
      actions:
        - {name: restore-shop, kind: restore_latest, target: shop, timeout: 60s}
alerts:
  - name: hook
    kind: webhook
    url: @URL@
)",
                                {{"PORT", std::to_string(server.port())},
                                 {"DIR", dir.path().string()},
                                 {"URL", receiver.url()}});
  const std::map<std::string, std::string> env = {{"TEST_MYSQL_PASSWORD", server.password()}};
  WatchdogProcess watchdog(dir, watchdog_options(yaml, env));
  auto backup = run_command({kWatchdog, "backup", "-c", watchdog.config_path().string()}, env);
  ASSERT_EQ(backup.exit_code, 0) << backup.out << backup.err;
  ASSERT_TRUE(wait_until([&] { return component_state(watchdog.status(), "db") == "HEALTHY"; },
                         15s))
      << watchdog.log();

  server.sql("DROP DATABASE shop");
  ASSERT_TRUE(wait_until(
      [&] {
        try {
          return server.sql("SELECT COUNT(*) FROM shop.orders") == "300\n" &&
                 component_state(watchdog.status(), "db") == "HEALTHY";
        } catch (const std::exception&) {
          return false;
        }
      },
      60s))
      << watchdog.log();
  const std::string log = watchdog.log();
  EXPECT_NE(log.find("restore-shop"), std::string::npos) << log;
  std::vector<std::string> to;
  for (const auto& alert : receiver.requests("POST")) to.push_back(alert.json.value("to", ""));
  EXPECT_EQ(to, (std::vector<std::string>{"CRITICAL", "RECOVERING", "HEALTHY"})) << log;

  std::vector<std::string> texts = {log, watchdog.metrics(), backup.out, backup.err};
  for (const auto& alert : receiver.requests()) texts.push_back(alert.body);
  for (const auto& text : texts) {
    EXPECT_EQ(text.find(server.password()), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace watchdog::testing
