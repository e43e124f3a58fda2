// Game days (issue #19): disk-filling on a real tmpfs, backups-stale against real PostgreSQL
// backups and a custom scenario's argv — each Scenario driven directly with a test Context.
// (The container scenarios, with a real dockerd and `watchdog run`: gameday_container_test.cpp.)
#include <gtest/gtest.h>
#include <sys/statvfs.h>

#include <fstream>
#include <set>
#include <thread>

#include "actions/backup/backup_runner.h"
#include "tests/integration/backup_fixture.h"
#include "tests/integration/gameday_context.h"
#include "tests/support/tmpfs_mount.h"
#include "watchdog/gameday/service_scenarios.h"

namespace watchdog::testing {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
namespace catalog = probes::backup;

// The used share as the disk probe computes it.
double used_share(const fs::path& volume) {
  struct statvfs stats {};
  if (::statvfs(volume.c_str(), &stats) != 0) return -1;
  const double used = double(stats.f_blocks) - double(stats.f_bfree);
  return used / (used + double(stats.f_bavail));
}

std::uint64_t free_bytes(const fs::path& volume) {
  struct statvfs stats {};
  ::statvfs(volume.c_str(), &stats);
  return std::uint64_t(stats.f_bavail) * stats.f_frsize;
}

std::vector<std::string> names_in(const fs::path& directory) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(directory)) {
    names.push_back(entry.path().filename().string());
  }
  return names;
}

void prepare_volume(ScenarioBench& bench, const fs::path& volume, double fill_to) {
  bench.component.name = "data";
  bench.component.gameday.volume = volume.string();
  bench.component.gameday.fill_to = fill_to;
}

TEST(GamedayService, DiskFillingReachesFillToAndTheRevertRemovesTheFile) {
  TempDir dir;
  const fs::path volume = dir / "volume";
  REQUIRE_TMPFS(mount, volume, "256m");
  ScenarioBench bench;
  prepare_volume(bench, volume, 0.6);
  auto scenario = gameday::make_disk_filling(bench.config, bench.component);
  auto ctx = bench.context();
  EXPECT_EQ(scenario->expect(), config::GamedayExpect::Detect);

  scenario->inject(ctx);
  EXPECT_NEAR(used_share(volume), 0.6, 0.01);
  const auto names = names_in(volume);
  ASSERT_EQ(names.size(), 1u);
  EXPECT_TRUE(names[0].starts_with(".watchdog-gameday-fill-")) << names[0];
  EXPECT_EQ(bench.memory.value("file", ""), (volume / names[0]).string());
  EXPECT_GE(bench.saves, 1) << "the file's name is saved for a revert after a crash";

  // Already above the share a second game day would fill to: refused, nothing written.
  ScenarioBench second;
  prepare_volume(second, volume, 0.5);
  auto again = gameday::make_disk_filling(second.config, second.component);
  auto second_ctx = second.context();
  try {
    again->inject(second_ctx);
    ADD_FAILURE() << "a volume above fill_to must be refused";
  } catch (const gameday::ScenarioError& error) {
    EXPECT_NE(std::string(error.what()).find("is already 60 % used (fill_to 50 %)"),
              std::string::npos)
        << error.what();
  }
  EXPECT_EQ(names_in(volume).size(), 1u);

  scenario->revert(ctx);
  EXPECT_TRUE(names_in(volume).empty());
  EXPECT_LT(used_share(volume), 0.01);
  EXPECT_NO_THROW(scenario->revert(ctx)) << "idempotent";
}

