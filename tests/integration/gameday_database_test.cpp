// The database game-day scenarios (issue #19) driven directly, step by step as the runner will,
// against real servers: database-dropped on PostgreSQL with a real `watchdog run` restoring it
// (the RPO figure equals the rows written since the backup), on MariaDB with the revert
// restoring it; database-stopped through pg_ctl; database-corrupted on a table's file.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <thread>

#include "actions/backup/restore.h"
#include "config/loader.h"
#include "probes/backup/backup_catalog.h"
#include "tests/integration/backup_fixture.h"
#include "tests/integration/harness.h"
#include "tests/support/mariadb_server.h"
#include "watchdog/gameday/data_writer.h"
#include "watchdog/gameday/database_scenarios.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
namespace bk = probes::backup;
namespace gd = gameday;

// What the runner hands a scenario, kept by the test: memory, the notes, no interruption.
struct Harness {
  nlohmann::json memory = nlohmann::json::object();
  std::vector<std::string> notes;
  int saves = 0;

  gd::Context context(const config::Config& config, const config::ComponentSpec& component) {
    return gd::Context{config,
                       component,
                       memory,
                       [this] { ++saves; },
                       [this](const std::string& line) { notes.push_back(line); },
                       [] { return false; },
                       [](const std::string&, const std::string&) {}};
  }
  std::string all_notes() const {
    std::string text;
    for (const auto& note : notes) text += note + "\n";
    return text;
  }
};

void use_pg_ctl(config::ComponentSpec& component, const PostgresServer& server) {
  component.gameday.service.stop = pg_ctl(server, {"-w", "stop", "-m", "fast"});
  component.gameday.service.start = pg_ctl(
      server, {"-o", server.server_options(), "-l", server.log_path().string(), "-w", "start"});
}

// A component `db` with a postgres probe on `shop` (loaded from YAML, so the probe's options are
// real), the backup target `main` beside it.
config::Config shop_config(const PostgresServer& server, const std::filesystem::path& backups) {
  auto config = config::load_config_text(R"(
components:
  - name: db
    probes:
      - name: shop-postgres
        kind: postgres
        dsn: ")" + shop_dsn(server) + R"("
        timeout: 2s
)",
                                         "gameday-test.yaml");
  config.backups = {shop_target(server, backups, server.password())};
  config.backups[0].rpo = 1h;
  auto& gameday = config.components.at(0).gameday;
  gameday.backup_target = "main";
  gameday.fresh_backup = true;
  gameday.writer_interval = 100ms;
  return config;
}

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

TEST(GamedayDatabase, StoppedDatabaseIsStartedByTheRevertOnceAndOnlyOnce) {
  TempDir dir;
  PostgresServer server;
  create_shop(server);
  auto config = shop_config(server, dir / "backups");
  auto& component = config.components.at(0);
  use_pg_ctl(component, server);

  Harness harness;
  auto ctx = harness.context(config, component);
  auto scenario = gd::make_database_stopped(config, component);
  const auto plan = scenario->plan();
  ASSERT_EQ(plan.size(), 3u);
  EXPECT_NE(plan[0].find("pg_ctl"), std::string::npos) << plan[0];

  scenario->inject(ctx);
  EXPECT_FALSE(server.running());
  EXPECT_THROW(server.psql("SELECT 1"), std::runtime_error);

  scenario->revert(ctx);
  EXPECT_TRUE(server.running());
  EXPECT_EQ(shop_counts(server, "shop"), "50|200|3\n");
  EXPECT_NE(harness.all_notes().find("started db"), std::string::npos) << harness.all_notes();

  // The watchdog (or an earlier revert) started it already: pg_ctl start would fail now.
  scenario->revert(ctx);
  EXPECT_TRUE(server.running());
  EXPECT_NE(harness.all_notes().find("db is up already"), std::string::npos) << harness.all_notes();
}

