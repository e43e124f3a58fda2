#pragma once
// The backup engine: one backup of a `backups:` target into its directory, proven and recorded.
// What is dumped and how is the kind's driver (backup_driver.h); the rest is the same for every
// kind:
//
//  1. flock DIR/.TARGET.backup.lock (one backup per target at a time, across processes);
//     leftover .TARGET_*.partial files of a crashed run are removed.
//  2. The driver writes the dump to DIR/.NAME.EXT.partial, hashing it on the way (SHA-256, EVP;
//     stream_dump below for kinds whose dump is a program's stdout) and fills the metadata
//     (postgres: pg_dump --snapshot of a REPEATABLE READ snapshot in which the rows are counted).
//  3. Only when the dump is complete: rename to NAME.EXT, fsync the directory. Otherwise the
//     partial output is deleted — a failed run never leaves something that looks like a backup.
//  4. verify_after_backup: the file is re-read once and compared (the proof that what is on
//     disk is what the dump produced); then NAME.json is written atomically.
//  5. The attempt (ok, or the error line) goes to DIR/TARGET.status.json, where the `backup`
//     probe reads it — or, when the volume is full or unwritable, to the state directory
//     (probes/backup/backup_attempts.h); after a success, retention runs. A volume that refused a
//     write is named in the error with its use: "no space left on device (/backups 100 % used)
//     writing main_….dump". Partial output, temp files and a dump whose metadata could not be
//     written are removed, so a failed run never leaves the volume fuller.
// Passwords reach the dump tools only through their environment or a 0600 file, never argv.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "config/backup_target.h"
#include "probes/backup/backup_catalog.h"
#include "probes/clients/process_runner.h"

namespace watchdog::actions {

struct BackupOutcome {
  bool ok = false;
  std::string error;  // one safe line when !ok
  std::optional<probes::backup::BackupMetadata> metadata;
  std::vector<std::string> removed;  // backups retention deleted afterwards
  std::string retention_error;       // retention failed (the backup itself is fine)
  // With `join_running`: another run was already taking a backup; `metadata` is the good backup
  // it finished after this one was asked for, and no second dump was taken.
  bool joined = false;
  std::chrono::nanoseconds elapsed{0};
};

// flock() on DIR/.TARGET.backup.lock, held by a backup (and its retention), by a restore or
// drill (so that no backup dumps a half-restored database and retention never deletes the backup
// being restored) and by `prune`.
class BackupLock {
 public:
  // `wait`: until the lock is free; otherwise about 0.2 s (the backup probe tests the lock for
  // microseconds, which must not make a run say "busy").
  BackupLock(const config::BackupTargetSpec& target, bool wait);
  // Waits at most until `deadline` for the run holding it.
  BackupLock(const config::BackupTargetSpec& target, std::chrono::steady_clock::time_point deadline);
  ~BackupLock();
  BackupLock(const BackupLock&) = delete;
  BackupLock& operator=(const BackupLock&) = delete;
  bool held() const { return fd_ >= 0; }
  const std::string& error() const { return error_; }
  bool busy() const { return busy_; }  // another run holds it (not an error of the volume)

 private:
  int fd_ = -1;
  bool busy_ = false;
  std::string error_;
};

// Never throws; returns within `timeout` plus the time to remove what it started. Another run
// of the target in progress: fails at once ("another backup of main is running", not recorded as
// a failed attempt) — or, with `join_running` (backup_now: an RPO breach wants a fresh backup,
// not two), waits for it within `timeout` and returns its backup when it succeeded, taking one
// itself only when it did not.
BackupOutcome run_backup(const config::BackupTargetSpec& target, std::chrono::milliseconds timeout,
                         bool join_running = false);

// "backup main_20261122T031500Z: 1.2 MiB in 3.1 s, verified; retention removed 2" or the error.
std::string describe_outcome(const BackupOutcome& outcome);

// The partial file of a dump: created (never an existing file), every chunk hashed on its way
// to the disk, fsynced by finish(). After the first failure every call returns false and
// error_number() says why (ENOSPC: the volume is full).
class DumpFile {
 public:
  explicit DumpFile(const std::filesystem::path& partial);
  ~DumpFile();
  DumpFile(const DumpFile&) = delete;
  DumpFile& operator=(const DumpFile&) = delete;
  bool created() const { return created_; }
  bool write(const char* data, std::size_t size);
  bool finish();  // fsync and close
  int error_number() const { return errno_; }
  std::uint64_t size() const { return size_; }
  std::string sha256() { return hash_.hex(); }  // once, after finish()

 private:
  int fd_ = -1;
  bool created_ = false;
  int errno_ = 0;
  std::uint64_t size_ = 0;
  probes::backup::Sha256 hash_;
};

// Step 2 for every dump that is a program's stdout (pg_dump -Fc, safety dumps, mariadb-dump, any
// `command`): runs `spec` and streams its output into `partial` (created; must not exist),
// hashing every chunk on the way, then fsyncs it; a `spec.on_stdout` sees each chunk first. The
// caller checks `run`, then renames (or deletes) the partial file. `error`: the first local I/O
// error ("" when none).
struct StreamedDump {
  bool created = false;  // false: `partial` could not be created (and nothing ran)
  probes::ProcessResult run;
  std::uint64_t size_bytes = 0;
  std::string sha256;  // hex
  std::string error;
  int write_errno = 0;  // errno of the failed create/write/fsync (ENOSPC: the volume is full)
};
StreamedDump stream_dump(probes::ProcessSpec spec, const std::filesystem::path& partial);

// Why pg_dump/pg_restore (`tool`) failed, one safe line: "pg_dump exit 1: invalid page in block
// 0 of relation base/16385/16391" (the server's message when pg_dump quotes one).
std::string pg_error(const std::string& tool, const probes::ProcessResult& run,
                     std::chrono::milliseconds timeout);

}  // namespace watchdog::actions
