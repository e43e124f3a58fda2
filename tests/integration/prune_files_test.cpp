// `watchdog backups prune --glob` through the real binary on a temp dir of real per-day dump
// directories and archives (issue #17): dry-run deletes nothing, the real run removes exactly
// what the dry run listed (directories with their contents), and the dangerous globs are refused
// before anything is touched. MongoDB itself is not installable here: the dump directories are
// laid out as mongodump writes them (one directory per database, .bson + .metadata.json).
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/integration/harness.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// Creates `relative` (a file with its parent directories) with every part's mtime at `when`.
void write_aged(const TempDir& root, const fs::path& relative, fs::file_time_type when) {
  fs::create_directories((root / relative.string()).parent_path());
  root.write(relative.string(), "dump data");
  for (auto p = root / relative.string(); p != root.path(); p = p.parent_path()) {
    fs::last_write_time(p, when);
  }
}

std::vector<std::string> names_in(const fs::path& directory) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(directory)) {
    names.push_back(entry.path().filename().native());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(PruneFiles, DryRunThenPruneKeepsWithinAndRefusesDangerousGlobs) {
  TempDir root;
  const auto now = fs::file_time_type::clock::now();  // one instant: day-07 is exactly 7d older
  // 12 daily dumps, the newest 1h old; mongo/day-00 is the newest, mongo/day-11 the oldest.
  for (int day = 0; day < 12; ++day) {
    const std::string name = "mongo/day-" + std::string(day < 10 ? "0" : "") + std::to_string(day);
    write_aged(root, name + "/shop/orders.bson", now - 1h - day * 24h);
  }
  // Not counted, never deleted (--settle, default 5m): a dump still being written and one
  // dated in the future, which would otherwise move the 7-day cutoff 2 days forward.
  write_aged(root, "mongo/day-new/shop/orders.bson", now);
  write_aged(root, "mongo/day-future/shop/orders.bson", now + 48h);
  write_aged(root, "mongo/old-20261001.tar.gz", now - 24h * 60);  // a file is an item too
  write_aged(root, "mongo/.partial-upload", now - 24h * 60);      // hidden: "*" never matches it
  fs::create_directory_symlink(root / "mongo/day-00", root / "mongo/latest");  // never an item
  const std::string glob = (root / "mongo").string() + "/*";
  auto prune = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {kWatchdog, "backups", "prune"});
    return run_command(args, {}, 60s);
  };
  const auto before = names_in(root / "mongo");

  // 7 days from the newest: day-00 … day-06 stay (day-07 is exactly 7 days older: restic keeps
  // only what is strictly newer); nothing moves in a dry run.
  auto dry = prune({"--glob", glob, "--entries", "any", "--keep-within", "7d", "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.out << dry.err;
  EXPECT_NE(dry.out.find("keep   day-06  (within 7d)"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("keep   day-00  (within 7d, newest good)"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("would delete day-07\n"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("would delete old-20261001.tar.gz"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("skip   latest  (symlink)"), std::string::npos) << dry.out;
  EXPECT_EQ(dry.out.find("partial"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("skip   day-new  (younger than --settle 5m)"), std::string::npos);
  EXPECT_NE(dry.out.find("skip   day-future  (dated in the future)"), std::string::npos);
  EXPECT_NE(dry.err.find("warning: day-future is dated in the future"), std::string::npos);
  // --entries defaults to files, as the probe's: no dump directory is judged, the one file is
  // the newest and stays.
  auto files_only = prune({"--glob", glob, "--keep-last", "1", "--dry-run"});
  ASSERT_EQ(files_only.exit_code, 0) << files_only.out << files_only.err;
  EXPECT_EQ(files_only.out.find("day-0"), std::string::npos) << files_only.out;
  EXPECT_NE(files_only.out.find("keep   old-20261001.tar.gz  (last, newest good)"),
            std::string::npos)
      << files_only.out;
  EXPECT_EQ(names_in(root / "mongo"), before);

  // Refused before anything is listed or deleted: exit 2, the tree untouched.
  const fs::path outside = root / "elsewhere";
  fs::create_directory(outside);
  fs::create_directory_symlink(outside, root / "mongo/evil");
  const std::vector<std::vector<std::string>> refused = {
      {"--glob", "/*", "--keep-last", "1"},
      {"--glob", "mongo/*", "--keep-last", "1"},
      {"--glob", (root / "*").string() + "/shop", "--keep-last", "1"},
      {"--glob", glob},                         // no --keep-* rule
      {"--glob", glob, "--keep-within", "7"},   // a duration needs its unit
      {"--glob", glob, "--keep-within", "6m"},  // minutes here, months in restic: refused
      {"--glob", glob, "--keep-last", "1"},     // mongo/evil leads out
      {"--glob", glob, "--keep-last", "1", "--entries", "dirs"},
      {"--glob", glob, "--keep-last", "1", "--settle", "soon"},
      {"--dry-run"},  // neither -c nor --glob
  };
  for (const auto& args : refused) {
    const auto result = prune(args);
    EXPECT_EQ(result.exit_code, 2)
        << args[0] << " " << (args.size() > 1 ? args[1] : "") << ": " << result.out << result.err;
  }
  EXPECT_NE(prune({"--glob", glob, "--keep-last", "1"}).err.find("leads out of"),
            std::string::npos);
  EXPECT_NE(prune({"--glob", glob, "--keep-within", "6m"}).err.find("for months write e.g. 180d"),
            std::string::npos);
  EXPECT_NE(prune({"--glob", glob, "-c", "/x.yaml", "--keep-last", "1"}).exit_code, 0);
  fs::remove(root / "mongo/evil");
  EXPECT_EQ(names_in(root / "mongo"), before);

  auto real = prune({"--glob", glob, "--entries", "any", "--keep-within", "7d"});
  ASSERT_EQ(real.exit_code, 0) << real.out << real.err;
  EXPECT_NE(real.out.find("delete day-11\n"), std::string::npos) << real.out;
  EXPECT_EQ(
      names_in(root / "mongo"),
      (std::vector<std::string>{".partial-upload", "day-00", "day-01", "day-02", "day-03", "day-04",
                                "day-05", "day-06", "day-future", "day-new", "latest"}));
  EXPECT_TRUE(fs::exists(root / "mongo/day-06/shop/orders.bson"));
  EXPECT_TRUE(fs::exists(outside)) << "nothing outside the directory is touched";
}

}  // namespace
}  // namespace watchdog::testing
