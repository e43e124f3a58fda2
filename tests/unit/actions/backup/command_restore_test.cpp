// restore_latest with `replace: true` on a `kind: command` target: the target's own command
// copies the live store into a safety dump first; when that copy fails, restore_command never
// runs over the store.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "actions/factory.h"
#include "config/loader.h"
#include "tests/support/temp_dir.h"

namespace watchdog::actions {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string read_text(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(CommandRestoreLatest, TakesASafetyDumpBeforeReplacingAndRefusesWithoutOne) {
  testing::TempDir dir;
  const fs::path store = dir.write("store", "v1\n");
  const std::string yaml = "backups:\n  - name: store\n    kind: command\n"
                           "    command: [/bin/cat, " + store.string() + "]\n"
                           "    restore_command: [/bin/sh, -c, 'cat > " + store.string() + "']\n"
                           "    directory: " + (dir / "backups").string() + "\n"
                           "components:\n  - name: app\n    probes:\n      - name: p\n"
                           "        kind: command\n        argv: [/bin/true]\n"
                           "    recovery:\n      actions:\n"
                           "        - kind: backup_now\n          target: store\n"
                           "        - kind: restore_latest\n          target: store\n"
                           "          replace: true\n";
  const auto config = config::load_config_text(yaml, "test.yaml");
  const auto& specs = config.components.at(0).recovery.actions;
  const auto backup = make_action(specs.at(0), config.backups);
  const auto restore = make_action(specs.at(1), config.backups);
  EXPECT_NE(restore->describe().find("after a safety dump"), std::string::npos);
  const Incident incident{"app-1", "app", 1, "store lost its data"};
  ASSERT_TRUE(backup->run(incident, 30s).ok);

  dir.write("store", "v2 live\n");  // what a replace would lose without the safety dump
  const auto restored = restore->run(incident, 30s);
  ASSERT_TRUE(restored.ok) << restored.detail;
  EXPECT_EQ(read_text(store), "v1\n");
  EXPECT_TRUE(restored.detail.starts_with("safety dump store_safety_")) << restored.detail;
  int safety_dumps = 0;
  for (const auto& entry : fs::directory_iterator(dir / "backups")) {
    const std::string file = entry.path().filename().string();
    if (!file.starts_with("store_safety_") || !file.ends_with(".dump")) continue;
    ++safety_dumps;
    EXPECT_EQ(read_text(entry.path()), "v2 live\n");
    const auto meta = read_text(dir / "backups" / (file.substr(0, file.size() - 5) + ".json"));
    EXPECT_NE(meta.find("watchdog-safety-dump"), std::string::npos) << meta;
  }
  EXPECT_EQ(safety_dumps, 1);

  fs::remove(store);  // the dump command now fails: no copy, so the store is not touched
  const auto refused = restore->run(incident, 30s);
  EXPECT_FALSE(refused.ok);
  EXPECT_NE(refused.detail.find("refusing to replace store without a safety copy"),
            std::string::npos)
      << refused.detail;
  EXPECT_FALSE(fs::exists(store));
}

// The target's commands see `env:` and the minimal base, not the watchdog's environment
// (issue #20: a dump tool inherited every secret the watchdog had); restore_command also gets
// the WATCHDOG_BACKUP_* variables.
TEST(CommandRestoreLatest, CommandsGetTheTargetsEnvNotTheWatchdogs) {
  testing::TempDir dir;
  ::setenv("WD_TEST_WATCHDOG_ONLY_SECRET", "not-for-children", 1);
  const fs::path seen = dir / "seen";
  const std::string yaml =
      "backups:\n  - name: store\n    kind: command\n"
      "    command: [/bin/sh, -c, 'echo \"$DUMP_MODE [$WD_TEST_WATCHDOG_ONLY_SECRET]\"']\n"
      "    restore_command: [/bin/sh, -c, 'echo \"$DUMP_MODE $WATCHDOG_BACKUP_NAME "
      "[$WD_TEST_WATCHDOG_ONLY_SECRET]\" > " +
      seen.string() +
      "']\n"
      "    env: {DUMP_MODE: full}\n"
      "    directory: " +
      (dir / "backups").string() +
      "\n"
      "components:\n  - name: app\n    probes:\n      - name: p\n"
      "        kind: command\n        argv: [/bin/true]\n"
      "    recovery:\n      actions:\n"
      "        - kind: backup_now\n          target: store\n"
      "        - kind: restore_latest\n          target: store\n"
      "          replace: true\n          safety_dump: false\n";
  const auto config = config::load_config_text(yaml, "test.yaml");
  const auto& specs = config.components.at(0).recovery.actions;
  const auto backup = make_action(specs.at(0), config.backups);
  const auto restore = make_action(specs.at(1), config.backups);
  const Incident incident{"app-1", "app", 1, "store lost its data"};
  const auto made = backup->run(incident, 30s);
  ::unsetenv("WD_TEST_WATCHDOG_ONLY_SECRET");
  ASSERT_TRUE(made.ok) << made.detail;
  std::string dump;
  for (const auto& entry : fs::directory_iterator(dir / "backups")) {
    if (entry.path().extension() == ".dump") dump = read_text(entry.path());
  }
  EXPECT_EQ(dump, "full []\n");
  ::setenv("WD_TEST_WATCHDOG_ONLY_SECRET", "not-for-children", 1);
  const auto restored = restore->run(incident, 30s);
  ::unsetenv("WD_TEST_WATCHDOG_ONLY_SECRET");
  ASSERT_TRUE(restored.ok) << restored.detail;
  EXPECT_TRUE(read_text(seen).starts_with("full store_")) << read_text(seen);
  EXPECT_TRUE(read_text(seen).ends_with(" []\n")) << read_text(seen);
}

}  // namespace
}  // namespace watchdog::actions