TEST(GamedayDatabase, CorruptedTableFailsToReadUntilTheRevertPutsItsFileBack) {
  TempDir dir;
  PostgresServer server;
  create_shop(server);
  auto config = shop_config(server, dir / "backups");
  config.watchdog.state_dir = dir / "state";
  auto& component = config.components.at(0);
  use_pg_ctl(component, server);
  component.gameday.data_dir = server.data_dir().string();

  Harness harness;
  auto ctx = harness.context(config, component);
  auto scenario = gd::make_database_corrupted(config, component);
  EXPECT_EQ(sql(server, "shop", gd::kWriterProbeQuery), "0\n") << "no game day: the probe passes";
  scenario->prepare(ctx);
  EXPECT_EQ(sql(server, "shop", gd::kWriterProbeQuery), "1000\n");
  EXPECT_EQ(sql(server, "shop", "SELECT count(*) FROM watchdog_gameday_writes"), "1000\n");
  scenario->inject(ctx);
  EXPECT_TRUE(server.running());
  try {
    sql(server, "shop", "SELECT count(*) FROM watchdog_gameday_writes");
    ADD_FAILURE() << "the damaged table still reads";
  } catch (const std::runtime_error& error) {
    EXPECT_NE(std::string(error.what()).find("invalid page"), std::string::npos) << error.what();
  }
  EXPECT_THROW(sql(server, "shop", gd::kWriterProbeQuery), std::runtime_error)
      << "the probe query sees the damage";
  EXPECT_EQ(shop_counts(server, "shop"), "50|200|3\n") << "only the scenario's table is damaged";
  const std::string copy = harness.memory.value("copy", "");
  ASSERT_TRUE(std::filesystem::exists(copy)) << copy;

  scenario->revert(ctx);
  EXPECT_NE(harness.all_notes().find("reads again: 1000 rows"), std::string::npos)
      << harness.all_notes();
  EXPECT_TRUE(server.running());
  EXPECT_EQ(sql(server, "shop", "SELECT to_regclass('watchdog_gameday_writes') IS NULL"), "t\n");
  EXPECT_FALSE(std::filesystem::exists(copy));
  EXPECT_EQ(sql(server, "shop", gd::kWriterProbeQuery), "0\n");
  scenario->revert(ctx);  // idempotent
  EXPECT_EQ(shop_counts(server, "shop"), "50|200|3\n");
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

// What each factory needs, said before anything is touched (no server involved).
TEST(GamedayDatabase, FactoriesSayWhatIsMissing) {
  config::Config config;
  config::BackupTargetSpec mysql;
  mysql.name = "orders";
  mysql.kind = config::BackupKind::Mysql;
  mysql.dbname = "orders";
  config::BackupTargetSpec files;
  files.name = "assets";
  files.kind = config::BackupKind::Files;
  config.backups = {mysql, files};
  config::ComponentSpec component;
  component.name = "db";

  auto refusal = [&](auto make) -> std::string {
    try {
      make(config, component);
    } catch (const gd::ScenarioError& error) {
      return error.what();
    }
    return "";
  };
  EXPECT_NE(refusal(gd::make_database_stopped).find("database-stopped"), std::string::npos);
  EXPECT_NE(refusal(gd::make_redis_down).find("no gameday container"), std::string::npos);
  EXPECT_NE(refusal(gd::make_database_dropped).find("needs gameday.backup_target"),
            std::string::npos);
  component.gameday.backup_target = "assets";
  EXPECT_NE(refusal(gd::make_database_dropped).find("kind files"), std::string::npos);
  component.gameday.backup_target = "orders";
  EXPECT_EQ(refusal(gd::make_database_dropped), "");
  EXPECT_NE(refusal(gd::make_database_corrupted).find("not kind postgres"), std::string::npos);

  config.backups[0].kind = config::BackupKind::Postgres;
  config.backups[0].host = "127.0.0.1";
  EXPECT_NE(refusal(gd::make_database_corrupted).find("needs gameday.data_dir"), std::string::npos);
  component.gameday.data_dir = "/data";
  EXPECT_NE(refusal(gd::make_database_corrupted).find("needs gameday.container"),
            std::string::npos);
  component.gameday.service.container = "app-postgres";
  EXPECT_EQ(refusal(gd::make_database_corrupted), "");
  EXPECT_EQ(refusal(gd::make_database_stopped), "");
  const auto plan = gd::make_database_corrupted(config, component)->plan();
  ASSERT_FALSE(plan.empty());
  EXPECT_NE(plan[1].find("DAMAGES A DATA FILE"), std::string::npos) << plan[1];
  EXPECT_NE(plan[1].find("docker stop app-postgres"), std::string::npos) << plan[1];
}

// redis-down with the operator's argv: a daemonized redis-server stopped by redis-cli shutdown;
// the revert starts it once, and a second revert finds it answering (its redis probe passes)
// instead of failing on the port in use.
TEST(GamedayDatabase, RedisDownIsStartedByTheRevertOnceAndOnlyOnce) {
  TempDir dir;
  const int port = free_port();
  const auto pidfile = dir / "redis.pid";
  const std::vector<std::string> start = {"/usr/bin/redis-server",
                                          "--port",
                                          std::to_string(port),
                                          "--bind",
                                          "127.0.0.1",
                                          "--save",
                                          "",
                                          "--daemonize",
                                          "yes",
                                          "--pidfile",
                                          pidfile.string(),
                                          "--dir",
                                          dir.path().string()};
  auto ping = [&] {
    return run_command(
               {"/usr/bin/redis-cli", "-h", "127.0.0.1", "-p", std::to_string(port), "PING"})
        .out;
  };
  ASSERT_EQ(run_command(start).exit_code, 0);
  ASSERT_TRUE(wait_until([&] { return ping() == "PONG\n"; }, 10s));
  struct KillByPid {  // the daemonized server is ours: end it by its pid, whatever happens
    std::filesystem::path pidfile;
    ~KillByPid() {
      std::ifstream in(pidfile);
      if (pid_t pid = 0; in >> pid && pid > 1) ::kill(pid, SIGKILL);
    }
  } cleanup{pidfile};

  auto config = config::load_config_text(R"(
components:
  - name: cache
    probes:
      - name: cache-redis
        kind: redis
        host: 127.0.0.1
        port: )" + std::to_string(port) + R"(
        timeout: 2s
)",
                                         "gameday-test.yaml");
  auto& component = config.components.at(0);
  component.gameday.service.stop = {"/usr/bin/redis-cli", "-h",       "127.0.0.1", "-p",
                                    std::to_string(port), "shutdown", "nosave"};
  component.gameday.service.start = start;

  Harness harness;
  auto ctx = harness.context(config, component);
  auto scenario = gd::make_redis_down(config, component);
  EXPECT_NE(scenario->plan().at(0).find("redis-cli"), std::string::npos);
  scenario->revert(ctx);  // never stopped: nothing to do
  EXPECT_TRUE(harness.notes.empty());

  scenario->inject(ctx);
  EXPECT_TRUE(wait_until([&] { return ping() != "PONG\n"; }, 10s));
  scenario->revert(ctx);
  EXPECT_TRUE(wait_until([&] { return ping() == "PONG\n"; }, 10s));
  EXPECT_NE(harness.all_notes().find("started cache"), std::string::npos) << harness.all_notes();
  scenario->revert(ctx);
  EXPECT_NE(harness.all_notes().find("cache is up already"), std::string::npos)
      << harness.all_notes();
  EXPECT_EQ(ping(), "PONG\n");
}

}  // namespace
}  // namespace watchdog::testing
