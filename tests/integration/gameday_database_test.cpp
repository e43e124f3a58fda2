// The database game-day scenario database-dropped driven directly, step by step as the runner
// will, against real servers (issue #19): on PostgreSQL with a real `watchdog run` restoring it
// (the RPO figure equals the rows written since the backup), without a fresh backup and with an
// empty leftover the revert restores, on MariaDB with the revert restoring it; and the data
// writer's count. The stop/damage scenarios are in gameday_database_stop_test.cpp.
#include <gtest/gtest.h>

#include <thread>

#include "actions/backup/backup_runner.h"
#include "probes/backup/backup_catalog.h"
#include "tests/integration/gameday_database_fixture.h"
#include "tests/support/mariadb_server.h"
#include "watchdog/gameday/data_writer.h"
#include "watchdog/gameday/database_scenarios.h"

namespace watchdog::testing {
namespace {

namespace bk = probes::backup;
namespace gd = gameday;

TEST(GamedayDatabase, DroppedDatabaseRestoredByTheWatchdogLosesExactlyTheRowsSinceTheBackup) {
  TempDir dir;
  PostgresServer server;
  create_shop(server);
  const auto config = shop_config(server, dir / "backups");
  const auto& component = config.components.at(0);
  const auto& target = config.backups.at(0);

  WatchdogProcess watchdog(dir, watchdog_options(fill(shop_backups_yaml(target.directory) + R"(
components:
  - name: db
    probes:
)" + shop_probe_yaml("shop-postgres") + R"(
    recovery:
      backoff: 1s
      actions:
        - name: restore
          kind: restore_latest
          target: main
          timeout: 60s
)",
                                                      {}),
                                                 {{"TEST_SHOP_DSN", shop_dsn(server)}}));
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "db") == "HEALTHY"; }, 15s))
      << watchdog.log();

  Harness harness;
  auto ctx = harness.context(config, component);
  auto scenario = gd::make_database_dropped(config, component);
  ASSERT_FALSE(scenario->plan().empty());
  scenario->prepare(ctx);
  const std::string fresh = harness.memory.value("fresh_backup", "");
  ASSERT_FALSE(fresh.empty()) << harness.all_notes();
  std::this_thread::sleep_for(500ms);  // the runner's confirmation and bookkeeping
  scenario->inject(ctx);
  EXPECT_FALSE(database_exists(server, "shop"));

  ASSERT_TRUE(wait_until(
      [&] {
        return watchdog.log().find("restored main_") != std::string::npos &&
               component_state(watchdog.status(), "db") == "HEALTHY";
      },
      60s))
      << watchdog.log();

  const auto loss = scenario->data_loss(ctx);
  ASSERT_TRUE(loss.has_value());
  std::string error;
  const auto backups = bk::list_backups(target.directory, "main", error);
  ASSERT_EQ(backups.size(), 1u) << error;
  const auto& backup = backups.front();
  EXPECT_EQ(backup.name, fresh);
  const auto in_backup = backup.row_counts.at("public.watchdog_gameday_writes");

  EXPECT_EQ(loss->backup_name, fresh);
  ASSERT_TRUE(loss->backup_started.has_value());
  EXPECT_EQ(*loss->backup_started, backup.started);
  EXPECT_EQ(loss->rpo, 1h);
  EXPECT_GT(loss->rows_present, 0);
  EXPECT_EQ(loss->rows_present, in_backup) << "the restore brought back what the backup held";
  EXPECT_EQ(loss->rows_written, harness.memory.value("rows_written", -1));
  EXPECT_GT(loss->rows_lost(), 0) << "the writer went on after the backup";
  EXPECT_EQ(loss->rows_lost(), loss->rows_written - in_backup)
      << "the RPO figure equals the rows written since the backup";
  ASSERT_TRUE(loss->last_present_written.has_value());
  EXPECT_LE(*loss->last_present_written, backup.finished + 1s);

  scenario->revert(ctx);
  EXPECT_TRUE(database_exists(server, "shop"));
  EXPECT_EQ(shop_counts(server, "shop"), "50|200|3\n");
  EXPECT_EQ(sql(server, "shop", "SELECT to_regclass('watchdog_gameday_writes') IS NULL"), "t\n");
  scenario->revert(ctx);  // idempotent
  for (const auto& text : {harness.all_notes(), harness.memory.dump(), watchdog.log()}) {
    EXPECT_EQ(text.find(server.password()), std::string::npos) << text;
  }
}

// database-dropped without a fresh backup: the writer still runs for a while before the fault
// (rows to lose), and a database a failed restore left empty is restored by the revert — while
// one that holds data again is left as it is.
TEST(GamedayDatabase, DroppedWithoutAFreshBackupWritesFirstAndTheRevertRestoresAnEmptyLeftover) {
  TempDir dir;
  PostgresServer server;
  create_shop(server);
  auto config = shop_config(server, dir / "backups");
  auto& component = config.components.at(0);
  component.gameday.fresh_backup = false;
  const auto& target = config.backups.at(0);
  const auto backup = actions::run_backup(target, 60s);
  ASSERT_TRUE(backup.ok) << backup.error;

  Harness harness;
  auto ctx = harness.context(config, component);
  auto scenario = gd::make_database_dropped(config, component);
  scenario->prepare(ctx);
  scenario->inject(ctx);
  EXPECT_GE(harness.memory.value("rows_written", 0), 5) << "the writer ran before the fault";
  EXPECT_FALSE(database_exists(server, "shop"));
  server.psql("CREATE DATABASE shop");  // what a restore that failed half-way leaves

  scenario->revert(ctx);
  EXPECT_NE(harness.all_notes().find("shop is still empty"), std::string::npos)
      << harness.all_notes();
  EXPECT_EQ(shop_counts(server, "shop"), "50|200|3\n");
  const auto notes = harness.notes.size();
  scenario->revert(ctx);  // holds data now: left alone
  EXPECT_EQ(shop_counts(server, "shop"), "50|200|3\n");
  for (std::size_t i = notes; i < harness.notes.size(); ++i) {
    EXPECT_EQ(harness.notes[i].find("restor"), std::string::npos) << harness.notes[i];
  }
}

