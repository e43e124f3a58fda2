// Recovery that is safe to leave on (issue #12), end to end through `watchdog run`:
// - a real PostgreSQL crash is healed by rung 1; a lock held in the same hour is a new incident
//   that climbs from rung 1 again and never reaches the restore — not one row is lost (the old
//   ladder counted attempts per hour, so the second incident started at the restore);
// - three incidents in one hour each start at rung 1, and a fourth ends FAILED as flapping.
#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "actions/backup/backup_runner.h"
#include "tests/integration/backup_fixture.h"
#include "tests/integration/harness.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> started_actions(const std::string& log) {
  std::vector<std::string> started;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    const auto at = line.find("action_start ");
    if (at == std::string::npos) continue;
    const auto name = line.find("action=", at);
    started.push_back(line.substr(name + 7, line.find(' ', name) - name - 7));
  }
  return started;
}

TEST(SafeLadder, ALockAfterACrashClimbsFromRungOneAndNeverRestores) {
  TempDir dir;
  PostgresServer server;
  create_shop(server);
  const auto target = shop_target(server, dir / "backups", server.password());
  auto backup = actions::run_backup(target, 60s);
  ASSERT_TRUE(backup.ok) << backup.error;
  // Rows written after the backup: a restore would lose them.
  sql(server, "shop", "INSERT INTO users (name) SELECT 'late ' || g FROM generate_series(1, 25) g");
  ASSERT_EQ(shop_counts(server, "shop"), "75|200|3\n");

  const std::string yaml = shop_backups_yaml(dir / "backups") + R"(
components:
  - name: db
    probes:
)" + shop_probe_yaml("db-postgres") +
                           fill(R"(
    recovery:
      max_attempts: 3
      backoff: 1s
      max_backoff: 1s
      actions:
        - name: pg-start
          kind: command
          argv: ["runuser", "-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl", "-D", "@DATA@", "-o", "@OPTIONS@", "-l", "@LOG@", "-w", "start"]
          timeout: 30s
        - name: restore-db
          kind: restore_latest
          target: main
          replace: true
          timeout: 60s
)",
                                {{"DATA", server.data_dir().string()},
                                 {"OPTIONS", server.server_options()},
                                 {"LOG", server.log_path().string()}});
  WatchdogProcess watchdog(dir, watchdog_options(yaml, {{"TEST_SHOP_DSN", shop_dsn(server)}}));
  auto state = [&] { return component_state(watchdog.status(), "db"); };
  ASSERT_TRUE(wait_until([&] { return state() == "HEALTHY"; }, 10s)) << watchdog.log();

  // 1. A crash: rung 1 starts the server again.
  server.stop();
  ASSERT_TRUE(wait_until([&] { return started_actions(watchdog.log()).size() == 1; }, 15s))
      << watchdog.log();
  ASSERT_TRUE(wait_until([&] { return state() == "HEALTHY" && server.running(); }, 30s))
      << watchdog.log();

  // 2. Same hour: a migration holds an ACCESS EXCLUSIVE lock for 8 s. The probe's query waits.
  ChildProcess lock({{kPgBin + "psql", "-h", "127.0.0.1", "-p", std::to_string(server.port()), "-U",
                      "postgres", "-d", "shop", "-Xq", "-c",
                      "BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(8); "
                      "COMMIT;"},
                     {{"PGPASSWORD", server.password()}}});
  ASSERT_TRUE(wait_until([&] { return started_actions(watchdog.log()).size() >= 3; }, 20s))
      << watchdog.log();
  ASSERT_TRUE(lock.wait(20s).has_value());
  ASSERT_TRUE(wait_until([&] { return state() == "HEALTHY"; }, 20s)) << watchdog.log();

  const std::string log = watchdog.log();
  for (const auto& action : started_actions(log)) EXPECT_EQ(action, "pg-start") << log;
  EXPECT_NE(log.find("rung_skipped"), std::string::npos) << log;
  // The probe saw the lock for what it is (lock_timeout answers before the check's deadline).
  EXPECT_NE(log.find("skipped restore-db: failure was locked, rung needs not_found|corrupt"),
            std::string::npos)
      << log;
  EXPECT_EQ(shop_counts(server, "shop"), "75|200|3\n") << "not one row lost";

  // The post-incident report of the lock incident says why the restore did not run.
  auto listed = run_command(
      {kWatchdog, "incidents", "list", "--json", "--state-dir", watchdog.state_dir().string()});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const auto incidents = nlohmann::json::parse(listed.out);
  ASSERT_GE(incidents.size(), 2u) << listed.out;
  const auto latest = incidents[0].value("id", "");
  auto report = run_command(
      {kWatchdog, "incidents", "report", latest, "--state-dir", watchdog.state_dir().string()});
  EXPECT_NE(report.out.find("[rung_skipped] skipped restore-db: failure was "), std::string::npos)
      << report.out;
}

