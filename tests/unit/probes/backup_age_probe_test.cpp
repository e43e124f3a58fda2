#include "probes/backup_age_probe.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "config/options.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/probes/probe_test_helpers.h"

namespace watchdog::probes {
namespace {

using namespace std::chrono_literals;
using testing::measurement;
using testing::probe_from_yaml;

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
  backup("db_1.dump", 1min, "");
  auto result = check("rpo: 1h");
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(result.failure, FailureKind::Threshold);
  EXPECT_NE(result.detail.find("minimum"), std::string::npos) << result.detail;
  EXPECT_EQ(measurement(result, "backup_size_bytes"), 0);

  backup("db_2.dump", 1s, std::string(100, 'x'));
  EXPECT_EQ(check("rpo: 1h\nmin_size: 1KiB").status, ProbeStatus::Unhealthy);
  EXPECT_EQ(check("rpo: 1h\nmin_size: 100").status, ProbeStatus::Healthy);
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
}

}  // namespace
}  // namespace watchdog::probes
