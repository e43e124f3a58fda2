// The `backup` probe's anomalies (issue #18) on real catalog entries and data files: a small or
// fast newest backup, and lateness against the target's schedule (chosen relative to the real
// time, since the probe reads the system clock).
#include <gtest/gtest.h>

#include "config/time_text.h"
#include "probes/backup_probe.h"
#include "tests/unit/probes/backup_probe_fixture.h"

namespace watchdog::probes {
namespace {

using namespace std::chrono_literals;
using testing::measurement;
namespace bk = backup;

constexpr std::size_t kMiB = 1024 * 1024;

bk::SystemTime now_seconds() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

TEST_F(BackupProbeTest, SmallNewestBackupIsDegradedWithBothFigures) {
  const std::string usual(5 * kMiB, 'x');
  for (int hours = 6; hours >= 1; --hours) backup(std::chrono::hours(hours) + 10min, true, usual);
  const auto small = backup(10min, true, std::string(1 * kMiB, 'x'));

  auto result = check("        rpo: 1d\n");
  EXPECT_EQ(result.status, ProbeStatus::Degraded) << result.detail;
  EXPECT_EQ(result.failure, FailureKind::Threshold);
  EXPECT_EQ(result.detail, small.name + " is 1 MiB, 20 % of the usual 5 MiB");
  EXPECT_EQ(measurement(result, "backup_usual_size_bytes"), 5.0 * kMiB);
  EXPECT_DOUBLE_EQ(measurement(result, "backup_size_ratio"), 0.2);
  EXPECT_EQ(measurement(result, "backup_usual_duration_seconds"), 2);  // 2 s each, not judged
  EXPECT_EQ(measurement(result, "backup_late_seconds"), -1) << "no schedule";

  EXPECT_EQ(check("        rpo: 1d\n        min_ratio: 0\n").status, ProbeStatus::Healthy);
  EXPECT_EQ(check("        rpo: 1d\n        min_ratio: 15%\n").status, ProbeStatus::Healthy);
  // An Unhealthy verdict keeps priority: the RPO is broken too.
  auto old = check("        rpo: 5m\n");
  EXPECT_EQ(old.status, ProbeStatus::Unhealthy);
  EXPECT_NE(old.detail.find("(RPO 5m)"), std::string::npos) << old.detail;
  EXPECT_EQ(measurement(old, "backup_size_ratio"), 0.2) << "measured whatever the verdict";
}

TEST_F(BackupProbeTest, FewerThanThreePreviousBackupsAreNotJudged) {
  const std::string usual(5 * kMiB, 'x');
  backup(3h, true, usual);
  backup(2h, true, usual);
  backup(10min, true, "tiny");
  auto result = check("        rpo: 1d\n");
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_EQ(measurement(result, "backup_usual_size_bytes"), -1);
  EXPECT_EQ(measurement(result, "backup_size_ratio"), -1);
  EXPECT_EQ(measurement(result, "backup_usual_duration_seconds"), -1);
}

TEST_F(BackupProbeTest, FastNewestBackupIsDegraded) {
  const auto now = now_seconds();
  for (int hours = 4; hours >= 1; --hours) {
    const auto finished = now - std::chrono::hours(hours);
    backup_at(finished - 10s, finished);
  }
  const auto fast = backup_at(now - 5min - 1s, now - 5min);
  auto result = check("        rpo: 1d\n");
  EXPECT_EQ(result.status, ProbeStatus::Degraded) << result.detail;
  EXPECT_EQ(result.detail, fast.name + " took 1.0 s, 10 % of the usual 10.0 s");
  EXPECT_EQ(measurement(result, "backup_usual_duration_seconds"), 10);
  EXPECT_EQ(check("        rpo: 1d\n        min_duration_ratio: 0\n").status, ProbeStatus::Healthy);
}

// The target runs daily at the minute two hours ago (UTC), so today's slot has passed by more
// than the 30m grace whatever the time of day.
class BackupScheduleTest : public BackupProbeTest {
 protected:
  bk::SystemTime slot = std::chrono::floor<std::chrono::minutes>(now_seconds() - 2h);
  std::string target_keys =
      "    schedule: {daily_at: \"" + config::format_utc(slot, "%H:%M") + "\"}\n";
  ProbeResult check_scheduled(const std::string& keys = "") {
    return probe("        rpo: 3d\n" + keys, target_keys)->check(2s);
  }
};

TEST_F(BackupScheduleTest, RunNotStartedAfterGraceIsDegraded) {
  backup_at(slot - 1h, slot - 1h + 2s);  // before today's slot: yesterday's run, say
  auto result = check_scheduled();
  EXPECT_EQ(result.status, ProbeStatus::Degraded) << result.detail;
  EXPECT_EQ(result.failure, FailureKind::Threshold);
  EXPECT_EQ(result.detail, "the " + config::format_utc(slot, "%H:%M") +
                               " backup of main has not started (due " +
                               config::format_rfc3339(slot) + ", grace 30m)");
  const double late = measurement(result, "backup_late_seconds");
  EXPECT_GE(late, 2 * 3600 - 1);
  EXPECT_LE(late, 2 * 3600 + 120);
  EXPECT_EQ(check_scheduled("        grace: 3h\n").status, ProbeStatus::Healthy);
  EXPECT_EQ(measurement(check_scheduled("        grace: 3h\n"), "backup_late_seconds"), 0)
      << "still within grace";
}

TEST_F(BackupScheduleTest, LateStartIsDegradedAndOnTimeIsHealthy) {
  const auto late = backup_at(slot + 47min, slot + 47min + 2s);
  auto result = check_scheduled();
  EXPECT_EQ(result.status, ProbeStatus::Degraded) << result.detail;
  EXPECT_EQ(result.detail, late.name + " started 47m late (grace 30m)");
  EXPECT_EQ(measurement(result, "backup_late_seconds"), 47 * 60);
  EXPECT_EQ(check_scheduled("        grace: 1h\n").status, ProbeStatus::Healthy);
}

TEST_F(BackupScheduleTest, OnTimeRun) {
  backup_at(slot + 3s, slot + 5s);
  auto result = check_scheduled();
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_EQ(measurement(result, "backup_late_seconds"), 3);
}

TEST_F(BackupScheduleTest, LongDumpInProgressHasStarted) {
  backup_at(slot - 24h, slot - 24h + 2s);
  dir.write("." + bk::backup_name("main", slot + 1s) + ".dump.partial", "partial");
  auto result = check_scheduled();
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_EQ(measurement(result, "backup_late_seconds"), 1);
}

TEST_F(BackupProbeTest, NoScheduleNoLateness) {
  backup(10min);
  auto result = check("        grace: 1m\n");
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_EQ(measurement(result, "backup_late_seconds"), -1);
}

TEST_F(BackupProbeTest, AnomalyKeysAreValidated) {
  for (const char* keys : {"        anomaly_history: 2\n", "        min_ratio: 1.5\n",
                           "        min_duration_ratio: -1\n", "        grace: -5m\n"}) {
    EXPECT_THROW(probe(keys), config::ConfigError) << keys;
  }
  EXPECT_NO_THROW(probe("        anomaly_history: 3\n        min_ratio: 0\n        grace: 0s\n"));
}

}  // namespace
}  // namespace watchdog::probes