TEST(GamedayService, DiskFillingKeepsItsFloorAndGivesWayToOtherWriters) {
  TempDir dir;
  const fs::path volume = dir / "volume";
  REQUIRE_TMPFS(mount, volume, "256m");
  {
    // 90 % of 256 MiB would leave 25.6 MiB: under the 64 MiB floor, refused before writing.
    ScenarioBench bench;
    prepare_volume(bench, volume, 0.9);
    auto scenario = gameday::make_disk_filling(bench.config, bench.component);
    auto ctx = bench.context();
    try {
      scenario->inject(ctx);
      ADD_FAILURE() << "the 64 MiB floor must be kept";
    } catch (const gameday::ScenarioError& error) {
      EXPECT_NE(std::string(error.what()).find("under the 64 MiB floor"), std::string::npos)
          << error.what();
    }
    EXPECT_TRUE(names_in(volume).empty());
  }
  ScenarioBench bench;
  prepare_volume(bench, volume, 0.6);
  auto scenario = gameday::make_disk_filling(bench.config, bench.component);
  auto ctx = bench.context();
  scenario->inject(ctx);
  ASSERT_GE(free_bytes(volume), 64u << 20);
  {
    // Someone else writes 60 MiB meanwhile: free space falls under the floor.
    std::ofstream other(volume / "app.log", std::ios::binary);
    const std::string mib(1 << 20, 'x');
    for (int i = 0; i < 60; ++i) other << mib;
  }
  ASSERT_LT(free_bytes(volume), 64u << 20);
  scenario->tick(ctx);
  EXPECT_GE(free_bytes(volume), 64u << 20) << bench.all_notes();
  EXPECT_NE(bench.all_notes().find("shrank the synthetic file"), std::string::npos)
      << bench.all_notes();
  EXPECT_TRUE(fs::exists(bench.memory.value("file", "")));
  scenario->revert(ctx);
  EXPECT_EQ(names_in(volume), std::vector<std::string>{"app.log"}) << "only its own file removed";
}

// Re-dates a fresh backup as if it had started `age` ago (new name, file and metadata).
void age_backup(const fs::path& directory, catalog::BackupMetadata metadata,
                std::chrono::hours age) {
  const std::string old_file = metadata.file, old_name = metadata.name;
  metadata.started -= age;
  metadata.finished -= age;
  metadata.name = catalog::backup_name(metadata.target, metadata.started);
  metadata.file = catalog::backup_file(metadata.name, metadata.format);
  fs::rename(directory / old_file, directory / metadata.file);
  fs::remove(directory / (old_name + ".json"));
  std::string error;
  ASSERT_TRUE(catalog::write_metadata(directory, metadata, error)) << error;
}

std::map<std::string, std::string> checksums(const config::BackupTargetSpec& target) {
  std::string error;
  std::map<std::string, std::string> out;
  for (const auto& backup : catalog::list_backups(target.directory, target.name, error)) {
    out[backup.name] = backup.sha256;
  }
  return out;
}

