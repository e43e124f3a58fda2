// The `backup` probe's anomalies (issue #18) on real catalog entries and data files: a small or
// fast newest backup, and lateness against the target's schedule (chosen relative to the real
// time, since the probe reads the system clock).
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "config/time_text.h"
#include "probes/backup/backup_attempts.h"
#include "probes/backup/backup_schedule.h"
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

TEST_F(BackupScheduleTest, MissedRunKeepsGrowingAcrossPeriods) {
  // The last run two days ago: the first slot after it stays due, it does not clear itself
  // within grace of each later slot.
  backup_at(slot - 2 * 24h - 1h, slot - 2 * 24h - 1h + 2s);
  auto result = check_scheduled();
  EXPECT_EQ(result.status, ProbeStatus::Degraded) << result.detail;
  EXPECT_EQ(result.detail, "the " + config::format_utc(slot, "%H:%M") +
                               " backup of main has not started (due " +
                               config::format_rfc3339(slot - 2 * 24h) + ", grace 30m)");
  EXPECT_GE(measurement(result, "backup_late_seconds"), 2 * 86400 + 2 * 3600 - 1);
  EXPECT_EQ(check_scheduled("        grace: 3h\n").status, ProbeStatus::Degraded)
      << "grace of today's slot does not hide the runs missed before";
}

TEST_F(BackupScheduleTest, LateStartIsDegradedAndOnTimeIsHealthy) {
  backup_at(slot - 24h + 5s, slot - 24h + 7s);  // yesterday's run, on time
  const auto late = backup_at(slot + 47min, slot + 47min + 2s);
  auto result = check_scheduled();
  EXPECT_EQ(result.status, ProbeStatus::Degraded) << result.detail;
  EXPECT_EQ(result.detail, late.name + " started 47m late (grace 30m)");
  EXPECT_EQ(measurement(result, "backup_late_seconds"), 47 * 60);
  EXPECT_EQ(check_scheduled("        grace: 1h\n").status, ProbeStatus::Healthy);
}

TEST_F(BackupScheduleTest, OnTimeRun) {
  backup_at(slot - 24h + 1s, slot - 24h + 5s);
  backup_at(slot + 3s, slot + 5s);
  auto result = check_scheduled();
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_EQ(measurement(result, "backup_late_seconds"), 3);
}

TEST_F(BackupScheduleTest, FirstBackupIsNeverLate) {
  // The scheduler runs at once when it knows of no run: the first backup has no slot.
  backup_at(slot + 47min, slot + 47min + 2s);
  auto result = check_scheduled();
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_EQ(measurement(result, "backup_late_seconds"), 0);
}

// Holds the target's backup lock as a running backup does.
class HeldBackupLock {
 public:
  explicit HeldBackupLock(const std::filesystem::path& dir)
      : fd_(::open(bk::backup_lock_path(dir, "main").c_str(), O_RDWR | O_CREAT | O_CLOEXEC,
                   0640)) {
    EXPECT_GE(fd_, 0);
    EXPECT_EQ(::flock(fd_, LOCK_EX | LOCK_NB), 0);
  }
  ~HeldBackupLock() { ::close(fd_); }
  HeldBackupLock(const HeldBackupLock&) = delete;
  HeldBackupLock& operator=(const HeldBackupLock&) = delete;

 private:
  int fd_;
};

TEST_F(BackupScheduleTest, LongDumpInProgressHasStarted) {
  backup_at(slot - 24h, slot - 24h + 2s);
  dir.write("." + bk::backup_name("main", slot + 1s) + ".dump.partial", "partial");
  HeldBackupLock running(dir.path());
  auto result = check_scheduled();
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_EQ(measurement(result, "backup_late_seconds"), 1);
}

