// kind: files restores that replace a tree: the backups are never moved aside with it (also when
// they are reached through a symlink), and every previous tree is kept under its own name.
#include <gtest/gtest.h>

#include <filesystem>

#include "actions/backup/files_driver.h"
#include "actions/backup/restore.h"
#include "actions/factory.h"
#include "config/loader.h"
#include "tests/support/temp_dir.h"

namespace watchdog::actions {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// A files target of `source` backed up into `backups`, with one backup taken.
config::Config backed_up(const fs::path& source, const fs::path& backups) {
  const std::string yaml = "backups:\n  - name: tree\n    kind: files\n    source: " +
                           source.string() + "\n    directory: " + backups.string() +
                           "\ncomponents:\n  - name: app\n    probes:\n      - name: p\n"
                           "        kind: command\n        argv: [/bin/true]\n"
                           "    recovery:\n      actions:\n"
                           "        - kind: backup_now\n          target: tree\n";
  auto config = config::load_config_text(yaml, "test.yaml");
  const auto backup = make_action(config.components.at(0).recovery.actions.at(0), config.backups);
  const auto done = backup->run(Incident{"app-1", "app", 1, "test"}, 30s);
  EXPECT_TRUE(done.ok) << done.detail;
  return config;
}

RestoreOutcome replace_with_latest(const config::BackupTargetSpec& target) {
  RestoreRequest request;
  request.replace = true;
  request.timeout = 30s;
  return restore_backup(target, request);
}

TEST(FilesRestore, RefusesToMoveBackupsReachedThroughASymlinkAside) {
  testing::TempDir dir;
  dir.write("real/a.txt", "a\n");
  fs::create_directory_symlink(dir / "real", dir / "alias");
  const auto config = backed_up(dir / "real", dir / "alias" / "backups");
  const auto restored = replace_with_latest(config.backups.at(0));
  EXPECT_FALSE(restored.ok);
  EXPECT_TRUE(restored.refused);
  EXPECT_NE(restored.error.find("lies inside " + (dir / "real").string()), std::string::npos)
      << restored.error;
  EXPECT_TRUE(fs::is_directory(dir / "real" / "backups"));
  EXPECT_TRUE(fs::exists(dir / "real" / "a.txt"));
}

TEST(FilesRestore, KeepsEachPreviousTreeUnderItsOwnName) {
  testing::TempDir dir;
  dir.write("src/a.txt", "a\n");
  const auto config = backed_up(dir / "src", dir / "backups");
  std::vector<std::string> notes;
  for (int i = 0; i < 2; ++i) {  // usually within one second: the same TIME in the name
    dir.write("src/changed.txt", std::to_string(i));
    const auto restored = replace_with_latest(config.backups.at(0));
    ASSERT_TRUE(restored.ok) << restored.error;
    EXPECT_TRUE(restored.note.starts_with("the previous tree is kept as ")) << restored.note;
    notes.push_back(restored.note);
  }
  EXPECT_NE(notes[0], notes[1]);
  int kept = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    if (entry.path().filename().string().starts_with("src.before-restore-")) {
      ++kept;
      EXPECT_TRUE(fs::exists(entry.path() / "changed.txt")) << entry.path();
    }
  }
  EXPECT_EQ(kept, 2);
  EXPECT_FALSE(fs::exists(dir / "src" / "changed.txt"));
  EXPECT_TRUE(fs::exists(dir / "src" / "a.txt"));
}

TEST(FilesRestore, NeedsTheListingsSizePlusTenPercentFree) {
  using Type = probes::backup::ListedEntry::Type;
  const std::vector<probes::backup::ListedEntry> listing = {
      {"", Type::Directory, 0, "", ""},
      {"a.bin", Type::File, 600, "", ""},
      {"b.bin", Type::File, 400, "", ""},
      {"link", Type::Symlink, 0, "", "a.bin"}};
  const struct {
    std::uint64_t available;
    bool enough;
  } cases[] = {{1100, true}, {5000, true}, {1099, false}, {1000, false}, {0, false}};
  for (const auto& c : cases) {
    const auto error = space_shortfall(listing, c.available, "/srv");
    EXPECT_EQ(error.empty(), c.enough) << c.available << ": " << error;
    if (!c.enough) {
      EXPECT_TRUE(error.starts_with("not enough space in /srv for ")) << error;
    }
  }
  EXPECT_EQ(space_shortfall({}, 0, "/srv"), "");
}

}  // namespace
}  // namespace watchdog::actions
