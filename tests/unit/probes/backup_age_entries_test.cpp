// `backup_age` over dump DIRECTORIES (one per run, as mongodump writes) and the integrity of
// compressed backup files (issue #17), on real trees and real gzip/zstd files in a temp dir.
#include <gtest/gtest.h>

#include <filesystem>

#include "probes/backup_age_probe.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/probes/archive_test_files.h"
#include "tests/unit/probes/probe_test_helpers.h"

namespace watchdog::probes {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using testing::measurement;
using testing::probe_from_yaml;

class BackupEntriesTest : public ::testing::Test {
 protected:
  // Writes `name` (with parent directories) whose mtime — and its parents' — lies `age` back.
  fs::path write(const std::string& name, std::chrono::seconds age, const std::string& content) {
    const auto file = dir / name;
    fs::create_directories(file.parent_path());
    dir.write(name, content);
    const auto when = fs::file_time_type::clock::now() - age;
    for (auto p = file; p != dir.path(); p = p.parent_path()) fs::last_write_time(p, when);
    return file;
  }
  // A dump directory as mongodump writes it: one subdirectory per database.
  void dump_dir(const std::string& day, std::chrono::seconds age, std::size_t bytes) {
    write(day + "/shop/orders.bson", age, std::string(bytes / 2, 'x'));
    write(day + "/shop/orders.metadata.json", age, std::string(bytes - bytes / 2, 'y'));
  }
  ProbeResult check(const std::string& keys) {
    return probe_from_yaml("backup_age", "directory: " + dir.path().string() + "\n" + keys)
        ->check(5s);
  }
  // A table row: these keys (after `common`) → this status, with `detail` in the detail.
  struct Case {
    const char* keys;
    ProbeStatus status;
    const char* detail;
  };
  void expect_cases(const std::string& common, const std::vector<Case>& cases) {
    for (const auto& c : cases) {
      const auto result = check(common + c.keys);
      EXPECT_EQ(result.status, c.status) << c.keys << ": " << result.detail;
      EXPECT_NE(result.detail.find(c.detail), std::string::npos) << c.keys << ": " << result.detail;
      if (std::string(c.keys).starts_with("check_integrity: false")) {
        EXPECT_EQ(measurement(result, "backup_archive_ok"), -1) << "absent when not checked";
      }
    }
  }
  testing::TempDir dir;
};

TEST_F(BackupEntriesTest, NewestDirectoryDecidesWithItsTotalSize) {
  dump_dir("2026-12-03", 50h, 3000);
  dump_dir("2026-12-04", 26h, 3000);
  dump_dir("2026-12-05", 2h, 4000);
  write("notes.txt", 1min, "a file, newer than every dump");
  fs::create_directory_symlink(dir / "2026-12-03", dir / "latest");  // never an entry
  auto result = check("rpo: 25h\nentries: directories");
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_TRUE(result.detail.starts_with("newest backup 2026-12-05 is 2h old, 3.9 KiB"))
      << result.detail;
  EXPECT_NE(result.detail.find("(3 directories)"), std::string::npos) << result.detail;
  EXPECT_EQ(measurement(result, "backup_size_bytes"), 4000);
  EXPECT_EQ(measurement(result, "backup_files"), 3);

  expect_cases(
      "", {
              {"rpo: 25h", ProbeStatus::Healthy, "newest backup notes.txt"},  // files: the default
              {"rpo: 25h\nentries: any", ProbeStatus::Healthy, "(4 entries)"},
              {"rpo: 1h\nentries: directories", ProbeStatus::Unhealthy, "(RPO 1h)"},
              {"rpo: 25h\nentries: directories\nmin_size: 5000", ProbeStatus::Unhealthy,
               "newest backup 2026-12-05 is 3.9 KiB (minimum 4.9 KiB)"},
              {"rpo: 25h\nentries: directories\npattern: '2025-*'", ProbeStatus::Unhealthy,
               "no directory matching '2025-*'"},
          });
}

// A dump directory still being filled has a fresh file inside (its own mtime may be old): it is
// the newest backup, but the size judgement waits for it to settle, as for a file.
TEST_F(BackupEntriesTest, DirectoryBeingWrittenIsNotJudgedBySize) {
  for (int day = 1; day <= 4; ++day) {
    dump_dir("2026-12-0" + std::to_string(day), std::chrono::hours(24 * (5 - day)), 10000);
  }
  dump_dir("2026-12-05", 3h, 2000);                                 // started 3h ago …
  write("2026-12-05/shop/orders.bson", 5s, std::string(500, 'x'));  // … still writing
  fs::last_write_time(dir / "2026-12-05", fs::file_time_type::clock::now() - 3h);

  auto result = check("rpo: 25h\nentries: directories");
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_NEAR(measurement(result, "backup_age_seconds"), 5, 3) << "the newest file inside";
  EXPECT_DOUBLE_EQ(measurement(result, "backup_size_ratio"), 1) << "12-04 against 12-01..03";

  result = check("rpo: 25h\nentries: directories\nsettle: 0s");
  EXPECT_EQ(result.status, ProbeStatus::Degraded) << result.detail;
  EXPECT_EQ(result.detail, "2026-12-05 is 1.5 KiB, 15 % of the usual 9.8 KiB");
  EXPECT_DOUBLE_EQ(measurement(result, "backup_size_ratio"), 0.15);
}

TEST_F(BackupEntriesTest, TruncatedArchiveIsBadResponseNeverCorrupt) {
  const std::string gz = testing::gzip_member(testing::payload());
  write("mongo-20261204.tar.gz", 26h, gz);
  const auto newest = write("mongo-20261205.tar.gz", 2h, gz.substr(0, gz.size() / 2));
  auto probe = probe_from_yaml("backup_age", "directory: " + dir.path().string() +
                                                 "\nrpo: 25h\npattern: '*.tar.gz'\nmin_ratio: 0");
  auto result = probe->check(5s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy) << result.detail;
  EXPECT_EQ(result.failure, FailureKind::BadResponse);
  EXPECT_EQ(result.detail, "mongo-20261205.tar.gz is truncated (gzip stream ends early)");
  EXPECT_EQ(measurement(result, "backup_archive_ok"), 0);
  ASSERT_TRUE(result.memory);

  // The copy is repaired: a new size, so it is read again and passes.
  const auto mtime = fs::last_write_time(newest);
  dir.write("mongo-20261205.tar.gz", gz);
  fs::last_write_time(newest, mtime);
  result = probe->check(5s);
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_NE(result.detail.find("; mongo-20261205.tar.gz passed the gzip check"), std::string::npos)
      << result.detail;
  EXPECT_EQ(measurement(result, "backup_archive_ok"), 1);
  ASSERT_TRUE(result.memory);
  const std::string memory = *result.memory;

  // Read once per version: damage that keeps size and mtime is not seen by this probe, nor by
  // the one built after a restart from its memory; a probe without the memory reads the file.
  std::string flipped = gz;
  flipped[gz.size() / 2] ^= 0x10;
  dir.write("mongo-20261205.tar.gz", flipped);
  fs::last_write_time(newest, mtime);
  result = probe->check(5s);
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << "remembered: " << result.detail;
  EXPECT_FALSE(result.memory) << "nothing new to remember";
  auto restarted =
      probe_from_yaml("backup_age", "directory: " + dir.path().string() +
                                        "\nrpo: 25h\npattern: '*.tar.gz'\nmin_ratio: 0");
  restarted->restore_memory(memory);
  EXPECT_EQ(restarted->check(5s).status, ProbeStatus::Healthy);
  result = check("rpo: 25h\npattern: '*.tar.gz'\nmin_ratio: 0");
  EXPECT_EQ(result.failure, FailureKind::BadResponse) << result.detail;
  EXPECT_NE(result.detail.find("is corrupt (gzip: "), std::string::npos) << result.detail;
}

TEST_F(BackupEntriesTest, IntegrityKeysAndTheFileBeingWritten) {
  const std::string zst = testing::zstd_frame(testing::payload(64 * 1024));
  write("m-1.tar.zst", 26h, zst);
  write("m-2.tar.zst", 2h, zst.substr(0, zst.size() - 10));
  expect_cases("rpo: 25h\nmin_ratio: 0\n",
               {
                   {"", ProbeStatus::Unhealthy, "m-2.tar.zst is truncated (zstd frame ends early)"},
                   {"check_integrity: false", ProbeStatus::Healthy, "(2 files)"},
                   {"integrity_max_size: 1KiB", ProbeStatus::Healthy,
                    "; m-2.tar.zst not checked (larger than integrity_max_size 1 KiB)"},
                   {"settle: 3h", ProbeStatus::Healthy, "; m-1.tar.zst passed the zstd check"},
               });
  EXPECT_THROW(check("rpo: 1h\nentries: folders"), config::ConfigError);
  EXPECT_THROW(check("rpo: 1h\ncheck_integrity: maybe"), config::ConfigError);
}

}  // namespace
}  // namespace watchdog::probes
