// The backup engine against a real PostgreSQL 15 (issue #4): pg_dump streamed and hashed,
// verified, restored into another database with the same row counts, drilled; corrupt and
// truncated dumps refused; a failing pg_dump leaves nothing behind and the probe says why.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "actions/backup/drill.h"
#include "probes/clients/pg_connection.h"
#include "actions/backup/backup_runner.h"
#include "actions/backup/restore.h"
#include "config/loader.h"
#include "probes/backup/backup_catalog.h"
#include "probes/factory.h"
#include "tests/integration/backup_fixture.h"

namespace watchdog::testing {
namespace {

namespace fs = std::filesystem;
namespace bk = probes::backup;
using namespace std::chrono_literals;

std::vector<std::string> files_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir)) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  return names;
}

actions::RestoreRequest restore_into(const PostgresServer& server, const std::string& db) {
  std::string error;
  actions::RestoreRequest request;
  request.into = *actions::parse_dsn(server.dsn(), error);
  request.into = request.into.with_dbname(db);
  request.compare_row_counts = true;
  request.timeout = 60s;
  return request;
}

TEST(BackupEngine, BacksUpVerifiesRestoresAndDrills) {
  TempDir dir;
  PostgresServer server;
  create_shop(server);
  auto target = shop_target(server, dir / "backups", server.password());

  const auto outcome = actions::run_backup(target, 60s);
  ASSERT_TRUE(outcome.ok) << outcome.error;
  const auto& meta = *outcome.metadata;
  EXPECT_TRUE(meta.verified());
  EXPECT_TRUE(meta.name.starts_with("main_")) << meta.name;
  EXPECT_EQ(meta.file, meta.name + ".dump");
  EXPECT_EQ(meta.database, "shop");
  EXPECT_TRUE(meta.server_version.starts_with("15")) << meta.server_version;
  EXPECT_TRUE(meta.row_counts_exact);
  EXPECT_EQ(meta.row_counts,
            (std::map<std::string, std::int64_t>{
                {"public.orders", 200}, {"public.users", 50}, {"sales.Mixed Case", 3}}));
  // The streamed checksum is the file's checksum, as sha256sum computes it.
  auto sum = run_command({"/usr/bin/sha256sum", (target.directory / meta.file).string()});
  EXPECT_EQ(sum.out.substr(0, 64), meta.sha256);
  EXPECT_EQ(fs::file_size(target.directory / meta.file), meta.size_bytes);
  EXPECT_EQ(files_in(target.directory),
            (std::vector<std::string>{".main.backup.lock", ".main.status.lock", "main.status.json",
                                      meta.name + ".dump", meta.name + ".json"}));
  EXPECT_TRUE(bk::read_status(target.directory, "main").last_attempt->ok);

  auto request = restore_into(server, "shop_copy");
  auto restored = actions::restore_backup(target, request);
  ASSERT_TRUE(restored.ok) << restored.error;
  EXPECT_EQ(restored.backup, meta.name);
  EXPECT_EQ(restored.detail, "3 tables, row counts match");
  EXPECT_EQ(shop_counts(server, "shop_copy"), "50|200|3\n");

  auto again = actions::restore_backup(target, request);  // shop_copy holds tables now
  EXPECT_FALSE(again.ok);
  EXPECT_TRUE(again.refused);
  EXPECT_NE(again.error.find("refusing to overwrite"), std::string::npos) << again.error;
  sql(server, "shop_copy", "DELETE FROM orders WHERE id > 100");
  request.replace = true;
  auto replaced = actions::restore_backup(target, request);
  ASSERT_TRUE(replaced.ok) << replaced.error;
  EXPECT_EQ(shop_counts(server, "shop_copy"), "50|200|3\n");

  const auto drill = actions::run_drill(target, 60s);
  EXPECT_TRUE(drill.ok) << drill.detail;
  EXPECT_NE(drill.detail.find("3 tables, row counts match"), std::string::npos) << drill.detail;
  EXPECT_FALSE(database_exists(server, actions::drill_database("main")));
  const auto status = bk::read_status(target.directory, "main");
  ASSERT_TRUE(status.last_drill);
  EXPECT_TRUE(status.last_drill->ok);
  EXPECT_TRUE(status.last_drill_success);

  // The password reaches pg_dump through the environment only, never argv or the catalog.
  const auto spy = dir / "spy.sh";
  {
    std::ofstream script(spy);
    script << "#!/bin/sh\necho \"$*\" > " << (dir / "argv").string() << "\necho \"$PGPASSWORD\" > "
           << (dir / "env").string() << "\nexec " << kPgBin << "pg_dump \"$@\"\n";
  }
  chmod(spy.c_str(), 0755);
  target.pg_dump = spy.string();
  ASSERT_TRUE(actions::run_backup(target, 60s).ok);
  EXPECT_EQ(read_text(dir / "env"), server.password() + "\n");
  const std::string argv = read_text(dir / "argv");
  EXPECT_NE(argv.find("--snapshot="), std::string::npos) << argv;
  EXPECT_EQ(argv.find(server.password()), std::string::npos) << argv;
  for (const auto& file : files_in(target.directory)) {
    if (file.ends_with(".json")) {
      EXPECT_EQ(read_text(target.directory / file).find(server.password()), std::string::npos);
    }
  }
}

