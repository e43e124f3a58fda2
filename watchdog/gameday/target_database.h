#pragma once
// A session to the database of a `backups:` target (kind postgres or mysql), for the database
// scenarios and their writer: the same connection the backup engine uses (the target's dsn or
// host/port/dbname/user/password), so a game day breaks exactly what the backups protect.
// The password stays in-process: libpq (actions::PgSession) and Connector/C
// (probes::mysql::Session) get it directly, never through argv or the environment, and no
// error message quotes it or the DSN.
//
// Not thread-safe: one session per thread (the writer opens its own).

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/backup_target.h"
#include "config/config.h"

namespace watchdog::gameday {

using SqlRows = std::vector<std::vector<std::string>>;  // text values, NULL → ""

// The target's database name; throws ScenarioError when the kind is neither postgres nor mysql
// or the connection names no database.
std::string target_database_name(const config::BackupTargetSpec& target);

class TargetDatabase {
 public:
  enum class Which {
    Own,          // the target's database
    Maintenance,  // postgres: `postgres`; mysql: no default database — to drop or ask about it
  };
  // Connects at once; ok()/error() say how it went. Never throws for a server that is down.
  TargetDatabase(const config::BackupTargetSpec& target, Which which,
                 std::chrono::milliseconds timeout);
  ~TargetDatabase();
  TargetDatabase(const TargetDatabase&) = delete;
  TargetDatabase& operator=(const TargetDatabase&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }  // the last error, one safe line
  // The server said the database does not exist (postgres 3D000, mysql 1049) when connecting.
  bool database_missing() const { return database_missing_; }

  std::optional<SqlRows> query(const std::string& sql);
  bool exec(const std::string& sql) { return query(sql).has_value(); }

  bool is_postgres() const { return postgres_; }
  // A name as an identifier / a text as a literal in this server's dialect.
  std::string identifier(const std::string& name) const;
  std::string literal(const std::string& text) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  bool postgres_ = true;
  bool database_missing_ = false;
  std::chrono::milliseconds timeout_;
  std::string error_;
};

// Whether the target's database exists, asked from the maintenance session. Throws
// ScenarioError when the server cannot be asked.
bool database_exists(const config::BackupTargetSpec& target);
// DROP DATABASE (postgres: WITH (FORCE), ending its sessions). Throws ScenarioError.
void drop_database(const config::BackupTargetSpec& target);

}  // namespace watchdog::gameday

namespace watchdog::gameday {

// The component's gameday.backup_target, looked up in `backups:`, of any kind; throws
// ScenarioError naming `scenario` when it is not set or unknown.
const config::BackupTargetSpec& gameday_any_backup_target(const config::Config& config,
                                                          const config::ComponentSpec& component,
                                                          const std::string& scenario);
// The same, and a kind with a database (postgres, mysql) — for the database scenarios.
const config::BackupTargetSpec& gameday_backup_target(const config::Config& config,
                                                      const config::ComponentSpec& component,
                                                      const std::string& scenario);

}  // namespace watchdog::gameday
