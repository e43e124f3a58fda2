// Backup anomalies end to end (issue #18): real pg_dump backups of a real PostgreSQL 15, then the
// data a bad migration "loses" (TRUNCATE) and one more backup — which succeeds and verifies, so
// only its size gives it away. A running watchdog's `backup` probe turns the component DEGRADED
// with both figures in the detail, and /metrics carries the usual size and the ratio, clean for
// promtool.
#include <gtest/gtest.h>

#include <thread>

#include "actions/backup/backup_runner.h"
#include "probes/backup/backup_catalog.h"
#include "config/units.h"
#include "tests/integration/backup_fixture.h"
#include "tests/integration/harness.h"
#include "tests/support/prometheus_text.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
namespace bk = probes::backup;

TEST(BackupAnomaly, DumpOfADatabaseThatLostItsDataIsDegradedWithBothFigures) {
  TempDir dir;
  PostgresServer server;
  create_shop(server);
  // Enough data that the dump's size is the data's, not pg_dump's fixed overhead.
  sql(server, "shop",
      "CREATE TABLE events (id serial PRIMARY KEY, payload text);"
      "INSERT INTO events (payload) SELECT md5(g::text) || md5((g * 7)::text) "
      "FROM generate_series(1, 30000) g;");
  auto target = shop_target(server, dir / "backups", server.password());
  std::vector<std::uint64_t> sizes;
  for (int i = 0; i < 4; ++i) {
    // A new second for each: two backups started in the same second get the later one's name
    // (and start) moved a second on, which makes its start → finish duration meaningless.
    std::this_thread::sleep_for(1s);
    const auto outcome = actions::run_backup(target, 60s);
    ASSERT_TRUE(outcome.ok && outcome.metadata) << outcome.error;
    sizes.push_back(outcome.metadata->size_bytes);
  }
  sql(server, "shop", "TRUNCATE events");
  std::this_thread::sleep_for(1s);
  const auto small = actions::run_backup(target, 60s);
  ASSERT_TRUE(small.ok && small.metadata) << small.error;
  ASSERT_LT(small.metadata->size_bytes * 2, sizes.back()) << "the test data is too small";

  const std::string yaml = fill(R"(
backups:
  - name: main
    dsn: ${MAIN_DSN}
    directory: @DIR@
components:
  - name: backups
    critical: false
    probes:
      - {name: main-backup, kind: backup, target: main, interval: 1s, timeout: 1s, jitter: 0s, failure_threshold: 1, success_threshold: 1}
)",
                                {{"DIR", target.directory.string()}});
  WatchdogProcess watchdog(dir, watchdog_options(yaml, {{"MAIN_DSN", "host=127.0.0.1"}}));
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "backups") == "DEGRADED"; }, 30s))
      << watchdog.status().dump() << watchdog.log();

  // The four earlier dumps differ by a few bytes at most (timestamps in the header): the usual
  // size is their median, which the probe reports to the byte.
  std::sort(sizes.begin(), sizes.end());
  const double usual = (static_cast<double>(sizes[1]) + static_cast<double>(sizes[2])) / 2;
  const auto component = find_component(watchdog.status(), "backups");
  const std::string detail = component["probes"][0].value("detail", "");
  const std::string expected_start =
      small.metadata->name + " is " + config::format_size(small.metadata->size_bytes) + ", ";
  EXPECT_TRUE(detail.starts_with(expected_start)) << detail;
  EXPECT_TRUE(
      detail.ends_with(" of the usual " + config::format_size(static_cast<std::uint64_t>(usual))))
      << detail;

  const std::string metrics = watchdog.metrics();
  EXPECT_EQ(metric_sum(metrics, "watchdog_backup_usual_size_bytes"), usual);
  const auto ratio = metric_sum(metrics, "watchdog_backup_size_ratio");
  ASSERT_TRUE(ratio);
  EXPECT_NEAR(*ratio, static_cast<double>(small.metadata->size_bytes) / usual, 1e-9);
  EXPECT_TRUE(metric_sum(metrics, "watchdog_backup_usual_duration_seconds")) << metrics;
  EXPECT_FALSE(metric_sum(metrics, "watchdog_backup_late_seconds")) << "the target has no schedule";
  auto lint =
      run_command({kPromtool, "check", "metrics"}, {}, 20s, dir.write("metrics.txt", metrics));
  EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err;
  EXPECT_EQ(lint.out + lint.err, "");
}

// Lateness against the real scheduler (issue #18): an `interval` target whose pg_dump takes ~2 s
// (a wrapper that sleeps, then runs the real pg_dump). The scheduler counts each next run from
// the previous run's finish, so each start comes "the previous run's duration" after start +
// interval — which must not read as late; and while a run holds the backup lock (dumping,
// verifying) the due run has started. Sampled throughout three scheduled runs: the component
// stays HEALTHY and backup_late_seconds stays 0.
TEST(BackupAnomaly, IntervalTargetRunBySchedulerIsNeverLate) {
  TempDir dir;
  PostgresServer server;
  create_shop(server);
  const auto slow_dump = dir.write("slow_pg_dump", "#!/bin/sh\nsleep 2\nexec " + kPgBin +
                                                       "pg_dump \"$@\"\n");
  std::filesystem::permissions(slow_dump, std::filesystem::perms::owner_all);
  const std::string yaml = fill(R"(
backups:
  - name: main
    dsn: ${MAIN_DSN}
    directory: @DIR@
    pg_dump: @DUMP@
    schedule: {interval: 3s}
components:
  - name: backups
    critical: false
    probes:
      - {name: main-backup, kind: backup, target: main, rpo: 1h, grace: 1s, interval: 1s, timeout: 1s, jitter: 0s, failure_threshold: 1, success_threshold: 1}
)",
                                {{"DIR", (dir / "backups").string()}, {"DUMP", slow_dump.string()}});
  const std::string dsn = "host=127.0.0.1 port=" + std::to_string(server.port()) +
                          " user=postgres dbname=shop password=" + server.password();
  WatchdogProcess watchdog(dir, watchdog_options(yaml, {{"MAIN_DSN", dsn}}));

  std::vector<std::string> seen;  // lateness details, in order
  double max_late = 0;
  std::size_t backups = 0;
  const bool ran = wait_until(
      [&] {
        std::string error;
        backups = bk::list_backups(dir / "backups", "main", error).size();
        const auto component = find_component(watchdog.status(), "backups");
        const std::string detail = component["probes"][0].value("detail", "");
        if (detail.find(" late") != std::string::npos ||
            detail.find("has not started") != std::string::npos) {
          seen.push_back(detail);
        }
        if (const auto late = metric_sum(watchdog.metrics(), "watchdog_backup_late_seconds")) {
          max_late = std::max(max_late, *late);
        }
        return backups >= 3;
      },
      60s, 200ms);
  ASSERT_TRUE(ran) << backups << " backups\n" << watchdog.log();
  EXPECT_EQ(seen, std::vector<std::string>{}) << "every scheduled run is on time";
  EXPECT_EQ(max_late, 0);
  EXPECT_TRUE(wait_until(
      [&] { return component_state(watchdog.status(), "backups") == "HEALTHY"; }, 10s))
      << watchdog.status().dump();
}

}  // namespace
}  // namespace watchdog::testing
