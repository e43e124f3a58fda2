// `kind: files` backup targets through the real binary (issue #17): a tree backed up as our own
// tar stream with a per-file listing, verified, drilled (restored into a temp dir, listing
// compared), restored into a new directory (the backup's content, not a later alteration), the
// non-empty guard and --yes (the replaced tree kept as DIR.before-restore-TIME), and a
// corrupted backup that verify reports and restore refuses.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/integration/harness.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

TEST(BackupFilesTarget, BacksUpDrillsRestoresWithGuardAndSafetyCopyAndRefusesCorruption) {
  TempDir dir;
  const fs::path source = dir / "models";
  fs::create_directories(source / "v2" / "weights");
  fs::create_directories(source / "cache");
  dir.write("models/v2/weights/layer0.bin", std::string(300000, '\x01'));
  dir.write("models/v2/config.yaml", "layers: 12\n");
  dir.write("models/cache/tmp.bin", "excluded");
  fs::create_symlink("v2", source / "current");
  // The backups live inside the source: they must never back themselves up.
  const fs::path backups = source / "backups";
  const std::string config =
      dir.write("watchdog.yaml", fill(R"(backups:
  - name: models
    kind: files
    source: @SOURCE@
    exclude: [cache]
    directory: @BACKUPS@
components:
  - name: backups
    probes:
      - {name: models-backup, kind: backup, target: models}
)",
                                      {{"SOURCE", source.string()}, {"BACKUPS", backups.string()}}))
          .string();
  auto watchdog = [&](std::vector<std::string> args) {
    args.insert(args.begin(), kWatchdog);
    args.insert(args.end(), {"-c", config, "--target", "models"});
    return run_command(args, {}, 60s);
  };

  const auto backup = watchdog({"backup"});
  ASSERT_EQ(backup.exit_code, 0) << backup.out << backup.err;
  const auto list = watchdog({"backups", "list", "--json"});
  const auto rows = nlohmann::json::parse(list.out.substr(list.out.find('[')));
  ASSERT_EQ(rows.size(), 1u) << list.out;
  const std::string name = rows[0]["name"];
  const auto meta = nlohmann::json::parse(read_text(backups / (name + ".json")));
  EXPECT_EQ(meta["format"], "tar");
  std::vector<std::string> listed;
  for (const auto& row : meta["listing"]) listed.push_back(row["path"]);
  EXPECT_EQ(listed, (std::vector<std::string>{"", "current", "v2", "v2/config.yaml", "v2/weights",
                                              "v2/weights/layer0.bin"}));
  EXPECT_EQ(meta["listing"][3]["size"], 11);

  const auto drill = watchdog({"drill"});
  EXPECT_EQ(drill.exit_code, 0) << drill.out;
  EXPECT_NE(drill.out.find("models: drill passed: " + name + ": 2 files, 293 KiB, listing matches"),
            std::string::npos)
      << drill.out;

  dir.write("models/v2/config.yaml", "layers: 13 (altered after the backup)\n");
  const fs::path copy = dir / "copy";
  const auto restored = watchdog({"restore", "latest", "--into", copy.string()});
  ASSERT_EQ(restored.exit_code, 0) << restored.out << restored.err;
  EXPECT_EQ(read_text(copy / "v2" / "config.yaml"), "layers: 12\n");
  EXPECT_EQ(fs::read_symlink(copy / "current"), "v2");
  EXPECT_EQ(fs::file_size(copy / "v2" / "weights" / "layer0.bin"), 300000u);
  EXPECT_FALSE(fs::exists(copy / "cache"));
  EXPECT_FALSE(fs::exists(copy / "backups"));

  // Into the source itself: refused while it holds files, and with --yes while the backups live
  // inside it; then the altered tree is kept beside it.
  const auto guarded = watchdog({"restore", "latest"});
  EXPECT_EQ(guarded.exit_code, 1);
  EXPECT_NE(guarded.out.find("restore refused: directory " + source.string() + " is not empty"),
            std::string::npos)
      << guarded.out;
  const auto inside = watchdog({"restore", "latest", "--yes"});
  EXPECT_EQ(inside.exit_code, 1);
  EXPECT_NE(inside.out.find("the backup directory " + backups.string() + " lies inside"),
            std::string::npos)
      << inside.out;
  fs::rename(backups, dir / "backups-aside");
  std::string text = read_text(config);
  text.replace(text.find(backups.string()), backups.string().size(),
               (dir / "backups-aside").string());
  dir.write("watchdog.yaml", text);
  const auto replaced = watchdog({"restore", "latest", "--yes"});
  ASSERT_EQ(replaced.exit_code, 0) << replaced.out << replaced.err;
  EXPECT_EQ(read_text(source / "v2" / "config.yaml"), "layers: 12\n");
  std::vector<fs::path> kept;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    if (entry.path().filename().string().starts_with("models.before-restore-")) {
      kept.push_back(entry.path());
    }
  }
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_NE(replaced.out.find("(the previous tree is kept as " + kept[0].string() + ")"),
            std::string::npos)
      << replaced.out;
  EXPECT_EQ(read_text(kept[0] / "v2" / "config.yaml"), "layers: 13 (altered after the backup)\n");
  EXPECT_EQ(read_text(kept[0] / "cache" / "tmp.bin"), "excluded");

  // One flipped byte: verify fails, and restore refuses rather than extract it.
  const fs::path tar = dir / "backups-aside" / (name + ".tar");
  {
    std::fstream data(tar, std::ios::in | std::ios::out | std::ios::binary);
    data.seekp(2000);
    data.put('\x7f');
  }
  const auto verify = watchdog({"backups", "verify"});
  EXPECT_NE(verify.exit_code, 0);
  EXPECT_NE(verify.out.find("checksum mismatch"), std::string::npos) << verify.out;
  const auto refused = watchdog({"restore", name, "--into", (dir / "never").string()});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.out.find("verification failed, not restoring"), std::string::npos)
      << refused.out;
  EXPECT_FALSE(fs::exists(dir / "never"));
}

}  // namespace
}  // namespace watchdog::testing