TEST(BackupEngine, CorruptAndTruncatedDumpsAreRefused) {
  TempDir dir;
  PostgresServer server;
  create_shop(server);
  auto target = shop_target(server, dir / "backups", server.password());
  const auto first = actions::run_backup(target, 60s);
  sql(server, "shop", "INSERT INTO users (name) VALUES ('late')");
  const auto second = actions::run_backup(target, 60s);
  ASSERT_TRUE(first.ok && second.ok) << first.error << second.error;
  EXPECT_EQ(second.metadata->row_counts.at("public.users"), 51);

  {  // one byte in the middle of the newest dump
    const auto path = target.directory / second.metadata->file;
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekg(static_cast<std::streamoff>(second.metadata->size_bytes / 2));
    const char c = static_cast<char>(f.peek());
    f.seekp(static_cast<std::streamoff>(second.metadata->size_bytes / 2));
    f.put(static_cast<char>(c ^ 0x01));
  }
  auto verdict = bk::verify_backup(target.directory, *second.metadata);
  EXPECT_FALSE(verdict.ok);
  EXPECT_NE(verdict.error.find("checksum mismatch"), std::string::npos) << verdict.error;

  auto named = restore_into(server, "copy_a");
  named.backup = second.metadata->name;
  auto refused = actions::restore_backup(target, named);
  EXPECT_FALSE(refused.ok);
  EXPECT_TRUE(refused.refused);
  EXPECT_NE(refused.error.find("checksum mismatch"), std::string::npos) << refused.error;
  EXPECT_FALSE(database_exists(server, "copy_a")) << "refused before touching the server";

  // "latest" skips the corrupt dump (now marked failed) and restores the older one.
  auto latest = actions::restore_backup(target, restore_into(server, "copy_b"));
  ASSERT_TRUE(latest.ok) << latest.error;
  EXPECT_EQ(latest.backup, first.metadata->name);
  EXPECT_EQ(shop_counts(server, "copy_b"), "50|200|3\n");
  std::string error;
  auto backups = bk::list_backups(target.directory, "main", error);
  ASSERT_EQ(backups.size(), 2u);
  EXPECT_TRUE(backups[1].verify_failed());
  EXPECT_EQ(bk::read_status(target.directory, "main").verify_failures, 1u);

  // A truncated dump: verification names it, restore refuses it.
  fs::resize_file(target.directory / first.metadata->file, first.metadata->size_bytes / 2);
  auto truncated = bk::verify_backup(target.directory, *first.metadata);
  EXPECT_NE(truncated.error.find("(truncated)"), std::string::npos) << truncated.error;
  auto older = restore_into(server, "copy_c");
  older.backup = first.metadata->name;
  auto no = actions::restore_backup(target, older);
  EXPECT_TRUE(no.refused);
  EXPECT_NE(no.error.find("(truncated)"), std::string::npos) << no.error;
  EXPECT_FALSE(database_exists(server, "copy_c"));
  auto nothing = actions::restore_backup(target, restore_into(server, "copy_d"));
  EXPECT_FALSE(nothing.ok);
  EXPECT_FALSE(database_exists(server, "copy_d"));
}

