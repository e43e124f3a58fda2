// The `backup` probe on synthetic catalogs: what it reports for no backups, an RPO breach, a
// failed attempt, a failed verification, a truncated file, drills and redundancy.
#include "probes/backup_probe.h"

#include <gtest/gtest.h>

#include "probes/backup/backup_attempts.h"
#include "tests/unit/probes/backup_probe_fixture.h"

namespace watchdog::probes {
namespace {

using namespace std::chrono_literals;
using testing::measurement;
namespace bk = backup;

TEST_F(BackupProbeTest, FreshVerifiedBackupIsHealthyWithMetrics) {
  const auto m = backup(10min);
  auto result = check();
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_NE(result.detail.find(m.name), std::string::npos) << result.detail;
  EXPECT_NEAR(measurement(result, "backup_age_seconds"), 600, 3);
  EXPECT_EQ(measurement(result, "backup_size_bytes"), 8);
  EXPECT_EQ(measurement(result, "backup_rpo_seconds"), 3600);
  EXPECT_EQ(measurement(result, "backup_good_backups"), 1);
  EXPECT_EQ(measurement(result, "backup_verify_failures_total"), 0);
  EXPECT_NEAR(measurement(result, "backup_last_success_timestamp_seconds"),
              std::chrono::duration<double>(m.finished.time_since_epoch()).count(), 0.5);
}

TEST_F(BackupProbeTest, RpoBreachAndMissingBackupsAreUnhealthy) {
  auto none = check();
  EXPECT_EQ(none.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(none.failure, FailureKind::NotFound);
  EXPECT_TRUE(none.detail.starts_with("no verified backup of main")) << none.detail;

  backup(3h);
  auto old = check();
  EXPECT_EQ(old.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(old.failure, FailureKind::Threshold);
  EXPECT_NE(old.detail.find("is 3h old (RPO 1h)"), std::string::npos) << old.detail;
  EXPECT_EQ(check("        rpo: 4h\n").status, ProbeStatus::Healthy);
}

TEST_F(BackupProbeTest, UnverifiedBackupsDoNotCountButFailedNewestIsReported) {
  backup(2h);
  backup(5min, std::nullopt);  // written, never re-read
  auto result = check();
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy) << result.detail;
  EXPECT_EQ(result.failure, FailureKind::Threshold);

  backup(1min, false);
  auto failed = check();
  EXPECT_EQ(failed.failure, FailureKind::BadResponse);
  EXPECT_NE(failed.detail.find("failed verification: checksum mismatch"), std::string::npos)
      << failed.detail;
}

TEST_F(BackupProbeTest, TruncatedNewestBackupIsCaughtWithoutHashing) {
  const auto m = backup(1min);
  std::filesystem::resize_file(dir / m.file, 3);
  auto result = check();
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_NE(result.detail.find("(truncated)"), std::string::npos) << result.detail;
}

TEST_F(BackupProbeTest, FailedAttemptAfterTheNewestBackupAlerts) {
  backup(10min);
  std::string error;
  const auto at = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  ASSERT_TRUE(bk::update_status(
      dir.path(), "main",
      [&](bk::TargetStatus& s) {
        s.last_attempt = bk::Attempt{at, false, "",
                                     "cannot connect to main: password "
                                     "authentication failed for user \"app\""};
        s.verify_failures = 3;
      },
      error));
  auto result = check();
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(result.failure, FailureKind::Error);
  EXPECT_EQ(result.detail, "backup of main failed at " + bk::format_iso_time(at) +
                               ": cannot connect to main: password authentication failed for "
                               "user \"app\"");
  EXPECT_EQ(measurement(result, "backup_verify_failures_total"), 3);

  const auto later = backup(0s);  // a later success (the engine records it) clears it
  ASSERT_TRUE(bk::update_status(
      dir.path(), "main",
      [&](bk::TargetStatus& s) {
        s.last_attempt = bk::Attempt{later.finished, true, later.name, ""};
      },
      error));
  EXPECT_EQ(check().status, ProbeStatus::Healthy);
}

TEST_F(BackupProbeTest, DrillsAndRedundancy) {
  backup(10min);
  EXPECT_EQ(check("        drill_max_age: 1d\n").status, ProbeStatus::Unhealthy);
  std::string error;
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  bk::update_status(
      dir.path(), "main",
      [&](bk::TargetStatus& s) {
        s.last_drill = bk::Drill{now, true, "x", "ok", 4.5};
        s.last_drill_success = now - 2h;
      },
      error);
  auto fresh = check("        drill_max_age: 1d\n");
  EXPECT_EQ(fresh.status, ProbeStatus::Healthy) << fresh.detail;
  EXPECT_GT(measurement(fresh, "restore_drill_last_success_timestamp_seconds"), 0);
  auto stale = check("        drill_max_age: 1h\n");
  EXPECT_EQ(stale.failure, FailureKind::Threshold);
  // `now` was floored to the second: the check may run in the next one.
  EXPECT_TRUE(stale.detail.find("restore drill was 2h ago") != std::string::npos ||
              stale.detail.find("restore drill was 2h1s ago") != std::string::npos)
      << stale.detail;

  bk::update_status(
      dir.path(), "main",
      [&](bk::TargetStatus& s) {
        s.last_drill = bk::Drill{now, false, "x", "public.t: 1 rows", std::nullopt};
      },
      error);
  auto failed = check();
  EXPECT_EQ(failed.failure, FailureKind::BadResponse);
  EXPECT_NE(failed.detail.find("last restore drill failed at"), std::string::npos);

  bk::update_status(
      dir.path(), "main", [&](bk::TargetStatus& s) { s.last_drill.reset(); }, error);
  auto thin = check("        min_redundancy: 2\n");
  EXPECT_EQ(thin.status, ProbeStatus::Degraded) << thin.detail;
}

double unix_time(bk::SystemTime at) {
  return std::chrono::duration<double>(at.time_since_epoch()).count();
}

TEST_F(BackupProbeTest, ReportsStorageDurationAndRecoveryWindow) {
  backup(5h, std::nullopt, "unverified");  // kept, counts for storage, not restorable
  const auto oldest_good = backup(3h);
  backup(10min);
  auto result = check("        rpo: 1d\n");
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_EQ(measurement(result, "backup_storage_bytes"), 10 + 8 + 8);
  EXPECT_EQ(measurement(result, "backup_duration_seconds"), 2);  // newest: started 2 s earlier
  EXPECT_EQ(measurement(result, "backup_oldest_restorable_timestamp_seconds"),
            unix_time(oldest_good.finished));
  // Nothing failed yet: 0, so that `time() - x` alerts need no absent() special case.
  EXPECT_EQ(measurement(result, "backup_last_failure_timestamp_seconds"), 0);
  EXPECT_EQ(measurement(result, "restore_drill_last_failure_timestamp_seconds"), 0);
  EXPECT_EQ(measurement(result, "restore_drill_duration_seconds"), -1) << "no drill yet";

  std::filesystem::resize_file(dir / oldest_good.file, 1);  // no longer restorable
  EXPECT_GT(measurement(check("        rpo: 1d\n"), "backup_oldest_restorable_timestamp_seconds"),
            unix_time(oldest_good.finished));
}

TEST_F(BackupProbeTest, NoBackupsStillReportsStorageAndFailureTimes) {
  auto result = check();
  EXPECT_EQ(measurement(result, "backup_storage_bytes"), 0);
  EXPECT_EQ(measurement(result, "backup_last_failure_timestamp_seconds"), 0);
  EXPECT_EQ(measurement(result, "backup_duration_seconds"), -1);
  EXPECT_EQ(measurement(result, "backup_oldest_restorable_timestamp_seconds"), -1);
}

TEST_F(BackupProbeTest, LastFailureOutlivesALaterSuccess) {
  const auto failed_at = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  std::string error;
  ASSERT_EQ(
      bk::record_attempt(dir.path(), {}, "main", {failed_at - 1min, false, "", "disk full"}, error),
      bk::RecordedIn::Beside)
      << error;
  const auto good = backup(0s);
  ASSERT_EQ(bk::record_attempt(dir.path(), {}, "main", {good.finished, true, good.name, ""}, error),
            bk::RecordedIn::Beside);
  auto result = check();
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_EQ(measurement(result, "backup_last_failure_timestamp_seconds"),
            unix_time(failed_at - 1min));
}

TEST_F(BackupProbeTest, StatusFileWithoutTheNewFieldsStillGivesFailureTimes) {
  // As written before last_failure_at, last_drill_failure_at and the drill's seconds existed.
  dir.write("main.status.json", R"({"kind": "watchdog-backup-status", "target": "main",
    "verify_failures": 0,
    "last_attempt": {"at": "2026-11-22T03:15:00Z", "ok": false, "backup": "", "error": "x"},
    "last_drill": {"at": "2026-11-23T04:00:00Z", "ok": false, "backup": "b", "detail": "y"}})");
  auto result = check();
  EXPECT_EQ(measurement(result, "backup_last_failure_timestamp_seconds"),
            unix_time(*bk::parse_backup_time("20261122T031500Z")));
  EXPECT_EQ(measurement(result, "restore_drill_last_failure_timestamp_seconds"),
            unix_time(*bk::parse_backup_time("20261123T040000Z")));
  EXPECT_EQ(measurement(result, "restore_drill_duration_seconds"), -1);
}

TEST_F(BackupProbeTest, DrillDurationAndLastDrillFailure) {
  backup(10min);
  const auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  std::string error;
  ASSERT_TRUE(bk::update_status(
      dir.path(), "main",
      [&](bk::TargetStatus& s) {
        s.last_drill_failure = now - 1h;
        s.last_drill = bk::Drill{now, true, "x", "ok", 12.5};
        s.last_drill_success = now;
      },
      error));
  const auto status = bk::read_status(dir.path(), "main");  // the new fields survive a round trip
  ASSERT_TRUE(status.last_drill && status.last_drill->seconds);
  EXPECT_EQ(*status.last_drill->seconds, 12.5);
  auto result = check();
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_EQ(measurement(result, "restore_drill_duration_seconds"), 12.5);
  EXPECT_EQ(measurement(result, "restore_drill_last_failure_timestamp_seconds"),
            unix_time(now - 1h));
}

TEST_F(BackupProbeTest, UnknownTargetIsAConfigError) {
  auto config = config::load_config_text(
      "components:\n  - name: b\n    probes:\n      - name: p\n        kind: backup\n"
      "        target: nope\n",
      "test.yaml");
  try {
    make_probe(config.components.at(0).probes.at(0), config.backups);
    FAIL() << "accepted an unknown target";
  } catch (const config::ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("unknown backup target 'nope'"), std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace watchdog::probes
