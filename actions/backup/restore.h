#pragma once
// Restoring a target's backup (the `restore` CLI, the `restore_latest` action and drills). Steps
// 1–2 are the same for every kind; the driver (backup_driver.h) does the rest — for postgres:
//  0. Take the target's backup lock (backup_runner.h), waiting within the timeout for a backup
//     in progress, and hold it to the end.
//  1. Pick the backup: a name (a safety dump too), or "latest" = the newest backup that has not
//     failed verification (never a safety dump).
//  2. Verify its checksum by re-reading it (a truncated or altered dump is refused; pg_restore
//     --list alone would accept a truncated one). For "latest", a backup that fails here is
//     marked failed in its metadata and the next older one is tried.
//  3. The destination database: created when missing; when it exists and holds tables, refused
//     unless `replace` (then DROP DATABASE … WITH (FORCE) and CREATE again). With `replace`,
//     `before_replace` is told what is there first (restore_latest takes its safety dump
//     there, see actions/backup/safety_dump.h) and may refuse; the database is then left untouched.
//  4. pg_restore --exit-on-error -j N (custom and directory formats), as a superuser keeping
//     the dump's owners, otherwise with --no-owner --role=OWNER;
//     password via PGPASSWORD; progress is reported through `progress` from pg_restore's
//     verbose lines.
//
// Ownership: the database is created OWNER <owner>, so the application keeps its rights — in
// PostgreSQL 15 `public` belongs to pg_database_owner, and a database created by the restoring
// superuser would leave the app without CREATE there. The owner is the existing database's (read
// before it is dropped), else the one recorded in the backup's metadata, else the restoring user
// (when the role does not exist here or the restoring user may not SET ROLE to it). A superuser
// replays the dump's own ALTER … OWNER statements, so every object keeps its owner and
// superuser-only statements (CREATE EXTENSION postgis) still work. Anyone else restores with
// --no-owner --role=<owner>: the dump's ALTER … OWNER statements would need superuser and every
// role of the source, while SET ROLE works for any member of the owner role (or the owner) — so a
// role with CREATEDB, or an existing empty database, is enough. The price there: objects of other
// roles belong to the owner afterwards (grants are restored as they were).
//  5. Optionally compares the restored tables' row counts with the metadata.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "probes/clients/pg_connection.h"
#include "config/backup_target.h"
#include "probes/backup/backup_catalog.h"

namespace watchdog::actions {

// What the destination holds before a `replace` restore touches it.
struct Destination {
  enum class State { Missing, Empty, Unreachable, HoldsData };
  State state = State::Missing;
  std::string database;
  std::string why;          // Unreachable: why a session to it failed
  std::string owner;        // the existing database's owner ("" when Missing)
  PgConnection connection;  // to the database itself (dbname set)
  std::chrono::steady_clock::time_point deadline;  // the restore's own deadline
};

struct RestoreRequest {
  std::string backup = "latest";  // a backup name or "latest"
  PgConnection into;              // postgres: must name a database (dbname)
  // The other kinds' destination: mysql the database ("" = the target's dbname), files the
  // directory ("" = the target's source), command handed to restore_command as
  // $WATCHDOG_RESTORE_INTO ("" = unset).
  std::string into_name;
  int jobs = 2;
  bool replace = false;  // drop and recreate a destination that holds tables
  bool compare_row_counts = false;
  std::chrono::milliseconds timeout{std::chrono::hours(1)};
  // (items done, items total, last item) — called on the calling thread.
  std::function<void(int, int, const std::string&)> progress;
  // With `replace` only: called once the backup passed verification, before anything is
  // dropped or created. Returns "" to go on, or the reason to refuse (nothing is changed).
  std::function<std::string(const Destination&)> before_replace;
};

struct RestoreOutcome {
  bool ok = false;
  bool refused = false;           // verification failed or the destination is not empty
  std::string error;              // one safe line
  std::string backup;             // the backup restored (or tried)
  std::string detail;             // "12 tables, row counts match" when compared
  std::string owner;              // the role the objects were restored as ("" = the restoring user)
  bool keep_dump_owners = false;  // restored by a superuser: every object keeps its dump owner
  std::string note;  // a remark worth logging ("role app does not exist: restored as postgres")
  std::chrono::nanoseconds elapsed{0};
};

// Never throws.
RestoreOutcome restore_backup(const config::BackupTargetSpec& target,
                              const RestoreRequest& request);

// Re-reads one backup, records the result in its metadata (and the failure counter in the
// status file), and returns it.
probes::backup::Verification verify_and_record(const config::BackupTargetSpec& target,
                                               probes::backup::BackupMetadata& metadata);

// "" when `actual` matches `expected` (exact: equal counts; estimated: the same tables), else
// the first difference: "public.orders: 41 rows, backup had 42".
std::string compare_row_counts(const probes::backup::BackupMetadata& expected,
                               const std::map<std::string, std::int64_t>& actual);

}  // namespace watchdog::actions
