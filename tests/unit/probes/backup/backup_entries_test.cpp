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
  EXPECT_EQ(walk_dump_directory(dir / "2026-12-05", late, std::chrono::steady_clock::now() - 1s,
                                error),
            WalkOutcome::Timeout);
  const auto listing = list_backup_entries(dir.path(), "*", EntryKinds::Directories,
                                           std::chrono::steady_clock::now() - 1s);
  EXPECT_EQ(listing.failure, FailureKind::Timeout);
}

}  // namespace
}  // namespace watchdog::probes::backup
