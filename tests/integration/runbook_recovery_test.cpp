// Seed 004's documented restore as one runbook rung, end to end on a real Docker engine and a
// real PostgreSQL (issue #12): the database is dropped → the `db` component runs
// stop backend → restore_latest → migration → start backend, in that order (the migration sees
// the backend stopped), and every component is HEALTHY again with the rows back.
#include <gtest/gtest.h>

#include "actions/backup/backup_runner.h"
#include "tests/integration/backup_fixture.h"
#include "tests/integration/docker_fixture.h"
#include "tests/integration/harness.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;

TEST(RunbookRecovery, Seed004StopRestoreMigrateStartEndsHealthy) {
  TempDir dir;
  DockerdServer engine;
  PostgresServer server;
  create_shop(server);
  const auto target = shop_target(server, dir / "backups", server.password());
  auto backup = actions::run_backup(target, 60s);
  ASSERT_TRUE(backup.ok) << backup.error;
  engine.docker_ok(healthy_web("backend"));
  wait_healthy(engine, "backend");

  const auto steps_log = dir / "steps.log";
  // The migration: notes whether the backend is stopped while it runs, then changes the schema.
  write_script(dir, "migrate.sh",
               "#!/bin/sh\nset -e\nrunning=$(/usr/bin/docker -H unix://" +
                   engine.socket().string() +
                   " inspect -f '{{.State.Running}}' backend)\necho \"migrate "
                   "backend_running=$running\" >> " +
                   steps_log.string() + "\n" + kPgBin + "psql -h 127.0.0.1 -p " +
                   std::to_string(server.port()) +
                   " -U postgres -d shop -Xq -v ON_ERROR_STOP=1 -c "
                   "'CREATE TABLE alembic_version (version_num text PRIMARY KEY); "
                   "INSERT INTO alembic_version VALUES ($$head$$)'\n");
  // Both docker_start steps: the runbook's own stop must not count as an operator's.
  const std::string start_backend = fill(R"(
              kind: docker_start
              socket: @SOCKET@
              container: backend
              respect_manual_stop: false
              timeout: 20s)",
                                         {{"SOCKET", engine.socket().string()}});
  const std::string yaml = shop_backups_yaml(dir / "backups") + R"(
components:
  - name: db
    probes:
)" + shop_probe_yaml("db-postgres") +
                           fill(R"(
    recovery:
      backoff: 1s
      actions:
        - name: restore-runbook
          steps:
            - name: stop-backend
              kind: docker_stop
              socket: @SOCKET@
              container: backend
              stop_timeout: 1s
              timeout: 20s
            - name: restore-db
              kind: restore_latest
              target: main
              replace: true
              timeout: 60s
            - name: migrate
              kind: command
              argv: ["@DIR@/migrate.sh"]
              env: {PGPASSWORD: "${TEST_PG_PASSWORD}"}
              timeout: 20s
            - name: start-backend@START@
          on_failure:
            - name: start-backend-again@START@
  - name: backend
    depends_on: [db]
    probes:
      - name: backend-container
        kind: docker
        socket: @SOCKET@
        container: backend
        interval: 1s
        timeout: 1s
        jitter: 0s
        recheck_interval: 200ms
        failure_threshold: 2
        success_threshold: 1
)",
                                {{"SOCKET", engine.socket().string()},
                                 {"START", start_backend},
                                 {"DIR", dir.path().string()}});
  WatchdogProcess watchdog(dir, watchdog_options(yaml, {{"TEST_SHOP_DSN", shop_dsn(server)},
                                                        {"TEST_PG_PASSWORD", server.password()}}));
  auto state = [&](const char* component) { return component_state(watchdog.status(), component); };
  ASSERT_TRUE(
      wait_until([&] { return state("db") == "HEALTHY" && state("backend") == "HEALTHY"; }, 15s))
      << watchdog.log();

  sql(server, "postgres", "DROP DATABASE shop WITH (FORCE)");
  ASSERT_TRUE(wait_until([&] { return lines_of(steps_log).size() == 1; }, 30s)) << watchdog.log();
  ASSERT_TRUE(wait_until(
      [&] {
        return state("db") == "HEALTHY" && state("backend") == "HEALTHY" &&
               engine.inspect("backend")["State"].value("Running", false);
      },
      30s))
      << watchdog.log();

  EXPECT_EQ(lines_of(steps_log), (std::vector<std::string>{"migrate backend_running=false"}));
  EXPECT_EQ(shop_counts(server, "shop"), "50|200|3\n");
  EXPECT_EQ(sql(server, "shop", "SELECT version_num FROM alembic_version"), "head\n");
  const std::string log = watchdog.log();
  EXPECT_NE(log.find("action_done component=db action=restore-runbook ok=true"), std::string::npos)
      << log;
  const auto runbook_line = log.substr(log.find("action_done component=db"));
  EXPECT_NE(runbook_line.find("4 steps in "), std::string::npos) << runbook_line;
}

}  // namespace
}  // namespace watchdog::testing