// An insert whose answer was lost but whose row is there (an ambiguous commit) is counted once
// and the writer goes on, instead of failing on the duplicate id at every tick.
TEST(GamedayDatabase, WriterCountsARowThatIsAlreadyThereOnce) {
  TempDir dir;
  PostgresServer server;
  create_shop(server);
  const auto config = shop_config(server, dir / "backups");
  gd::DataWriter writer(config.backups.at(0), 20ms);
  writer.create_table();
  sql(server, "shop", "INSERT INTO watchdog_gameday_writes VALUES (1, 0)");
  writer.start();
  ASSERT_TRUE(wait_until([&] { return writer.rows_committed() >= 5; }, 10s));
  const auto rows = writer.stop();
  EXPECT_EQ(writer.failed_inserts(), 0) << writer.last_error();
  EXPECT_EQ(sql(server, "shop", "SELECT count(*) FROM watchdog_gameday_writes"),
            std::to_string(rows) + "\n");
  EXPECT_EQ(gd::written_rows(config.backups.at(0)).rows, rows);
}

TEST(GamedayDatabase, DroppedMysqlDatabaseIsRestoredByTheRevert) {
  TempDir dir;
  MariaDbServer server;
  server.sql(
      "CREATE DATABASE shop; CREATE TABLE shop.items (id INT PRIMARY KEY);"
      "INSERT INTO shop.items VALUES (1), (2), (3)");
  config::Config config;
  config::BackupTargetSpec target;
  target.name = "shop";
  target.kind = config::BackupKind::Mysql;
  target.host = "127.0.0.1";
  target.port = server.port();
  target.user = server.user();
  target.password = config::Secret{server.password(), "inline"};
  target.dbname = "shop";
  target.directory = dir / "backups";
  target.timeout = 60s;
  config.backups = {target};
  config::ComponentSpec component;
  component.name = "mariadb";
  component.gameday.backup_target = "shop";
  component.gameday.fresh_backup = true;
  component.gameday.writer_interval = 100ms;

  Harness harness;
  auto ctx = harness.context(config, component);
  auto scenario = gd::make_database_dropped(config, component);
  scenario->prepare(ctx);
  scenario->inject(ctx);
  EXPECT_EQ(server.sql("SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = "
                       "'shop'"),
            "0\n");

  std::string error;
  const auto backups = bk::list_backups(target.directory, "shop", error);
  ASSERT_EQ(backups.size(), 1u) << error;
  const auto in_backup = backups.front().row_counts.at("watchdog_gameday_writes");
  const auto loss = scenario->data_loss(ctx);
  ASSERT_TRUE(loss.has_value());
  EXPECT_EQ(loss->backup_name, backups.front().name);
  EXPECT_EQ(loss->rows_present, 0) << "nothing restored yet";
  EXPECT_GT(loss->rows_written, in_backup) << "rows went on after the backup";
  EXPECT_GT(in_backup, 0);
  EXPECT_EQ(loss->rows_lost(), loss->rows_written);

  scenario->revert(ctx);
  EXPECT_NE(harness.all_notes().find("still missing"), std::string::npos) << harness.all_notes();
  EXPECT_EQ(server.sql("SELECT COUNT(*) FROM shop.items"), "3\n");
  EXPECT_EQ(server.sql("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_NAME = "
                       "'watchdog_gameday_writes'"),
            "0\n");
  scenario->revert(ctx);  // idempotent: the database is there, the table gone
  for (const auto& text : {harness.all_notes(), harness.memory.dump()}) {
    EXPECT_EQ(text.find(server.password()), std::string::npos) << text;
  }
}

TEST(GamedayDatabase, DroppedWantsABackupToComeBackFrom) {
  TempDir dir;
  PostgresServer server;
  create_shop(server);
  auto config = shop_config(server, dir / "backups");
  config.components.at(0).gameday.fresh_backup = false;
  Harness harness;
  auto ctx = harness.context(config, config.components.at(0));
  auto scenario = gd::make_database_dropped(config, config.components.at(0));
  EXPECT_THROW(scenario->prepare(ctx), gd::ScenarioError);
  EXPECT_TRUE(database_exists(server, "shop"));

  auto& component = config.components.at(0);
  component.gameday.backup_target = "";
  EXPECT_THROW(gd::make_database_dropped(config, component), gd::ScenarioError);
  component.gameday.backup_target = "nope";
  EXPECT_THROW(gd::make_database_dropped(config, component), gd::ScenarioError);
}
}  // namespace
}  // namespace watchdog::testing