TEST(GamedayService, BackupsStaleHidesTheRecentBackupsAndTheRevertPutsThemBack) {
  PostgresServer server;
  create_shop(server);
  TempDir dir;
  auto target = shop_target(server, dir / "backups", server.password());
  target.rpo = 1h;
  fs::create_directories(target.directory);
  auto old = actions::run_backup(target, 60s);
  ASSERT_TRUE(old.ok) << old.error;
  age_backup(target.directory, *old.metadata, 3h);
  ASSERT_TRUE(actions::run_backup(target, 60s).ok);
  std::this_thread::sleep_for(1100ms);  // a new second: a new name
  ASSERT_TRUE(actions::run_backup(target, 60s).ok);
  const auto before = checksums(target);
  ASSERT_EQ(before.size(), 3u);

  ScenarioBench bench;
  bench.config.backups = {target};
  bench.component.name = "postgres";
  bench.component.gameday.backup_target = "main";
  auto scenario = gameday::make_backups_stale(bench.config, bench.component);
  auto ctx = bench.context();
  EXPECT_EQ(scenario->expect(), config::GamedayExpect::Recover);
  scenario->inject(ctx);

  std::string error;
  auto visible = catalog::list_backups(target.directory, target.name, error);
  ASSERT_EQ(visible.size(), 1u) << bench.all_notes();
  EXPECT_LT(visible.back().started, std::chrono::system_clock::now() - target.rpo)
      << "the newest backup the catalog sees breaches the rpo";
  const fs::path hidden = bench.memory.value("hidden_dir", "");
  EXPECT_EQ(hidden.parent_path(), target.directory);
  EXPECT_TRUE(hidden.filename().string().starts_with(".gameday-hidden-"));
  EXPECT_EQ(names_in(hidden).size(), 4u) << "two dumps and their metadata";
  EXPECT_TRUE(catalog::orphan_files(target.directory, target.name).empty());

  // The watchdog's backup_now meanwhile, with a retention that keeps only the newest: the
  // hidden backups are out of its reach.
  auto pruning = target;
  pruning.retention.keep_last = 1;
  std::this_thread::sleep_for(1100ms);
  auto fresh = actions::run_backup(pruning, 60s);
  ASSERT_TRUE(fresh.ok) << fresh.error;
  EXPECT_EQ(fresh.removed.size(), 1u) << "the aged backup, the only one retention can see";
  EXPECT_EQ(names_in(hidden).size(), 4u);

  scenario->revert(ctx);
  EXPECT_FALSE(fs::exists(hidden));
  auto after = checksums(target);
  std::size_t back = 0;
  for (const auto& backup : catalog::list_backups(target.directory, target.name, error)) {
    if (!before.count(backup.name)) continue;
    ++back;
    EXPECT_EQ(backup.sha256, before.at(backup.name)) << backup.name;
    EXPECT_TRUE(catalog::verify_backup(target.directory, backup).ok) << backup.name;
  }
  EXPECT_EQ(back, 2u) << "both hidden backups are back under their own names";
  EXPECT_TRUE(after.count(fresh.metadata->name));
  EXPECT_NO_THROW(scenario->revert(ctx)) << "idempotent";
  EXPECT_NE(bench.all_notes().find("hid 2 backup(s) of main"), std::string::npos)
      << bench.all_notes();
}

TEST(GamedayService, CustomScenarioRunsItsArgvAndReportsAFailedInject) {
  TempDir dir;
  const fs::path flag = dir / "broken.flag";
  config::CustomScenarioSpec spec;
  spec.name = "api-config-broken";
  spec.inject = {"/bin/sh", "-c", "echo broken > " + flag.string()};
  spec.revert = {"/bin/rm", "-f", flag.string()};
  spec.expect = config::GamedayExpect::GiveUp;
  ScenarioBench bench;
  bench.component.name = "api";
  bench.component.gameday.scenarios = {spec};
  auto scenario = gameday::make_scenario("api-config-broken", bench.config, bench.component);
  auto ctx = bench.context();
  EXPECT_EQ(scenario->expect(), config::GamedayExpect::GiveUp);
  EXPECT_EQ(scenario->plan().front(), "run: /bin/sh -c echo broken > " + flag.string());
  scenario->inject(ctx);
  EXPECT_TRUE(fs::exists(flag));
  scenario->revert(ctx);
  EXPECT_FALSE(fs::exists(flag));
  EXPECT_NO_THROW(scenario->revert(ctx));

  spec.inject = {"/bin/sh", "-c", "echo 'no such table: users' >&2; echo second >&2; exit 3"};
  auto failing = gameday::make_custom(spec, bench.config, bench.component);
  try {
    failing->inject(ctx);
    ADD_FAILURE() << "a failed inject must throw";
  } catch (const gameday::ScenarioError& error) {
    EXPECT_EQ(std::string(error.what()),
              "api-config-broken: inject failed (exit 3): no such table: users");
  }
  spec.inject = {(dir / "no-such-tool").string()};
  auto missing = gameday::make_custom(spec, bench.config, bench.component);
  try {
    missing->inject(ctx);
    ADD_FAILURE() << "a missing program must throw";
  } catch (const gameday::ScenarioError& error) {
    EXPECT_NE(std::string(error.what()).find("api-config-broken: inject could not start"),
              std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace watchdog::testing