TEST(SafeLadder, ThreeIncidentsEachStartAtRungOneAndTheFourthIsFlapping) {
  TempDir dir;
  WebhookReceiver receiver;
  const auto flag = dir / "up";
  const auto actions_log = dir / "actions.log";
  write_script(dir, "nudge.sh", "#!/bin/sh\necho nudge >> " + actions_log.string() + "\nexit 1\n");
  write_script(
      dir, "fix.sh",
      "#!/bin/sh\necho fix >> " + actions_log.string() + "\ntouch " + flag.string() + "\n");
  dir.write("up", "");
  const std::string yaml =
      fast_defaults() +
      fill(R"(
components:
  - name: app
    probes:
      - name: app-up
        kind: command
        argv: ["/bin/sh", "-c", "test -f @FLAG@ || exit 2"]
    recovery:
      max_attempts: 3
      max_incidents: 3
      backoff: 200ms
      max_backoff: 200ms
      actions:
        - name: nudge
          kind: command
          argv: ["@DIR@/nudge.sh"]
        - name: fix
          kind: command
          argv: ["@DIR@/fix.sh"]
alerts:
  - name: hook
    kind: webhook
    url: @URL@
)",
           {{"FLAG", flag.string()}, {"DIR", dir.path().string()}, {"URL", receiver.url()}});
  WatchdogProcess watchdog(dir, watchdog_options(yaml));
  auto state = [&] { return component_state(watchdog.status(), "app"); };
  ASSERT_TRUE(wait_until([&] { return state() == "HEALTHY"; }, 10s)) << watchdog.log();
  for (int incident = 1; incident <= 3; ++incident) {
    std::filesystem::remove(flag);
    ASSERT_TRUE(wait_until([&] { return lines_of(actions_log).size() == 2u * incident; }, 15s))
        << watchdog.log();
    ASSERT_TRUE(wait_until([&] { return state() == "HEALTHY"; }, 10s)) << watchdog.log();
  }
  EXPECT_EQ(lines_of(actions_log),
            (std::vector<std::string>{"nudge", "fix", "nudge", "fix", "nudge", "fix"}));

  std::filesystem::remove(flag);
  ASSERT_TRUE(wait_until([&] { return state() == "FAILED"; }, 10s)) << watchdog.log();
  std::this_thread::sleep_for(1s);
  EXPECT_EQ(lines_of(actions_log).size(), 6u) << "no action for the fourth incident";
  ASSERT_TRUE(wait_until(
      [&] {
        for (const auto& alert : receiver.requests("POST")) {
          if (alert.json.value("to", "") == "FAILED") return true;
        }
        return false;
      },
      10s));
  for (const auto& alert : receiver.requests("POST")) {
    if (alert.json.value("to", "") != "FAILED") continue;
    EXPECT_NE(alert.json.value("reason", "")
                  .find("flapping: 3 incident(s) needed recovery within "
                        "1h (max_incidents 3)"),
              std::string::npos)
        << alert.body;
  }
}

}  // namespace
}  // namespace watchdog::testing
