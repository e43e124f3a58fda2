// The database game-day scenarios that stop or damage a server, driven directly as the runner
// will, against real servers (issue #19): database-stopped through pg_ctl, database-corrupted
// on a table's file (and its revert refusing to write under a running server), redis-down
// through redis-cli/redis-server, and what each factory needs.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "tests/integration/gameday_database_fixture.h"
#include "watchdog/gameday/data_writer.h"
#include "watchdog/gameday/database_scenarios.h"

namespace watchdog::testing {
namespace {

namespace gd = gameday;

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

// The daemon may start the server again between the revert's stop and its copy: the copy is
// then refused (an old file image under a running server), not written. Here the stop command
// does nothing, so the server keeps running; a revert with the real stop mends it afterwards.
TEST(GamedayDatabase, CorruptedRevertNeverWritesTheCopyUnderARunningServer) {
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
  scenario->prepare(ctx);
  scenario->inject(ctx);
  const auto file = server.data_dir() / harness.memory.value("file", "");
  auto first_bytes = [&] {
    std::ifstream in(file, std::ios::binary);
    std::string head(24, '\0');
    in.read(head.data(), 24);
    return head;
  };
  ASSERT_EQ(first_bytes(), std::string(24, '\xff'));

  auto stuck = config;
  stuck.components.at(0).gameday.service.stop = {"/bin/true"};
  auto stuck_scenario = gd::make_database_corrupted(stuck, stuck.components.at(0));
  auto stuck_ctx = harness.context(stuck, stuck.components.at(0));
  try {
    stuck_scenario->revert(stuck_ctx);
    ADD_FAILURE() << "the revert wrote under a running server";
  } catch (const gd::ScenarioError& error) {
    EXPECT_NE(std::string(error.what()).find("running again"), std::string::npos) << error.what();
  }
  EXPECT_TRUE(server.running());
  EXPECT_EQ(first_bytes(), std::string(24, '\xff')) << "the file was left alone";

  scenario->revert(ctx);
  EXPECT_NE(harness.all_notes().find("reads again: 1000 rows"), std::string::npos)
      << harness.all_notes();
  EXPECT_EQ(shop_counts(server, "shop"), "50|200|3\n");
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
