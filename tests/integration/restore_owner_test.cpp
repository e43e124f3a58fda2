// Restores that keep the application working and never destroy without a copy (issue #12),
// against a real PostgreSQL 15: the database comes back owned by its original owner (the app
// keeps CREATE on `public`), a role with only CREATEDB can back up, drill and restore, and a
// replacing restore_latest takes a safety dump first — or refuses when it cannot make one.
#include <gtest/gtest.h>

#include "actions/backup/drill.h"
#include "actions/backup/backup_runner.h"
#include "actions/backup/restore.h"
#include "actions/restore_latest_action.h"
#include "actions/backup/retention.h"
#include "actions/backup/safety_dump.h"
#include "probes/backup/backup_catalog.h"
#include "tests/integration/backup_fixture.h"
#include "tests/integration/harness.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
namespace bk = probes::backup;

const std::string kAppPassword = "app-pw-5e1d";

std::string app_sql(const PostgresServer& server, const std::string& db, const std::string& text) {
  auto result =
      run_command({kPgBin + "psql", "-h", "127.0.0.1", "-p", std::to_string(server.port()), "-U",
                   "app", "-d", db, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", text},
                  {{"PGPASSWORD", kAppPassword}});
  if (result.exit_code != 0) throw std::runtime_error("psql as app failed: " + result.err);
  return result.out;
}

// Role `app` (LOGIN, CREATEDB, no superuser) owns `appdb`, which holds items (120 rows).
void create_app_database(const PostgresServer& server) {
  sql(server, "postgres", "CREATE ROLE app LOGIN CREATEDB PASSWORD '" + kAppPassword + "'");
  sql(server, "postgres", "CREATE DATABASE appdb OWNER app");
  app_sql(server, "appdb",
          "CREATE TABLE items (id int, v text);"
          "INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 120) g");
}

config::BackupTargetSpec app_target(const PostgresServer& server, const std::filesystem::path& dir,
                                    const std::string& user, const std::string& password) {
  auto target = shop_target(server, dir, password);
  target.dsn = config::Secret{"host=127.0.0.1 port=" + std::to_string(server.port()) +
                                  " user=" + user + " dbname=appdb password=" + password,
                              "inline"};
  return target;
}

actions::PgConnection connection(const config::BackupTargetSpec& target) {
  std::string error;
  auto parsed = actions::connection_of(target, error);
  if (!parsed) throw std::runtime_error(error);
  return *parsed;
}

TEST(RestoreOwner, SuperuserRestoreKeepsTheAppsRightsOnPublic) {
  TempDir dir;
  PostgresServer server;
  create_app_database(server);
  // What only a superuser may restore (an untrusted extension), and a table of another role:
  // both come back as they were.
  sql(server, "postgres", "CREATE ROLE reporter");
  sql(server, "appdb",
      "CREATE EXTENSION postgres_fdw; CREATE TABLE reports (x int); "
      "ALTER TABLE reports OWNER TO reporter");
  const auto target = app_target(server, dir / "backups", "postgres", server.password());
  auto backup = actions::run_backup(target, 60s);
  ASSERT_TRUE(backup.ok) << backup.error;
  EXPECT_EQ(backup.metadata->owner, "app");

  actions::RestoreRequest request;
  request.into = connection(target);
  request.replace = true;
  auto restored = actions::restore_backup(target, request);
  ASSERT_TRUE(restored.ok) << restored.error;
  EXPECT_TRUE(restored.keep_dump_owners);

  EXPECT_EQ(app_sql(server, "appdb", "SELECT count(*) FROM items"), "120\n");
  EXPECT_EQ(sql(server, "appdb", "SELECT tableowner FROM pg_tables WHERE tablename = 'reports'"),
            "reporter\n");
  EXPECT_EQ(
      sql(server, "appdb", "SELECT count(*) FROM pg_extension WHERE extname = 'postgres_fdw'"),
      "1\n");
  EXPECT_EQ(sql(server, "postgres",
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'appdb'"),
            "app\n");
  EXPECT_EQ(sql(server, "appdb", "SELECT tableowner FROM pg_tables WHERE tablename = 'items'"),
            "app\n");
  EXPECT_NO_THROW(app_sql(server, "appdb", "CREATE TABLE after_restore (x int)"));

  // Gone altogether: the owner comes from the backup's metadata.
  sql(server, "postgres", "DROP DATABASE appdb WITH (FORCE)");
  restored = actions::restore_backup(target, request);
  ASSERT_TRUE(restored.ok) << restored.error;
  EXPECT_NO_THROW(app_sql(server, "appdb", "CREATE TABLE after_second_restore (x int)"));
  EXPECT_EQ(app_sql(server, "appdb", "SELECT count(*) FROM items"), "120\n");
}

TEST(RestoreOwner, RoleWithOnlyCreatedbBacksUpDrillsAndRestores) {
  TempDir dir;
  PostgresServer server;
  create_app_database(server);
  const auto target = app_target(server, dir / "backups", "app", kAppPassword);
  auto backup = actions::run_backup(target, 60s);
  ASSERT_TRUE(backup.ok) << backup.error;

  auto drill = actions::run_drill(target, 60s);
  EXPECT_TRUE(drill.ok) << drill.detail;
  EXPECT_FALSE(database_exists(server, actions::drill_database("main")));

  actions::RestoreRequest request;
  request.into = connection(target);
  request.replace = true;
  auto restored = actions::restore_backup(target, request);  // drop and recreate its own database
  ASSERT_TRUE(restored.ok) << restored.error;
  sql(server, "postgres", "DROP DATABASE appdb WITH (FORCE)");
  restored = actions::restore_backup(target, request);  // create it anew (CREATEDB)
  ASSERT_TRUE(restored.ok) << restored.error;
  EXPECT_EQ(app_sql(server, "appdb", "SELECT count(*) FROM items"), "120\n");
  EXPECT_NO_THROW(app_sql(server, "appdb", "CREATE TABLE mine (x int)"));
}

TEST(SafetyDump, IsKeptApartFromBackupsAndPrunedToSafetyKeep) {
  TempDir dir;
  PostgresServer server;
  create_app_database(server);
  auto target = app_target(server, dir / "backups", "postgres", server.password());
  target.retention.keep_last = 1;
  target.safety_keep = 2;
  ASSERT_TRUE(actions::run_backup(target, 60s).ok);

  actions::Destination destination;
  destination.state = actions::Destination::State::HoldsData;
  destination.database = "appdb";
  destination.owner = "app";
  destination.connection = connection(target);
  destination.deadline = std::chrono::steady_clock::now() + 60s;
  std::vector<std::string> names;
  for (int i = 0; i < 3; ++i) {
    auto dump = actions::take_safety_dump(target, destination, {"db-incident", "db: corrupt"});
    ASSERT_TRUE(dump.taken) << dump.detail;
    EXPECT_NE(dump.detail.find("safety dump main_safety_"), std::string::npos) << dump.detail;
    EXPECT_FALSE(dump.metadata->safety->salvaged);
    names.push_back(dump.metadata->name);
  }
  const auto dumps = bk::list_safety_dumps(target.directory, "main");
  ASSERT_EQ(dumps.size(), 2u) << "safety_keep: 2";
  EXPECT_EQ(dumps[0].name, names[1]);
  EXPECT_EQ(dumps[1].name, names[2]);
  EXPECT_EQ(dumps[1].owner, "app");
  EXPECT_EQ(dumps[1].safety->incident, "db-incident");

  // Backups: one more, then retention (keep_last 1) — safety dumps are neither listed nor pruned.
  ASSERT_TRUE(actions::run_backup(target, 60s).ok);
  std::string error;
  const auto backups = bk::list_backups(target.directory, "main", error);
  ASSERT_EQ(backups.size(), 1u) << error;
  EXPECT_EQ(backups[0].name.find("safety"), std::string::npos);
  EXPECT_EQ(bk::list_safety_dumps(target.directory, "main").size(), 2u);
  EXPECT_TRUE(bk::orphan_files(target.directory, "main").empty());

  // Nothing to save: skipped, and says why.
  destination.state = actions::Destination::State::Missing;
  auto skipped = actions::take_safety_dump(target, destination, {});
  EXPECT_TRUE(skipped.skipped);
  EXPECT_EQ(skipped.detail, "safety dump skipped: database appdb does not exist");
}

TEST(SafetyDump, RestoreIsRefusedWhenNoCopyCanBeMade) {
  TempDir dir;
  PostgresServer server;
  create_app_database(server);
  app_sql(server, "appdb", "CREATE TABLE notes (n text); INSERT INTO notes VALUES ('keep me')");
  const auto target = app_target(server, dir / "backups", "app", kAppPassword);
  ASSERT_TRUE(actions::run_backup(target, 60s).ok);
  corrupt_first_page(server, "appdb", "items");

  // `app` is no superuser: pg_dump fails on the page and zero_damaged_pages is not allowed.
  actions::RestoreLatestAction restore("restore", target, connection(target), true, 1);
  auto outcome = restore.run({"db-1", "db", 1, "db-postgres: data corruption"}, 60s);
  EXPECT_FALSE(outcome.ok);
  EXPECT_NE(outcome.detail.find("refusing to replace database appdb without a safety copy"),
            std::string::npos)
      << outcome.detail;
  EXPECT_NE(outcome.detail.find("zero_damaged_pages"), std::string::npos) << outcome.detail;
  EXPECT_EQ(outcome.detail.find(kAppPassword), std::string::npos);
  EXPECT_EQ(app_sql(server, "appdb", "SELECT n FROM notes"), "keep me\n") << "left untouched";
  EXPECT_TRUE(bk::list_safety_dumps(target.directory, "main").empty());

  // safety_dump: false restores anyway.
  actions::RestoreLatestAction unsafe("restore", target, connection(target), true, 1, false);
  outcome = unsafe.run({"db-1", "db", 2, "db-postgres: data corruption"}, 60s);
  EXPECT_TRUE(outcome.ok) << outcome.detail;
  EXPECT_EQ(app_sql(server, "appdb", "SELECT count(*) FROM items"), "120\n");
}

// A safety dump that uses most of the action's timeout: dropping the database now would be
// followed by a pg_restore killed half-way, so the restore is refused and nothing is dropped.
// pg_dump is wrapped to take 2 s; the action has 3 s.
TEST(SafetyDump, RestoreIsRefusedWhenTheDumpLeftTooLittleTime) {
  TempDir dir;
  PostgresServer server;
  create_app_database(server);
  auto target = app_target(server, dir / "backups", "postgres", server.password());
  ASSERT_TRUE(actions::run_backup(target, 60s).ok);
  app_sql(server, "appdb", "INSERT INTO items VALUES (121, 'written after the backup')");
  target.pg_dump =
      write_script(dir, "slow_pg_dump", "#!/bin/sh\nsleep 2\nexec " + kPgBin + "pg_dump \"$@\"\n")
          .string();

  actions::RestoreLatestAction restore("restore", target, connection(target), true, 1);
  const auto outcome = restore.run({"db-1", "db", 1, "db-postgres: data corruption"}, 3s);
  EXPECT_FALSE(outcome.ok);
  EXPECT_NE(outcome.detail.find("the safety dump used most of the timeout"), std::string::npos)
      << outcome.detail;
  EXPECT_EQ(app_sql(server, "appdb", "SELECT count(*) FROM items"), "121\n") << "not dropped";
  EXPECT_EQ(bk::list_safety_dumps(target.directory, "main").size(), 1u) << "the copy is kept";
}

}  // namespace
}  // namespace watchdog::testing
