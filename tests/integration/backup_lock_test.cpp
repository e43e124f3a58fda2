// One run at a time per backup target, against a real PostgreSQL 15: backup_now joins a backup
// already in progress instead of failing "busy" or dumping twice, and a restore holds the lock,
// so no backup dumps a half-restored database (the demo met both, issue #17).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <future>

#include "actions/backup/backup_runner.h"
#include "actions/backup/restore.h"
#include "probes/backup/backup_catalog.h"
#include "probes/clients/pg_connection.h"
#include "tests/integration/backup_fixture.h"

namespace watchdog::testing {
namespace {

namespace fs = std::filesystem;
namespace bk = probes::backup;
using namespace std::chrono_literals;

// A pg_dump that waits until `gate` exists before dumping: the test decides when a run ends.
fs::path gated_pg_dump(const fs::path& dir, const fs::path& gate) {
  const fs::path script = dir / "slow_pg_dump";
  std::ofstream(script) << "#!/bin/sh\nwhile [ ! -e " << gate.string()
                        << " ]; do sleep 0.05; done\nexec " << kPgBin << "pg_dump \"$@\"\n";
  ::chmod(script.c_str(), 0755);
  return script;
}

// Waits until the target's lock is taken by someone else (a run has started).
void wait_until_locked(const config::BackupTargetSpec& target) {
  const auto give_up = std::chrono::steady_clock::now() + 20s;
  while (std::chrono::steady_clock::now() < give_up) {
    actions::BackupLock probe(target, false);
    if (probe.busy()) return;
  }
  FAIL() << "no run took the lock";
}

TEST(BackupLock, BackupNowJoinsTheRunInProgressAndARestoreKeepsBackupsOut) {
  PostgresServer server;
  create_shop(server);
  TempDir dir;
  auto target = shop_target(server, dir.path() / "backups", server.password());
  const fs::path gate = dir.path() / "gate";
  target.pg_dump = gated_pg_dump(dir.path(), gate).string();

  // A scheduled run is dumping; backup_now (join_running) arrives meanwhile.
  auto scheduled = std::async(std::launch::async, [&] { return actions::run_backup(target, 60s); });
  wait_until_locked(target);
  auto plain = actions::run_backup(target, 60s);  // the CLI: busy, at once
  EXPECT_FALSE(plain.ok);
  EXPECT_NE(plain.error.find("is running"), std::string::npos) << plain.error;
  auto joining = std::async(std::launch::async, [&] { return actions::run_backup(target, 60s, true); });
  std::this_thread::sleep_for(300ms);
  std::ofstream(gate) << "go";
  const auto first = scheduled.get();
  const auto joined = joining.get();
  ASSERT_TRUE(first.ok) << first.error;
  ASSERT_TRUE(joined.ok) << joined.error;
  EXPECT_TRUE(joined.joined);
  EXPECT_EQ(joined.metadata->name, first.metadata->name);
  EXPECT_NE(actions::describe_outcome(joined).find("already in progress"), std::string::npos);
  std::string error;
  EXPECT_EQ(bk::list_backups(target.directory, "main", error).size(), 1u) << "dumped twice";

  // A restore holds the lock to its end: a backup asked for meanwhile waits for it (joins,
  // finds no new backup, then dumps the restored database) rather than dumping it half-way.
  actions::RestoreRequest request;
  request.into = actions::parse_dsn(server.dsn(), error)->with_dbname("copy");
  request.timeout = 60s;
  actions::BackupLock held_by_restore(target, false);  // stands for the restore's own lock
  ASSERT_TRUE(held_by_restore.held());
  const auto refused = actions::restore_backup(target, [&] {
    auto r = request;
    r.timeout = 300ms;
    return r;
  }());
  EXPECT_FALSE(refused.ok);
  EXPECT_NE(refused.error.find("still running"), std::string::npos) << refused.error;
}

TEST(BackupLock, ARestoreMakesAScheduledBackupWaitAndThenDumpTheRestoredData) {
  PostgresServer server;
  create_shop(server);
  TempDir dir;
  auto target = shop_target(server, dir.path() / "backups", server.password());
  ASSERT_TRUE(actions::run_backup(target, 60s).ok);
  sql(server, "shop", "DELETE FROM orders");  // the damage, after the backup

  std::string error;
  actions::RestoreRequest request;
  request.into = *actions::parse_dsn(shop_dsn(server), error);
  request.replace = true;
  request.timeout = 60s;
  std::promise<void> restoring;
  std::promise<void> release;
  auto release_future = release.get_future();
  request.before_replace = [&](const actions::Destination&) -> std::string {
    restoring.set_value();
    release_future.wait();  // the restore is half-way: the lock is held
    return "";
  };
  auto restore = std::async(std::launch::async, [&] { return actions::restore_backup(target, request); });
  restoring.get_future().wait();
  auto backup = std::async(std::launch::async, [&] { return actions::run_backup(target, 60s, true); });
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(backup.wait_for(0s), std::future_status::timeout) << "a backup ran during the restore";
  release.set_value();
  const auto restored = restore.get();
  ASSERT_TRUE(restored.ok) << restored.error;
  const auto after = backup.get();
  ASSERT_TRUE(after.ok) << after.error;
  EXPECT_FALSE(after.joined) << "a restore is no backup to join";
  EXPECT_EQ(after.metadata->row_counts.at("public.orders"), 200) << "dumped before the restore ended";
}

}  // namespace
}  // namespace watchdog::testing
