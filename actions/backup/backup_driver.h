#pragma once
// The seam between the backup engine and what it backs up (`kind:` of a `backups:` entry).
// The engine does what every kind shares: the lock, names, the partial file and its rename, the
// checksum proof, metadata, the attempt record and retention (backup_runner.h); picking and
// verifying the backup to restore (restore.h); recording drills (drill.h). A driver — one file
// pair per kind: postgres_driver.*, mysql_driver.*, command_driver.*, files_driver.* — only
// writes one dump, restores one, and proves that one restores.
//
// Rules for drivers: never throw (errors are one safe line in the result), never put a
// password in argv, a detail or a log line, honour the deadline, and leave nothing behind but
// `partial` (which the engine renames or removes).

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "actions/backup/drill.h"
#include "actions/backup/restore.h"
#include "config/backup_target.h"
#include "probes/backup/backup_catalog.h"

namespace watchdog::actions {

struct DumpJob {
  const config::BackupTargetSpec& target;
  std::filesystem::path partial;  // write the dump here (a file, or a directory); must not exist
  std::chrono::steady_clock::time_point deadline;
  std::chrono::milliseconds timeout;  // the whole run's budget, for error lines
};

struct DumpResult {
  bool created = false;  // `partial` was created: the engine removes it when the dump failed
  std::string error;     // "" = the dump is complete
  int write_errno = 0;   // our own write to the volume failed with this errno (ENOSPC …)
};

class BackupDriver {
 public:
  virtual ~BackupDriver() = default;

  // The metadata's `format` ("custom", "sql", "tar", …) and the data file of backup `name`
  // ("main_20261205T031500Z.dump"): TARGET_TIME followed by a '.' and anything.
  virtual std::string format() const = 0;
  virtual std::string file_name(const std::string& name) const = 0;

  // Writes one dump into job.partial and fills `meta`: size_bytes and sha256 always (files
  // when the data is a directory), and what the kind knows (database, server_version, owner,
  // row_counts, …). The engine set name, file, target, format, started and watchdog_version.
  virtual DumpResult dump(const DumpJob& job, probes::backup::BackupMetadata& meta) = 0;

  // Restores `backup` — its checksum was verified just before — as `request` asks. Sets
  // outcome.error ("" = restored) and, where it applies, refused, detail, owner, note.
  virtual void restore(const probes::backup::BackupMetadata& backup, const RestoreRequest& request,
                       std::chrono::steady_clock::time_point deadline,
                       RestoreOutcome& outcome) = 0;

  // Proves that the newest good backup restores, somewhere scratch, and cleans up; the engine
  // records the result (drill.h).
  virtual DrillOutcome drill(std::chrono::milliseconds timeout) = 0;

  // What a restore runs, for humans: "pg_restore -j 2", "mariadb".
  virtual std::string restore_tool() const = 0;
};

// The driver of `target.kind`; the target must outlive it.
std::unique_ptr<BackupDriver> backup_driver(const config::BackupTargetSpec& target);

}  // namespace watchdog::actions