TEST_F(BackupScheduleTest, RunBeingVerifiedHasStarted) {
  // The dump was renamed into place; verification re-reads it before the metadata is written.
  backup_at(slot - 24h, slot - 24h + 2s);
  const auto name = bk::backup_name("main", slot + 50min);
  dir.write(bk::backup_file(name, "custom"), "dumped, not yet verified");
  HeldBackupLock running(dir.path());
  auto result = check_scheduled();
  EXPECT_EQ(result.status, ProbeStatus::Degraded) << result.detail;
  EXPECT_EQ(result.detail, name + " started 50m late (grace 30m)") << "started, if late";
  EXPECT_EQ(check_scheduled("        grace: 1h\n").status, ProbeStatus::Healthy);
}

TEST_F(BackupScheduleTest, LockHeldWithoutAFileIsInProgress) {
  backup_at(slot - 24h, slot - 24h + 2s);
  HeldBackupLock running(dir.path());
  auto result = check_scheduled();
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_EQ(measurement(result, "backup_late_seconds"), 0);
}

TEST_F(BackupScheduleTest, KilledRunsPartialIsNotInProgress) {
  // No one holds the lock: the partial file is a leftover of a killed run.
  backup_at(slot - 24h, slot - 24h + 2s);
  dir.write("." + bk::backup_name("main", slot + 1s) + ".dump.partial", "partial");
  auto result = check_scheduled();
  EXPECT_EQ(result.status, ProbeStatus::Degraded) << result.detail;
  EXPECT_NE(result.detail.find("has not started"), std::string::npos) << result.detail;
}

// An interval target: the scheduler counts from the last recorded attempt, i.e. when the
// previous run finished.
class BackupIntervalTest : public BackupProbeTest {
 protected:
  ProbeResult check_interval(const std::string& keys = "") {
    return probe("        rpo: 3d\n" + keys, "    schedule: {interval: 2h}\n")->check(2s);
  }
  void record(bk::SystemTime at) {
    std::string error;
    ASSERT_NE(bk::record_attempt(dir.path(), "", "main", {at, true, "", ""}, error),
              bk::RecordedIn::Nowhere)
        << error;
  }
};

TEST_F(BackupIntervalTest, StartAfterALongPreviousRunIsNotLate) {
  // The previous run took 40m (its attempt was overwritten); the newest started 2h after that
  // finish, as the scheduler ran it: not "40m late".
  const auto now = now_seconds();
  backup_at(now - 3h, now - 2h - 20min);
  backup_at(now - 20min, now - 19min);
  record(now - 19min);
  auto result = check_interval();
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_EQ(measurement(result, "backup_late_seconds"), 0);
}

TEST_F(BackupIntervalTest, DueCountsFromTheLastFinish) {
  const auto now = now_seconds();
  backup_at(now - 3h - 15min, now - 2h - 45min);
  record(now - 2h - 45min);  // due 45m ago
  auto result = check_interval();
  EXPECT_EQ(result.status, ProbeStatus::Degraded) << result.detail;
  EXPECT_EQ(result.detail, "the " + config::format_utc(now - 45min, "%H:%M") +
                               " backup of main has not started (due " +
                               config::format_rfc3339(now - 45min) + ", grace 30m)");
  EXPECT_EQ(check_interval("        grace: 1h\n").status, ProbeStatus::Healthy)
      << "counted from the finish, 45m ago, not from the start, 75m ago";
}

TEST_F(BackupProbeTest, GraceNeedsASchedule) {
  try {
    probe("        grace: 1m\n");
    ADD_FAILURE() << "grace without a schedule was accepted";
  } catch (const config::ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find(
                  "grace: applies only to a target with a schedule (interval or daily_at)"),
              std::string::npos)
        << error.what();
  }
}

TEST_F(BackupProbeTest, AnomalyKeysAreValidated) {
  for (const char* keys : {"        anomaly_history: 2\n", "        min_ratio: 1.5\n",
                           "        min_duration_ratio: -1\n", "        grace: -5m\n"}) {
    EXPECT_THROW(probe(keys), config::ConfigError) << keys;
  }
  EXPECT_NO_THROW(probe("        anomaly_history: 3\n        min_ratio: 0\n"));
}

}  // namespace
}  // namespace watchdog::probes
