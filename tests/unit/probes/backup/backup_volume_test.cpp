// Backup failures that stay loud when the backup volume is full: attempts recorded under the
// state directory when the status file beside the backups cannot be written, the `backup`
// probe taking the newest of both, and its free-space (headroom) check.
#include <gtest/gtest.h>

#include "config/loader.h"
#include "probes/backup/backup_attempts.h"
#include "probes/backup/backup_catalog.h"
#include "probes/factory.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/probes/probe_test_helpers.h"

namespace watchdog::probes {
namespace {

using namespace std::chrono_literals;
using testing::measurement;
namespace bk = backup;
namespace fs = std::filesystem;

bk::SystemTime now_seconds() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

TEST(BackupAttempts, UnwritableDirectoryFallsBackAndTheNewestWins) {
  testing::TempDir dir;
  dir.write("file", "x");
  const fs::path unwritable = dir / "file" / "backups";  // ENOTDIR: no status file possible
  const fs::path fallback = dir / "state" / "backup-status";
  std::string error;
  const bk::Attempt failed{now_seconds(), false, "", "no space left on device"};
  EXPECT_EQ(bk::record_attempt(unwritable, fallback, "main", failed, error),
            bk::RecordedIn::Fallback)
      << error;
  EXPECT_EQ(bk::read_status(fallback, "main").last_attempt->error, "no space left on device");
  EXPECT_EQ(bk::record_attempt(unwritable, "", "main", failed, error), bk::RecordedIn::Nowhere);
  EXPECT_FALSE(error.empty());

  // Beside the backups when possible; the newer attempt of the two places is the last one.
  const fs::path backups = dir / "backups";
  fs::create_directories(backups);
  const bk::Attempt older_ok{failed.at - 10s, true, "main_x", ""};
  EXPECT_EQ(bk::record_attempt(backups, fallback, "main", older_ok, error), bk::RecordedIn::Beside);
  auto newest = bk::newest_attempt(bk::read_status(backups, "main"),
                                   bk::read_fallback_status(fallback, "main"));
  ASSERT_TRUE(newest);
  EXPECT_FALSE(newest->ok);
  const bk::Attempt newer_ok{failed.at + 10s, true, "main_y", ""};
  bk::record_attempt(backups, fallback, "main", newer_ok, error);
  newest = bk::newest_attempt(bk::read_status(backups, "main"),
                              bk::read_fallback_status(fallback, "main"));
  EXPECT_TRUE(newest->ok);
  EXPECT_EQ(newest->backup, "main_y");
}

TEST(BackupAttempts, VolumeUseAndErrnoText) {
  testing::TempDir dir;
  const auto use = bk::volume_use(dir.path());
  ASSERT_TRUE(use);
  EXPECT_GT(use->total_bytes, 0u);
  EXPECT_LE(use->free_bytes, use->total_bytes);
  const std::string text = bk::describe_volume_use(dir.path());
  EXPECT_TRUE(text.starts_with(dir.path().string() + " ")) << text;
  EXPECT_TRUE(text.ends_with(" % used")) << text;
  EXPECT_EQ(bk::describe_volume_use(dir / "missing"), "");
  EXPECT_EQ(bk::errno_message(ENOSPC), "no space left on device");
  EXPECT_TRUE(bk::volume_refuses_writes(ENOSPC));
  EXPECT_TRUE(bk::volume_refuses_writes(EROFS));
  EXPECT_FALSE(bk::volume_refuses_writes(EIO));
}

class BackupVolumeProbeTest : public ::testing::Test {
 protected:
  ProbeResult check(const std::string& keys = "") {
    auto config = config::load_config_text(
        "watchdog:\n  state_dir: " + (dir / "state").string() +
            "\nbackups:\n  - name: main\n    dbname: shop\n    rpo: 1h\n    directory: " +
            backups.string() +
            "\ncomponents:\n  - name: backups\n    probes:\n      - name: main-backup\n"
            "        kind: backup\n        target: main\n" +
            keys,
        "test.yaml");
    EXPECT_EQ(config.backups.at(0).status_fallback_directory, fallback);
    return make_probe(config.components.at(0).probes.at(0), config.backups)->check(2s);
  }
  // A verified backup that finished `age` ago whose file has `size` bytes (sparse: it takes no
  // space, so a "big" backup fits any test machine).
  bk::BackupMetadata backup(std::chrono::seconds age, std::uint64_t size = 8) {
    bk::BackupMetadata m;
    m.target = "main";
    m.finished = now_seconds() - age;
    m.started = m.finished - 2s;
    m.name = bk::backup_name("main", m.started);
    m.file = bk::backup_file(m.name, "custom");
    m.format = "custom";
    fs::create_directories(backups);
    dir.write("backups/" + m.file, "");
    fs::resize_file(backups / m.file, size);
    m.size_bytes = size;
    m.sha256 = "00";
    m.verification = bk::Verification{m.finished, true, ""};
    std::string error;
    EXPECT_TRUE(bk::write_metadata(backups, m, error)) << error;
    return m;
  }
  void record(const fs::path& where, const bk::Attempt& attempt) {
    fs::create_directories(where);
    std::string error;
    ASSERT_TRUE(bk::update_status(
        where, "main", [&](bk::TargetStatus& s) { s.last_attempt = attempt; }, error))
        << error;
  }
  testing::TempDir dir;
  fs::path backups = dir / "backups";
  fs::path fallback = dir / "state" / "backup-status";
};

TEST_F(BackupVolumeProbeTest, FailureRecordedInStateDirIsUnhealthyAtOnce) {
  const auto good = backup(10min);
  record(backups, {good.finished, true, good.name, ""});
  EXPECT_EQ(check().status, ProbeStatus::Healthy);

  const auto at = now_seconds();
  const std::string why = "no space left on device (/backups 100 % used) writing main_x.dump";
  record(fallback, {at, false, "", why});
  auto result = check();
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(result.failure, FailureKind::Error);
  EXPECT_EQ(result.detail, "backup of main failed at " + bk::format_iso_time(at) + ": " + why);

  // A later success beside the backups (space freed) is newer: the old fallback no longer counts.
  const auto later = backup(0s);
  record(backups, {at + 5s, true, later.name, ""});
  EXPECT_EQ(check().status, ProbeStatus::Healthy) << check().detail;
}

TEST_F(BackupVolumeProbeTest, OlderFailureInStateDirDoesNotHideANewerSuccess) {
  const auto at = now_seconds();
  record(fallback, {at - 1h, false, "", "no space left on device"});
  const auto good = backup(5min);
  record(backups, {good.finished, true, good.name, ""});
  auto result = check();
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
}

TEST_F(BackupVolumeProbeTest, TooLittleHeadroomIsDegraded) {
  fs::create_directories(backups);
  const auto free = bk::volume_use(backups)->free_bytes;
  // The newest backup is as big as the free space: the next one needs 1.5 times that.
  backup(5min, free);
  auto result = check();
  EXPECT_EQ(result.status, ProbeStatus::Degraded) << result.detail;
  EXPECT_EQ(result.failure, FailureKind::Threshold);
  EXPECT_TRUE(result.detail.starts_with("backups volume has ")) << result.detail;
  EXPECT_NE(result.detail.find(" free, next dump needs ~"), std::string::npos) << result.detail;
  EXPECT_TRUE(result.detail.ends_with(" (1.5 × last)")) << result.detail;
  EXPECT_NEAR(measurement(result, "backup_volume_free_bytes"), static_cast<double>(free),
              static_cast<double>(free) * 0.01 + 1e6);

  EXPECT_EQ(check("        headroom: 0\n").status, ProbeStatus::Healthy);  // off
  auto doubled = check("        headroom: 2\n");
  EXPECT_TRUE(doubled.detail.ends_with(" (2 × last)")) << doubled.detail;
  EXPECT_THROW(check("        headroom: 0.5\n"), config::ConfigError);
  EXPECT_THROW(check("        headroom: lots\n"), config::ConfigError);
}

TEST_F(BackupVolumeProbeTest, EnoughHeadroomIsHealthyAndExportsFreeBytes) {
  backup(5min, 1024);
  auto result = check();
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_GT(measurement(result, "backup_volume_free_bytes"), 1536);
}

}  // namespace
}  // namespace watchdog::probes
