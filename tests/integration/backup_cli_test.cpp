// The backup CLI through the real binary (issue #4): backup, backups list --json / verify /
// prune, restore (with progress and the --yes guard) and drill, against PostgreSQL 15.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/integration/backup_fixture.h"
#include "tests/integration/harness.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

TEST(BackupCli, BackupListVerifyRestoreDrillPrune) {
  TempDir dir;
  PostgresServer server;
  create_shop(server);
  const std::string dsn = "host=127.0.0.1 port=" + std::to_string(server.port()) +
                          " user=postgres password=" + server.password();
  const std::map<std::string, std::string> env = {{"TEST_SHOP_DSN", dsn + " dbname=shop"},
                                                  {"RESTORE_DSN", dsn + " dbname=shop_restored"}};
  const fs::path backups = dir / "backups";
  auto write_config = [&](const std::string& retention) {
    return dir.write("watchdog.yaml", R"(backups:
  - name: main
    dsn: ${TEST_SHOP_DSN}
    directory: )" + backups.string() + R"(
    pg_dump: /usr/lib/postgresql/15/bin/pg_dump
    pg_restore: /usr/lib/postgresql/15/bin/pg_restore
)" + retention + R"(
components:
  - name: backups
    probes:
      - name: main-backup
        kind: backup
        target: main
)");
  };
  const std::string config = write_config("").string();
  std::vector<CommandResult> outputs;
  auto watchdog = [&](std::vector<std::string> args) {
    args.insert(args.begin(), kWatchdog);
    outputs.push_back(run_command(args, env, 60s));
    return outputs.back();
  };

  auto first = watchdog({"backup", "-c", config});
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_NE(first.out.find("main: backup main_"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find(", verified"), std::string::npos) << first.out;
  ASSERT_EQ(watchdog({"backup", "-c", config, "--target", "main"}).exit_code, 0);

  auto list = watchdog({"backups", "list", "-c", config, "--json"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  const auto rows = nlohmann::json::parse(list.out.substr(list.out.find('[')));
  ASSERT_EQ(rows.size(), 2u) << list.out;
  EXPECT_TRUE(rows[1]["within_rpo"].get<bool>());
  EXPECT_TRUE(rows[1]["checksum"].get<std::string>().starts_with("verified")) << rows.dump();
  EXPECT_EQ(rows[1]["sha256"].get<std::string>().size(), 64u);
  const std::string newest = rows[1]["name"];
  const std::string oldest = rows[0]["name"];

  auto verify = watchdog({"backups", "verify", "-c", config, "--all"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out;
  EXPECT_NE(verify.out.find("OK     " + newest), std::string::npos) << verify.out;

  auto restore = watchdog({"restore", "latest", "-c", config, "--into-env", "RESTORE_DSN"});
  ASSERT_EQ(restore.exit_code, 0) << restore.out << restore.err;
  EXPECT_NE(restore.out.find("restored " + newest + " into shop_restored in "), std::string::npos)
      << restore.out;
  EXPECT_NE(restore.err.find("restore progress 100%"), std::string::npos) << restore.err;
  EXPECT_EQ(shop_counts(server, "shop_restored"), "50|200|3\n");
  auto again = watchdog({"restore", "latest", "-c", config, "--into-env", "RESTORE_DSN"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.out.find("restore refused: database shop_restored exists"), std::string::npos)
      << again.out;
  auto forced =
      watchdog({"restore", oldest, "-c", config, "--into-env", "RESTORE_DSN", "--yes", "-j", "1"});
  EXPECT_EQ(forced.exit_code, 0) << forced.out << forced.err;

  auto drill = watchdog({"drill", "-c", config});
  EXPECT_EQ(drill.exit_code, 0) << drill.out;
  EXPECT_NE(drill.out.find("main: drill passed: " + newest + ": 3 tables, row counts match"),
            std::string::npos)
      << drill.out;

  {  // one corrupt byte, and a dump without metadata
    std::fstream f(backups / (newest + ".dump"), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(200);
    f.put('\x7f');
  }
  dir.write("backups/main_20200101T000000Z.dump", "orphan");
  auto bad = watchdog({"backups", "verify", "-c", config, "--all"});
  EXPECT_EQ(bad.exit_code, 1) << bad.out;
  EXPECT_NE(bad.out.find("FAILED " + newest + ".dump: checksum mismatch"), std::string::npos)
      << bad.out;
  EXPECT_NE(bad.out.find("FAILED main_20200101T000000Z.dump: missing metadata"), std::string::npos)
      << bad.out;
  EXPECT_NE(bad.out.find("OK     " + oldest), std::string::npos) << bad.out;
  fs::remove(backups / "main_20200101T000000Z.dump");

  // Retention on demand: the newest *good* backup (the older one now) always stays.
  write_config("    retention: {keep_last: 1}\n");
  auto dry = watchdog({"backups", "prune", "-c", config, "--dry-run"});
  EXPECT_EQ(dry.exit_code, 0) << dry.out;
  EXPECT_NE(dry.out.find("keep   " + newest + "  (last)"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("keep   " + oldest + "  (newest good)"), std::string::npos) << dry.out;
  ASSERT_EQ(watchdog({"backup", "-c", config}).exit_code, 0);  // retention runs after it
  auto after = watchdog({"backups", "list", "-c", config, "--json"});
  const auto remaining = nlohmann::json::parse(after.out.substr(after.out.find('[')));
  ASSERT_EQ(remaining.size(), 1u) << after.out;
  EXPECT_FALSE(fs::exists(backups / (oldest + ".dump")));

  for (const auto& output : outputs) {
    EXPECT_EQ((output.out + output.err).find(server.password()), std::string::npos);
  }
}

}  // namespace
}  // namespace watchdog::testing
