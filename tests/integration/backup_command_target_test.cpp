// `kind: command` backup targets through the real binary (issue #17): backup, verify, drill
// (check_command), restore (restore_command with the dump on stdin) and the failures a dump
// command has (exit code, empty output), with
//  - a MongoDB stand-in: MongoDB is not installable here, so a small script plays mongodump
//    (`--archive --gzip`: it writes a gzip'ed tar of a few known files to stdout) and another
//    plays mongorestore (checks the archive and unpacks what it got into a temp dir);
//  - a real dump command: `redis-cli --rdb -` against a real redis-server, restored into a
//    second redis-server that loads the dump at its start.
#include <gtest/gtest.h>

#include <fstream>

#include "tests/integration/harness.h"
#include "tests/support/redis_server.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// Runs `watchdog ARGS… -c CONFIG --target TARGET`; keeps every output for failure messages.
struct Cli {
  std::string config;
  CommandResult operator()(std::vector<std::string> args, const std::string& target) const {
    args.insert(args.begin(), kWatchdog);
    args.insert(args.end(), {"-c", config, "--target", target});
    return run_command(args, {}, 60s);
  }
};

TEST(BackupCommandTarget, MongoStandInBacksUpVerifiesDrillsAndRestores) {
  TempDir dir;
  const auto dump = write_script(dir, "fake-mongodump", R"(#!/bin/sh
# Stand-in for `mongodump --archive --gzip` (MongoDB is not installable here).
set -e
case "$1" in --password=*) ;; *) echo "usage: fake-mongodump --password=P" >&2; exit 2;; esac
[ -n "$FAIL_WITH" ] && { echo "error: $FAIL_WITH" >&2; echo "second line" >&2; exit 3; }
work=$(mktemp -d)
mkdir -p "$work/shop"
printf '{"_id": 1, "name": "ada"}\n{"_id": 2, "name": "grace"}\n' > "$work/shop/users.json"
printf '{"collection": "users", "count": 2}\n' > "$work/shop/users.metadata.json"
tar -czf - -C "$work" shop
rm -rf "$work"
)");
  const auto restore = write_script(dir, "fake-mongorestore", R"(#!/bin/sh
# Stand-in for `mongorestore --archive --gzip`: checks the archive, unpacks it into the target.
set -e
[ -n "$WATCHDOG_RESTORE_INTO" ] || { echo "no destination" >&2; exit 4; }
[ -f "$WATCHDOG_BACKUP_FILE" ] || { echo "no backup file" >&2; exit 5; }
mkdir -p "$WATCHDOG_RESTORE_INTO"
tar -xzf - -C "$WATCHDOG_RESTORE_INTO"
grep -q '"count": 2' "$WATCHDOG_RESTORE_INTO/shop/users.metadata.json"
echo "$WATCHDOG_BACKUP_NAME" > "$WATCHDOG_RESTORE_INTO/restored-from"
)");
  const auto check = write_script(dir, "fake-check", "#!/bin/sh\nexec tar -tzf - > /dev/null\n");
  const fs::path backups = dir / "backups";
  const std::string config = dir.write("watchdog.yaml", fill(R"(backups:
  - name: mongo
    kind: command
    command: [@DUMP@, --password=hunter2]
    restore_command: [@RESTORE@]
    check_command: [@CHECK@]
    extension: archive.gz
    directory: @BACKUPS@
  - name: broken
    kind: command
    command: [/usr/bin/env, FAIL_WITH=connection refused, @DUMP@, --password=hunter2]
    directory: @BACKUPS@
  - name: silent
    kind: command
    command: [/bin/true, --password=hunter2]
    directory: @BACKUPS@
components:
  - name: backups
    probes:
      - {name: mongo-backup, kind: backup, target: mongo}
)",
                                                             {{"DUMP", dump.string()},
                                                              {"RESTORE", restore.string()},
                                                              {"CHECK", check.string()},
                                                              {"BACKUPS", backups.string()}}))
                                 .string();
  const Cli watchdog{config};

  const auto backup = watchdog({"backup"}, "mongo");
  ASSERT_EQ(backup.exit_code, 0) << backup.out << backup.err;
  EXPECT_NE(backup.out.find(", verified"), std::string::npos) << backup.out;
  std::vector<fs::path> archives;
  for (const auto& entry : fs::directory_iterator(backups)) {
    if (entry.path().string().ends_with(".archive.gz")) archives.push_back(entry.path());
  }
  ASSERT_EQ(archives.size(), 1u);
  const std::string name = archives[0].filename().string().substr(0, 22);  // mongo_TIME
  EXPECT_NE(read_text(backups / (name + ".json")).find("\"format\": \"stream\""),
            std::string::npos);

  const auto verify = watchdog({"backups", "verify"}, "mongo");
  EXPECT_EQ(verify.exit_code, 0) << verify.out;
  const auto drill = watchdog({"drill"}, "mongo");
  EXPECT_EQ(drill.exit_code, 0) << drill.out;
  EXPECT_NE(drill.out.find("mongo: drill passed: " + name + ": fake-check passed in "),
            std::string::npos)
      << drill.out;

  const fs::path into = dir / "restored";
  const auto restored = watchdog({"restore", "latest", "--into", into.string()}, "mongo");
  ASSERT_EQ(restored.exit_code, 0) << restored.out << restored.err;
  EXPECT_EQ(read_text(into / "shop" / "users.json"),
            "{\"_id\": 1, \"name\": \"ada\"}\n{\"_id\": 2, \"name\": \"grace\"}\n");
  EXPECT_EQ(read_text(into / "restored-from"), name + "\n");

  // A dump command that fails: its program, exit code and first stderr line; never its argv.
  const auto broken = watchdog({"backup"}, "broken");
  EXPECT_EQ(broken.exit_code, 1);
  EXPECT_NE(broken.out.find("broken: backup failed: env exit 3: connection refused"),
            std::string::npos)
      << broken.out;
  EXPECT_EQ((broken.out + broken.err).find("hunter2"), std::string::npos);
  const auto silent = watchdog({"backup"}, "silent");
  EXPECT_EQ(silent.exit_code, 1);
  EXPECT_NE(silent.out.find("true exited 0 but wrote nothing to stdout"), std::string::npos)
      << silent.out;
  for (const auto& entry : fs::directory_iterator(backups)) {  // nothing that looks like a backup
    const std::string file = entry.path().filename().string();
    EXPECT_FALSE(file.starts_with("broken_") || file.starts_with("silent_")) << file;
  }
  // Without check_command / restore_command: the drill fails, the restore is refused.
  const auto unproven = watchdog({"drill"}, "broken");
  EXPECT_NE(unproven.out.find("no check_command: nothing can prove this dump restores"),
            std::string::npos)
      << unproven.out;
}

