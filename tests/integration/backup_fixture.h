#pragma once
// Shared by the backup integration tests: a real PostgreSQL 15 with a small "shop" database
// (three tables, one in its own schema with a quoted name) and a backup target pointing at it.

#include <fstream>
#include <string>
#include <vector>

#include "config/backup_target.h"
#include "tests/support/child_process.h"
#include "tests/support/postgres_server.h"
#include "tests/support/temp_dir.h"

namespace watchdog::testing {

inline const std::string kPgBin = "/usr/lib/postgresql/15/bin/";

// Runs `text` in database `db` through psql; throws with psql's stderr on failure.
inline std::string sql(const PostgresServer& server, const std::string& db,
                       const std::string& text) {
  auto result =
      run_command({kPgBin + "psql", "-h", "127.0.0.1", "-p", std::to_string(server.port()), "-U",
                   "postgres", "-d", db, "-XAtq", "-v", "ON_ERROR_STOP=1", "-c", text},
                  {{"PGPASSWORD", server.password()}});
  if (result.exit_code != 0) throw std::runtime_error("psql failed: " + result.err);
  return result.out;
}

// shop: public.users 50 rows, public.orders 200 rows, sales."Mixed Case" 3 rows.
inline void create_shop(const PostgresServer& server, const std::string& db = "shop") {
  sql(server, "postgres", "CREATE DATABASE " + db);
  sql(server, db,
      "CREATE TABLE users (id serial PRIMARY KEY, name text NOT NULL);"
      "INSERT INTO users (name) SELECT 'user ' || g FROM generate_series(1, 50) g;"
      "CREATE TABLE orders (id serial PRIMARY KEY, user_id int REFERENCES users, total numeric);"
      "INSERT INTO orders (user_id, total) SELECT 1 + g % 50, g * 1.5 FROM generate_series(1, "
      "200) g;"
      "CREATE SCHEMA sales; CREATE TABLE sales.\"Mixed Case\" (v text);"
      "INSERT INTO sales.\"Mixed Case\" VALUES ('a'), ('b'), ('c');");
}

// "50|200|3" — the shop's row counts in `db`.
inline std::string shop_counts(const PostgresServer& server, const std::string& db) {
  return sql(server, db,
             "SELECT (SELECT count(*) FROM users) || '|' || (SELECT count(*) FROM orders) || '|' "
             "|| (SELECT count(*) FROM sales.\"Mixed Case\")");
}

inline config::BackupTargetSpec shop_target(const PostgresServer& server,
                                            const std::filesystem::path& directory,
                                            const std::string& password) {
  config::BackupTargetSpec target;
  target.name = "main";
  target.dsn = config::Secret{"host=127.0.0.1 port=" + std::to_string(server.port()) +
                                  " user=postgres dbname=shop password=" + password,
                              "inline"};
  target.directory = directory;
  target.pg_dump = kPgBin + "pg_dump";
  target.pg_restore = kPgBin + "pg_restore";
  target.timeout = std::chrono::seconds(60);
  return target;
}

// "host=127.0.0.1 port=P user=postgres dbname=shop password=…": the tests' ${TEST_SHOP_DSN}.
inline std::string shop_dsn(const PostgresServer& server) {
  return "host=127.0.0.1 port=" + std::to_string(server.port()) +
         " user=postgres dbname=shop password=" + server.password();
}

// The `backups:` entry `main` for the shop (its DSN from ${TEST_SHOP_DSN}), files in `directory`.
inline std::string shop_backups_yaml(const std::filesystem::path& directory) {
  return R"(
backups:
  - name: main
    dsn: ${TEST_SHOP_DSN}
    directory: )" +
         directory.string() +
         R"(
    pg_dump: /usr/lib/postgresql/15/bin/pg_dump
    pg_restore: /usr/lib/postgresql/15/bin/pg_restore
)";
}

// A `postgres` probe on the shop that reads `users` (so a lock or a damaged page shows), with
// quick timing: every second, decided by two results.
inline std::string shop_probe_yaml(const std::string& name) {
  return R"(      - name: )" + name + R"(
        kind: postgres
        dsn: ${TEST_SHOP_DSN}
        query: SELECT count(*) FROM users
        interval: 1s
        timeout: 1s
        jitter: 0s
        recheck_interval: 200ms
        failure_threshold: 2
        success_threshold: 1
)";
}

// pg_ctl on `server`'s data dir as the postgres user, the way an operator would write
// gameday.stop/start: {"runuser", "-u", "postgres", "--", ".../pg_ctl", "-D", DIR, tail…}.
inline std::vector<std::string> pg_ctl(const PostgresServer& server,
                                       const std::vector<std::string>& tail) {
  std::vector<std::string> argv = {
      "runuser", "-u", "postgres", "--", kPgBin + "pg_ctl", "-D", server.data_dir().string()};
  argv.insert(argv.end(), tail.begin(), tail.end());
  return argv;
}

inline bool database_exists(const PostgresServer& server, const std::string& db) {
  return sql(server, "postgres", "SELECT count(*) FROM pg_database WHERE datname = '" + db + "'") ==
         "1\n";
}

// Heap page corruption: flushes `table` of `db` to disk, stops the server, overwrites the first
// 8 KiB page of the table's file with 0xFF bytes (an all-zero page would pass as a new, empty
// page) and starts the server again. Reading the table then fails with XX001 "invalid page".
inline void corrupt_first_page(PostgresServer& server, const std::string& db,
                               const std::string& table) {
  sql(server, db, "CHECKPOINT");
  std::string file = sql(server, db, "SELECT pg_relation_filepath('" + table + "')");
  file = file.substr(0, file.find('\n'));
  server.stop();
  {
    std::fstream data(server.data_dir() / file, std::ios::in | std::ios::out | std::ios::binary);
    if (!data) throw std::runtime_error("cannot open " + file);
    const std::string garbage(8192, '\xff');
    data.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
    if (!data) throw std::runtime_error("cannot overwrite " + file);
  }
  server.start();
}

}  // namespace watchdog::testing
