// Schedules inside `watchdog run` (issue #4): a target with `schedule` and `drill` gets a
// backup and a passing drill without any action; a scheduled backup that fails (wrong
// password) reaches the operator as an alert through the `backup` probe.
#include <gtest/gtest.h>

#include "probes/backup/backup_catalog.h"
#include "tests/integration/backup_fixture.h"
#include "tests/integration/harness.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
namespace bk = probes::backup;

TEST(BackupSchedule, RunsBackupsAndDrillsAndAlertsOnFailure) {
  TempDir dir;
  PostgresServer server;
  create_shop(server);
  WebhookReceiver receiver;
  const std::string base =
      "host=127.0.0.1 port=" + std::to_string(server.port()) + " user=postgres dbname=shop";
  const std::string yaml = fill(R"(
backups:
  - name: good
    dsn: ${GOOD_DSN}
    directory: @DIR@
    pg_dump: /usr/lib/postgresql/15/bin/pg_dump
    pg_restore: /usr/lib/postgresql/15/bin/pg_restore
    schedule: {interval: 1h}
    drill: {interval: 1h}
  - name: bad
    dsn: ${BAD_DSN}
    directory: @DIR@
    pg_dump: /usr/lib/postgresql/15/bin/pg_dump
    schedule: {interval: 1h}
components:
  - name: good-backups
    probes:
      - {name: good-backup, kind: backup, target: good, drill_max_age: 1h, interval: 1s, timeout: 1s, jitter: 0s, recheck_interval: 200ms, failure_threshold: 1, success_threshold: 1}
  - name: bad-backups
    critical: false
    probes:
      - {name: bad-backup, kind: backup, target: bad, interval: 1s, timeout: 1s, jitter: 0s, recheck_interval: 200ms, failure_threshold: 2, success_threshold: 1}
alerts:
  - name: hook
    kind: webhook
    url: @URL@
)",
                                {{"DIR", (dir / "backups").string()}, {"URL", receiver.url()}});
  WatchdogProcess watchdog(
      dir, watchdog_options(yaml, {{"GOOD_DSN", base + " password=" + server.password()},
                                   {"BAD_DSN", base + " password=nope"}}));
  ASSERT_TRUE(wait_until(
      [&] {
        const auto status = bk::read_status(dir / "backups", "good");
        return status.last_drill.has_value() &&
               component_state(watchdog.status(), "good-backups") == "HEALTHY";
      },
      30s))
      << watchdog.log();
  const auto status = bk::read_status(dir / "backups", "good");
  EXPECT_TRUE(status.last_drill->ok) << status.last_drill->detail;
  EXPECT_TRUE(status.last_attempt->ok);
  std::string error;
  EXPECT_EQ(bk::list_backups(dir / "backups", "good", error).size(), 1u);

  ASSERT_TRUE(wait_until(
      [&] { return component_state(watchdog.status(), "bad-backups") == "DEGRADED"; }, 20s))
      << watchdog.log();
  ASSERT_TRUE(receiver.wait_for(1, 10s));
  bool alerted = false;
  for (const auto& alert : receiver.requests("POST")) {
    const std::string body = alert.body;
    if (alert.json.value("component", "") != "bad-backups") continue;
    alerted = body.find("backup of bad failed at") != std::string::npos &&
              body.find("password authentication failed") != std::string::npos;
    EXPECT_EQ(body.find("nope"), std::string::npos);
  }
  EXPECT_TRUE(alerted) << receiver.requests("POST").front().body;
  EXPECT_TRUE(bk::list_backups(dir / "backups", "bad", error).empty());
  EXPECT_NE(watchdog.log().find("scheduled_drill target=good ok=true"), std::string::npos)
      << watchdog.log();
  EXPECT_EQ(watchdog.log().find(server.password()), std::string::npos);
}

}  // namespace
}  // namespace watchdog::testing