TEST(BackupCommandTarget, RedisCliRdbDumpRestoresIntoAnotherServer) {
  TempDir dir;
  RedisServer source;
  for (int i = 0; i < 50; ++i) source.command({"SET", "key:" + std::to_string(i), "value"});
  source.command({"SET", "greeting", "hello from the backup"});
  RedisServer restored;
  const fs::path backups = dir / "backups";
  // Restoring an RDB file = placing it where a stopped server loads it at start.
  const std::string config =
      dir.write("watchdog.yaml",
                fill(R"(backups:
  - name: cache
    kind: command
    command: [redis-cli, -h, 127.0.0.1, -p, "@PORT@", --rdb, "-"]
    restore_command: [/bin/sh, -c, 'cat > "$WATCHDOG_RESTORE_INTO/dump.rdb"']
    check_command: [/bin/sh, -c, 'redis-check-rdb "$WATCHDOG_BACKUP_FILE"']
    extension: rdb
    directory: @BACKUPS@
    min_size: 100
components:
  - name: backups
    probes:
      - {name: cache-backup, kind: backup, target: cache}
)",
                     {{"PORT", std::to_string(source.port())}, {"BACKUPS", backups.string()}}))
          .string();
  const Cli watchdog{config};

  const auto backup = watchdog({"backup"}, "cache");
  ASSERT_EQ(backup.exit_code, 0) << backup.out << backup.err;
  const auto drill = watchdog({"drill"}, "cache");
  EXPECT_EQ(drill.exit_code, 0) << drill.out;
  EXPECT_NE(drill.out.find("sh passed in"), std::string::npos) << drill.out;

  restored.stop();
  const auto restore =
      watchdog({"restore", "latest", "--into", restored.dir().string(), "--yes"}, "cache");
  ASSERT_EQ(restore.exit_code, 0) << restore.out << restore.err;
  restored.restart();
  EXPECT_EQ(restored.command({"GET", "greeting"}), "hello from the backup");
  EXPECT_EQ(restored.command({"DBSIZE"}), "51");

  source.stop();  // the dump command fails: redis-cli's exit code and its own words
  const auto refused = watchdog({"backup"}, "cache");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.out.find("cache: backup failed: redis-cli exit 1"), std::string::npos)
      << refused.out;
}

}  // namespace
}  // namespace watchdog::testing
