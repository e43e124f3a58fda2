#pragma once
// Restoring a target's backup into a database (the `restore` CLI, the `restore_latest` action
// and drills):
//  1. Pick the backup: a name, or "latest" = the newest one that has not failed verification.
//  2. Verify its checksum by re-reading it (a truncated or altered dump is refused; pg_restore
//     --list alone would accept a truncated one). For "latest", a backup that fails here is
//     marked failed in its metadata and the next older one is tried.
//  3. The destination database: created when missing; when it exists and holds tables, refused
//     unless `replace` (then DROP DATABASE … WITH (FORCE) and CREATE again).
//  4. pg_restore --exit-on-error -j N (custom and directory formats), password via PGPASSWORD;
//     progress is reported through `progress` from pg_restore's verbose lines.
//  5. Optionally compares the restored tables' row counts with the metadata.

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>

#include "actions/pg_connection.h"
#include "config/backup_target.h"
#include "probes/backup_catalog.h"

namespace watchdog::actions {

struct RestoreRequest {
  std::string backup = "latest";  // a backup name or "latest"
  PgConnection into;              // must name a database (dbname)
  int jobs = 2;
  bool replace = false;  // drop and recreate a destination that holds tables
  bool compare_row_counts = false;
  std::chrono::milliseconds timeout{std::chrono::hours(1)};
  // (items done, items total, last item) — called on the calling thread.
  std::function<void(int, int, const std::string&)> progress;
};

struct RestoreOutcome {
  bool ok = false;
  bool refused = false;  // verification failed or the destination is not empty
  std::string error;     // one safe line
  std::string backup;    // the backup restored (or tried)
  std::string detail;    // "12 tables, row counts match" when compared
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
