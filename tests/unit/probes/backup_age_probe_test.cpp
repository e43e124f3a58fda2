#include "probes/backup_age_probe.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "config/options.h"
#include "config/time_text.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/probes/probe_test_helpers.h"

namespace watchdog::probes {
namespace {

using namespace std::chrono_literals;
using testing::measurement;
using testing::probe_from_yaml;

constexpr std::size_t kMiB = 1024 * 1024;

class BackupAgeTest : public ::testing::Test {
 protected:
  // Writes a file whose mtime lies `age` in the past.
  void backup(const std::string& name, std::chrono::seconds age, const std::string& content = "x") {
    auto file = dir.write(name, content);
    std::filesystem::last_write_time(file, std::filesystem::file_time_type::clock::now() - age);
  }
  ProbeResult check(const std::string& keys) {
    return probe_from_yaml("backup_age", "directory: " + dir.path().string() + "\n" + keys)
        ->check(2s);
  }
  testing::TempDir dir;
};

TEST_F(BackupAgeTest, FreshBackupIsHealthy) {
  backup("db_1.dump", 10s, "0123456789");
  auto result = check("rpo: 1h");
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_NE(result.detail.find("db_1.dump"), std::string::npos) << result.detail;
  EXPECT_NEAR(measurement(result, "backup_age_seconds"), 10, 3);
  EXPECT_EQ(measurement(result, "backup_size_bytes"), 10);
  EXPECT_EQ(measurement(result, "backup_files"), 1);
  EXPECT_GT(result.latency.count(), 0);
}

TEST_F(BackupAgeTest, OldBackupBreaksTheRpo) {
  backup("db_x.dump", 2h + 10min);
  auto result = check("rpo: 1h");
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(result.failure, FailureKind::Threshold);
  EXPECT_NEAR(measurement(result, "backup_age_seconds"), 7800, 3);
  EXPECT_TRUE(result.detail.starts_with("newest backup db_x.dump is 2h10m")) << result.detail;
  EXPECT_NE(result.detail.find("(RPO 1h)"), std::string::npos) << result.detail;
}

TEST_F(BackupAgeTest, NewestFileDecides) {
  backup("db_1.dump", 48h);
  backup("db_3.dump", 5min, "newest!");
  backup("db_2.dump", 24h);
  auto result = check("rpo: 1h");
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_NE(result.detail.find("db_3.dump"), std::string::npos) << result.detail;
  EXPECT_NEAR(measurement(result, "backup_age_seconds"), 300, 3);
  EXPECT_EQ(measurement(result, "backup_size_bytes"), 7);
  EXPECT_EQ(measurement(result, "backup_files"), 3);
}

TEST_F(BackupAgeTest, PatternFiltersNames) {
  backup("db_1.dump", 3h);
  backup("notes.txt", 1min);                               // newer, but not a backup
  backup(".db_2.dump.tmp", 1s);                            // hidden in-progress upload
  std::filesystem::create_directory(dir / "db_dir.dump");  // not a regular file
  auto result = check("rpo: 1h\npattern: 'db_*.dump'");
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_NE(result.detail.find("db_1.dump"), std::string::npos) << result.detail;
  EXPECT_EQ(measurement(result, "backup_files"), 1);
  // "*" ignores hidden files but sees notes.txt.
  result = check("rpo: 1h");
  EXPECT_NE(result.detail.find("notes.txt"), std::string::npos) << result.detail;
  EXPECT_EQ(measurement(result, "backup_files"), 2);
}

TEST_F(BackupAgeTest, EmptyFileFailsMinSize) {
  backup("db_1.dump", 20min, "");
  auto result = check("rpo: 1h");
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(result.failure, FailureKind::Threshold);
  EXPECT_NE(result.detail.find("minimum"), std::string::npos) << result.detail;
  EXPECT_EQ(measurement(result, "backup_size_bytes"), 0);

  backup("db_2.dump", 10min, std::string(100, 'x'));
  EXPECT_EQ(check("rpo: 1h\nmin_size: 1KiB").status, ProbeStatus::Unhealthy);
  EXPECT_EQ(check("rpo: 1h\nmin_size: 100").status, ProbeStatus::Healthy);
}

// pg_dump -f or `> file` write in place: the newest file grows while its mtime stays fresh, so
// until it is `settle` old the size judgements take the newest file before it.
TEST_F(BackupAgeTest, FileBeingWrittenIsNotJudgedBySize) {
  for (int i = 1; i <= 4; ++i) {
    backup("db_" + std::to_string(i) + ".dump", std::chrono::hours(6 - i),
           std::string(5 * kMiB, 'x'));
  }
  backup("db_5.dump", 2s, "");  // just created
  auto result = check("rpo: 1d");
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_NE(result.detail.find("db_5.dump"), std::string::npos) << "still the newest backup";
  EXPECT_EQ(measurement(result, "backup_size_bytes"), 0);
  EXPECT_DOUBLE_EQ(measurement(result, "backup_size_ratio"), 1) << "db_4 against db_1..3";

  auto settled = check("rpo: 1d\nsettle: 0s");
  EXPECT_EQ(settled.status, ProbeStatus::Unhealthy) << settled.detail;
  EXPECT_EQ(settled.detail, "newest backup db_5.dump is 0 B (minimum 1 B)");
  EXPECT_EQ(check("rpo: 1d\nsettle: 0s\nmin_size: 0").detail,
            "db_5.dump is 0 B, 0 % of the usual 5 MiB");
}
TEST_F(BackupAgeTest, MissingDirectory) {
  auto missing = (dir / "gone").string();
  auto result = probe_from_yaml("backup_age", "directory: " + missing + "\nrpo: 1h")->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(result.failure, FailureKind::NotFound);
  EXPECT_NE(result.detail.find(missing), std::string::npos) << result.detail;
}

TEST_F(BackupAgeTest, NoMatchingFile) {
  backup("readme.txt", 1s);
  auto result = check("rpo: 1h\npattern: '*.dump'");
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(result.failure, FailureKind::NotFound);
  EXPECT_EQ(result.detail, "no file matching '*.dump' in " + dir.path().string());
  EXPECT_EQ(measurement(result, "backup_files"), 0);
  EXPECT_EQ(measurement(result, "backup_age_seconds"), -1);  // absent
}

TEST_F(BackupAgeTest, SmallNewestFileIsDegraded) {
  for (int i = 1; i <= 6; ++i) {
    backup("db_" + std::to_string(i) + ".dump", std::chrono::hours(8 - i),
           std::string(5 * kMiB, 'x'));
  }
  backup("db_7.dump", 10min, std::string(1 * kMiB, 'x'));
  auto result = check("rpo: 1d");
  EXPECT_EQ(result.status, ProbeStatus::Degraded) << result.detail;
  EXPECT_EQ(result.failure, FailureKind::Threshold);
  EXPECT_EQ(result.detail, "db_7.dump is 1 MiB, 20 % of the usual 5 MiB");
  EXPECT_EQ(measurement(result, "backup_usual_size_bytes"), 5.0 * kMiB);
  EXPECT_DOUBLE_EQ(measurement(result, "backup_size_ratio"), 0.2);
  EXPECT_EQ(measurement(result, "backup_usual_duration_seconds"), -1) << "files have none";
  EXPECT_EQ(measurement(result, "backup_late_seconds"), -1) << "no schedule";
  EXPECT_EQ(check("rpo: 1d\nmin_ratio: 0").status, ProbeStatus::Healthy);
  EXPECT_EQ(check("rpo: 1d\nanomaly_history: 3\nmin_ratio: 10%").status, ProbeStatus::Healthy);
  EXPECT_EQ(check("rpo: 5s").status, ProbeStatus::Unhealthy) << "the RPO keeps priority";
}

TEST_F(BackupAgeTest, FewerThanThreePreviousFilesAreNotJudged) {
  backup("db_1.dump", 2h, std::string(5 * kMiB, 'x'));
  backup("db_2.dump", 1h, std::string(5 * kMiB, 'x'));
  backup("db_3.dump", 10s, "tiny");
  auto result = check("rpo: 1d");
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_EQ(measurement(result, "backup_usual_size_bytes"), -1);
  EXPECT_EQ(measurement(result, "backup_size_ratio"), -1);
}

// A cron schedule at the minute two hours ago (UTC), with the file mtimes around it.
class BackupAgeScheduleTest : public BackupAgeTest {
 protected:
  std::chrono::system_clock::time_point slot =
      std::chrono::floor<std::chrono::minutes>(std::chrono::system_clock::now() - 2h);
  void backup_at(const std::string& name, std::chrono::system_clock::time_point mtime) {
    std::filesystem::last_write_time(dir.write(name, "x"),
                                     std::chrono::file_clock::from_sys(mtime));
  }
  ProbeResult check_scheduled(const std::string& keys = "") {
    return check("rpo: 1d\nschedule: '" + config::format_utc(slot, "%M %H") + " * * *'\n" + keys);
  }
};

TEST_F(BackupAgeScheduleTest, MissingRunIsDegraded) {
  backup_at("db_1.dump", slot - 1h);
  auto result = check_scheduled();
  EXPECT_EQ(result.status, ProbeStatus::Degraded) << result.detail;
  EXPECT_EQ(result.detail, "the " + config::format_utc(slot, "%H:%M") + " backup in " +
                               dir.path().string() + " has not arrived (due " +
                               config::format_rfc3339(slot) + ", grace 30m)");
  EXPECT_GE(measurement(result, "backup_late_seconds"), 2 * 3600 - 1);
  EXPECT_EQ(check_scheduled("grace: 4h").status, ProbeStatus::Healthy);
  // The same instant written in another zone's local time is the same schedule.
  auto kolkata = check("rpo: 1d\ntime_zone: Asia/Kolkata\nschedule: '" +
                       config::format_utc(slot + 5h + 30min, "%M %H") + " * * *'");
  EXPECT_EQ(kolkata.status, ProbeStatus::Degraded) << kolkata.detail;
  EXPECT_NE(kolkata.detail.find("(due " + config::format_rfc3339(slot)), std::string::npos)
      << kolkata.detail;
}

TEST_F(BackupAgeScheduleTest, FileArrivingAfterGraceIsLate) {
  backup_at("db_1.dump", slot - 23h);
  backup_at("db_2.dump", slot + 10min);  // the run finished 10 minutes after its slot
  auto result = check_scheduled();
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_EQ(measurement(result, "backup_late_seconds"), 600);
  auto strict = check_scheduled("grace: 5m");
  EXPECT_EQ(strict.status, ProbeStatus::Degraded) << strict.detail;
  EXPECT_EQ(strict.detail, "db_2.dump arrived 10m late (grace 5m)");
}

TEST_F(BackupAgeScheduleTest, FirstFileIsNeverLate) {
  backup_at("db_1.dump", slot + 47min);  // no file before it: no slot it belongs to
  auto result = check_scheduled();
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_EQ(measurement(result, "backup_late_seconds"), 0);
}

TEST_F(BackupAgeScheduleTest, MissingRunsKeepGrowing) {
  backup_at("db_1.dump", slot - 3 * 24h - 1h);  // nothing arrived for three days
  auto result = check("rpo: 5d\ngrace: 4h\nschedule: '" + config::format_utc(slot, "%M %H") +
                      " * * *'");
  EXPECT_EQ(result.status, ProbeStatus::Degraded) << result.detail;
  EXPECT_NE(result.detail.find("(due " + config::format_rfc3339(slot - 3 * 24h)),
            std::string::npos)
      << result.detail;
  EXPECT_GE(measurement(result, "backup_late_seconds"), 3 * 86400 + 2 * 3600 - 1);
}

TEST(BackupAge, ConfigErrors) {
  EXPECT_THROW(probe_from_yaml("backup_age", "directory: /backups"), config::ConfigError);
  EXPECT_THROW(probe_from_yaml("backup_age", "rpo: 1h"), config::ConfigError);
  EXPECT_THROW(probe_from_yaml("backup_age", "directory: backups\nrpo: 1h"), config::ConfigError);
  EXPECT_THROW(probe_from_yaml("backup_age", "directory: /b\nrpo: 0s"), config::ConfigError);
  EXPECT_THROW(probe_from_yaml("backup_age", "directory: /b\nrpo: 1h\npattern: 'a/*'"),
               config::ConfigError);
  EXPECT_THROW(probe_from_yaml("backup_age", "directory: /b\nrpo: 1h\nmax_age: 2h"),
               config::ConfigError);
  EXPECT_NO_THROW(probe_from_yaml("backup_age", "directory: /does/not/exist\nrpo: 25h"));
  // Anomaly keys: grace and time_zone only with a schedule, no duration check on files.
  for (const char* keys : {"grace: 1h", "time_zone: UTC", "schedule: '61 * * * *'",
                           "schedule: '0 3 * * *'\ntime_zone: Mars/Olympus",
                           "min_duration_ratio: 0.5", "anomaly_history: 2", "min_ratio: 2",
                           "settle: -1m"}) {
    EXPECT_THROW(probe_from_yaml("backup_age", std::string("directory: /b\nrpo: 1h\n") + keys),
                 config::ConfigError)
        << keys;
  }
  EXPECT_NO_THROW(
      probe_from_yaml("backup_age",
                      "directory: /b\nrpo: 1h\nschedule: '0 3 * * *'\ntime_zone: Europe/Berlin\n"
                      "grace: 2h\nanomaly_history: 14\nmin_ratio: 30%\nsettle: 10m"));
}

}  // namespace
}  // namespace watchdog::probes
