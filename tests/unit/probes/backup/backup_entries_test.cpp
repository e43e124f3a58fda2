// The listing behind `backup_age` and `backups prune --glob` (issue #17) on real trees in a temp
// dir: symlinks reported once (never walked), dump directories that vanish while listed or
// walked (a prune from cron) skipped rather than failing.
#include "probes/backup/backup_entries.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/support/temp_dir.h"

namespace watchdog::probes::backup {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

std::chrono::steady_clock::time_point soon() { return std::chrono::steady_clock::now() + 30s; }

std::vector<std::string> names(const EntryListing& listing) {
  std::vector<std::string> out;
  for (const auto& entry : listing.entries) out.push_back(entry.name);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(BackupEntries, SymlinksAreReportedOnceAndNeverWalked) {
  testing::TempDir dir;
  dir.write("2026-12-05/shop/orders.bson", std::string(100, 'x'));
  dir.write("db.dump", "dump");
  fs::create_directory_symlink(dir / "2026-12-05", dir / "latest");
  fs::create_symlink(dir / "db.dump", dir / "db-latest.dump");
  fs::create_symlink(dir / "gone", dir / "dangling");

  const auto listing = list_backup_entries(dir.path(), "*", EntryKinds::Any, soon());
  ASSERT_EQ(listing.failure, FailureKind::None) << listing.error;
  // A symlink to a file is followed (as the probe always did) and marked; one to a directory
  // or nowhere is no entry. All three are in `symlinks`, for prune to skip and check.
  EXPECT_EQ(names(listing), (std::vector<std::string>{"2026-12-05", "db-latest.dump", "db.dump"}));
  for (const auto& entry : listing.entries) {
    EXPECT_EQ(entry.symlink, entry.name == "db-latest.dump") << entry.name;
  }
  auto links = listing.symlinks;
  std::sort(links.begin(), links.end());
  EXPECT_EQ(links, (std::vector<std::string>{"dangling", "db-latest.dump", "latest"}));
}

TEST(BackupEntries, DirectoriesVanishingDuringTheWalkAreSkipped) {
  testing::TempDir dir;
  dir.write("2026-12-05/shop/orders.bson", std::string(100, 'x'));
  std::string error;

  BackupEntry gone{"2026-12-01", {}, 0, true};
  EXPECT_EQ(walk_dump_directory(dir / "2026-12-01", gone, soon(), error), WalkOutcome::Vanished);
  EXPECT_EQ(error, "");

  BackupEntry whole{"2026-12-05", {}, 0, true};
  EXPECT_EQ(walk_dump_directory(dir / "2026-12-05", whole, soon(), error), WalkOutcome::Done);
  EXPECT_EQ(whole.size, 100u);

  BackupEntry late{"2026-12-05", {}, 0, true};
  EXPECT_EQ(
      walk_dump_directory(dir / "2026-12-05", late, std::chrono::steady_clock::now() - 1s, error),
      WalkOutcome::Timeout);
  const auto listing = list_backup_entries(dir.path(), "*", EntryKinds::Directories,
                                           std::chrono::steady_clock::now() - 1s);
  EXPECT_EQ(listing.failure, FailureKind::Timeout);
}

TEST(BackupEntries, OnlyTheNewestDirectoriesByTheirOwnMtimeAreWalked) {
  testing::TempDir dir;
  const auto now = fs::file_time_type::clock::now();
  for (int day = 1; day <= 5; ++day) {
    const std::string name = "2026-12-0" + std::to_string(day);
    dir.write(name + "/orders.bson", std::string(static_cast<std::size_t>(day) * 10, 'x'));
    fs::last_write_time(dir / (name + "/orders.bson"), now - std::chrono::hours(24 * (6 - day)));
    fs::last_write_time(dir / name, now - std::chrono::hours(24 * (6 - day)));
  }
  // An old run with a file touched later: its own mtime keeps it out of the walk.
  fs::last_write_time(dir / "2026-12-01/orders.bson", now);

  auto listing = list_backup_entries(dir.path(), "*", EntryKinds::Directories, soon(), 2);
  ASSERT_EQ(listing.failure, FailureKind::None) << listing.error;
  EXPECT_EQ(names(listing), (std::vector<std::string>{"2026-12-04", "2026-12-05"}));
  EXPECT_EQ(listing.unwalked, 3u);
  EXPECT_EQ(listing.entries.back().size, 50u);

  listing = list_backup_entries(dir.path(), "*", EntryKinds::Directories, soon());
  EXPECT_EQ(listing.entries.size(), 5u);
  EXPECT_EQ(listing.unwalked, 0u);
  EXPECT_EQ(listing.entries.back().name, "2026-12-01") << "walked: the touched file is newest";
}

}  // namespace
}  // namespace watchdog::probes::backup
