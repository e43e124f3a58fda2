#pragma once
// The safety dump: before a destructive restore (restore_latest with `replace: true`) drops a
// database that still exists and answers, what it holds is dumped (pg_dump -Fc; kind mysql:
// mariadb-dump, NAME.sql with its row counts) into the target's backup directory, so that even a
// wrong restore loses nothing.
//
//   DIR/main_safety_20261205T101500Z.dump   written as .safety-….partial, hashed (SHA-256) while
//   DIR/main_safety_20261205T101500Z.json   streamed, fsynced, renamed, directory fsynced; then
//                                            re-read once when the target verifies backups
//
// The metadata says "kind": "watchdog-safety-dump" with the incident id, its reason and
// `salvaged`: it is never a backup — never "latest" for a restore or drill, never counted for
// the RPO, the backup probe, min_redundancy or retention (probes/backup/backup_catalog.h keeps it out
// of list_backups). Retention never deletes one; a new safety dump keeps the newest
// `safety_keep` (default 3) of the target and deletes older ones.
//
// PostgreSQL only: a damaged database makes a plain pg_dump fail on the bad page: the dump is
// retried once with PGOPTIONS='-c zero_damaged_pages=on' (needs superuser), which reads damaged
// pages as empty — the rows on them are lost, so the metadata says `salvaged: true` and the
// detail says so.
// A missing database (or one without tables) has nothing to save: skipped, with the reason in
// the detail. One that exists but does not answer cannot be copied: not taken, not skipped —
// it may hold good data, so restore_latest refuses to drop it. The caller decides what a failed
// safety dump means (restore_latest refuses to drop the database). The password reaches pg_dump
// only through PGPASSWORD.

#include <chrono>
#include <optional>
#include <string>

#include "actions/backup/restore.h"
#include "config/backup_target.h"
#include "probes/backup/backup_catalog.h"

namespace watchdog::actions {

struct SafetyDumpOutcome {
  bool taken = false;    // a safety dump was written (metadata set)
  bool skipped = false;  // nothing to save (missing or empty database)
  // "safety dump main_safety_20261205T101500Z.dump (1.2 MiB, 0.4 s)", "safety dump skipped:
  // database app does not exist", or why none could be made.
  std::string detail;
  std::optional<probes::backup::BackupMetadata> metadata;
  std::vector<std::string> removed;  // older safety dumps deleted beyond safety_keep
};

// The last steps of every kind's safety dump once its data is in place as DIR/meta.file: fsync
// the directory, verify when the target verifies backups, write the metadata. "" or the error,
// and then the data file is gone.
std::string seal_safety_dump(const config::BackupTargetSpec& target,
                             probes::backup::BackupMetadata& meta);

// Dumps `destination` (as restore_backup's before_replace sees it) into the target's directory
// before its deadline. Never throws.
SafetyDumpOutcome take_safety_dump(const config::BackupTargetSpec& target,
                                   const Destination& destination,
                                   const probes::backup::SafetyInfo& why);

// Keeps the newest `safety_keep` safety dumps of the target (of any kind); returns the names
// deleted.
std::vector<std::string> prune_safety_dumps(const config::BackupTargetSpec& target);

}  // namespace watchdog::actions