TEST(BackupEngine, FailingPgDumpLeavesNoPartialBackupAndTheProbeSaysWhy) {
  TempDir dir;
  PostgresServer server;
  create_shop(server);
  auto target = shop_target(server, dir / "backups", "wrong-password");
  const auto outcome = actions::run_backup(target, 60s);
  EXPECT_FALSE(outcome.ok);
  EXPECT_NE(outcome.error.find("password authentication failed"), std::string::npos)
      << outcome.error;
  EXPECT_EQ(outcome.error.find("wrong-password"), std::string::npos) << outcome.error;

  // pg_dump itself failing after writing part of its output (right password, bad pg_dump).
  auto broken = shop_target(server, dir / "backups", server.password());
  const auto script = dir / "pg_dump.sh";
  {
    std::ofstream out(script);
    out << "#!/bin/sh\nhead -c 100000 /dev/zero\necho 'pg_dump: error: simulated failure' >&2\n"
           "exit 1\n";
  }
  chmod(script.c_str(), 0755);
  broken.pg_dump = script.string();
  const auto partial = actions::run_backup(broken, 60s);
  EXPECT_FALSE(partial.ok);
  EXPECT_EQ(partial.error, "pg_dump exit 1: simulated failure");
  for (const auto& file : files_in(target.directory)) {
    EXPECT_FALSE(file.ends_with(".dump") || file.ends_with(".partial") || file.starts_with("main_"))
        << file;
  }

  // The failed attempt (the connection error, recorded first, then pg_dump's) alerts via the probe.
  const auto first = actions::run_backup(target, 60s);
  auto config = config::load_config_text(
      "backups:\n  - name: main\n    dbname: shop\n    directory: " + target.directory.string() +
          "\ncomponents:\n  - name: backups\n    probes:\n      - name: b\n        kind: backup\n"
          "        target: main\n",
      "t.yaml");
  auto probe = probes::make_probe(config.components[0].probes[0], config.backups);
  auto result = probe->check(2s);
  EXPECT_EQ(result.status, probes::ProbeStatus::Unhealthy);
  EXPECT_TRUE(result.detail.starts_with("backup of main failed at ")) << result.detail;
  EXPECT_NE(result.detail.find(": cannot connect to main: password authentication failed"),
            std::string::npos)
      << result.detail;
  EXPECT_FALSE(first.ok);
}

TEST(BackupEngine, DirectoryFormatRoundTrip) {
  TempDir dir;
  PostgresServer server;
  create_shop(server);
  auto target = shop_target(server, dir / "backups", server.password());
  target.format = "directory";
  target.exact_row_counts = false;
  const auto outcome = actions::run_backup(target, 60s);
  ASSERT_TRUE(outcome.ok) << outcome.error;
  EXPECT_TRUE(fs::is_directory(target.directory / outcome.metadata->file));
  EXPECT_TRUE(outcome.metadata->files.contains("toc.dat"));
  EXPECT_FALSE(outcome.metadata->row_counts_exact);
  auto restored = actions::restore_backup(target, restore_into(server, "shop_dir"));
  ASSERT_TRUE(restored.ok) << restored.error;
  EXPECT_EQ(shop_counts(server, "shop_dir"), "50|200|3\n");
  fs::remove(target.directory / outcome.metadata->file / "toc.dat");
  EXPECT_FALSE(bk::verify_backup(target.directory, *outcome.metadata).ok);
}

}  // namespace
}  // namespace watchdog::testing
