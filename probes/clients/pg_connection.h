#pragma once
// How the backup engine talks to PostgreSQL without leaking the password: a target's DSN (or
// host/port/… keys) is split by libpq's own parser into a password-free conninfo — safe in
// pg_dump's argv and in logs — and the password, handed to child processes as PGPASSWORD and
// used in-process only for libpq connections.
//
// PgSession is a minimal libpq connection for the few queries the engine needs (snapshot
// export, row counts, CREATE/DROP DATABASE). Errors are one safe line (libpq never echoes the
// password). Not thread-safe; one session per thread.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/backup_target.h"

namespace watchdog::actions {

struct PgConnection {
  std::map<std::string, std::string> params;  // libpq keywords, never "password"
  std::string password;                       // empty = none (trust, .pgpass, …)

  const std::string& dbname() const;
  // "host='127.0.0.1' port='5432' dbname='app'": no password, safe to log and pass in argv.
  std::string conninfo() const;
  // The same server, another database (restore target, drill scratch database, "postgres").
  PgConnection with_dbname(const std::string& dbname) const;
  // PGPASSWORD (when set) and PGCONNECT_TIMEOUT for pg_dump / pg_restore.
  std::map<std::string, std::string> child_env() const;
};

// Parses a libpq DSN (key=value or URI). Nullopt with a message that never quotes the DSN.
std::optional<PgConnection> parse_dsn(const std::string& dsn, std::string& error);
// The target's connection (its dsn, or host/port/dbname/user/password). Nullopt with `error`.
std::optional<PgConnection> connection_of(const config::BackupTargetSpec& target,
                                          std::string& error);

// SQL identifier quoting: "my table" → "\"my table\"".
std::string quote_identifier(const std::string& name);

class PgSession {
 public:
  // Connects with connect_timeout = `timeout` (at least 2 s, libpq's minimum is whole seconds).
  PgSession(const PgConnection& connection, std::chrono::milliseconds timeout);
  ~PgSession();
  PgSession(const PgSession&) = delete;
  PgSession& operator=(const PgSession&) = delete;

  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }  // last error, one safe line

  // Runs `sql`; rows of text values (NULL → ""), or nullopt with error() set.
  std::optional<std::vector<std::vector<std::string>>> query(const std::string& sql);
  bool exec(const std::string& sql) { return query(sql).has_value(); }

  // "schema.table" → rows for every ordinary table outside the system schemas: count(*) when
  // `exact`, else pg_class.reltuples (−1 → 0 for never-analysed tables).
  std::optional<std::map<std::string, std::int64_t>> row_counts(bool exact);

 private:
  struct Conn;
  std::unique_ptr<Conn> conn_;
  std::string error_;
};

}  // namespace watchdog::actions
