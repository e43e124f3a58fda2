#pragma once
// `backup_age`: is the newest backup in a directory recent enough (RPO), non-trivial and, when
// compressed, whole?
//
// Keys: directory (required, absolute), pattern (fnmatch glob on entry names, default "*"),
// entries (files | directories | any, default files), rpo (required duration > 0), min_size
// (size, default 1 byte: an empty file fails), anomaly_history (7), min_ratio (0.5; 0 = off),
// settle (5m), schedule (cron, optional), time_zone (IANA, default UTC; with schedule only),
// grace (30m; with schedule only) — see probes/backup/anomaly_checks.h; check_integrity (true),
// integrity_max_size (2GiB). `pattern` must match exactly one entry per run (the dump, not
// its .sha256 or .log beside it), or the small companions read as small backups.
// Only entries directly in `directory` count (no recursion into it; symlinks to files are
// followed, symlinks to directories ignored). The glob behaves like a shell's: "*" does not
// match names starting with '.', so hidden temporary files of rsync/rclone uploads are ignored
// unless the pattern starts with '.'.
// entries: directories (issue #17) watches one dump directory per run (mongodump's
// /backups/mongo/2026-12-05/): a directory's size is the total of the regular files under it,
// its mtime the newest of itself and those files (see probes/backup/backup_entries.h); every
// judgement below applies to it as to a file. Ordering is by mtime, never by name. Each check
// walks only the newest anomaly_history + 2 directories by their own mtime (the newest, the
// judged one and its history); older ones count in backup_files without being walked. Anything
// written into an old dump directory later (a verify marker) makes it the newest again.
//
// The newest matching entry (by mtime) decides: age > rpo or size < min_size → Unhealthy
// (Threshold); missing directory or no match → Unhealthy (NotFound). A newest entry younger
// than `settle` may still be being written (pg_dump -f, `> file`, a dump directory filling up
// keep their mtime fresh): the size and integrity judgements take the newest entry older than
// that instead (the "judged" one).
// Integrity (issue #17): when the judged entry is a FILE named .gz/.tgz (gzip) or .zst/.tzst
// (zstd) — so .tar.gz and .tar.zst too — and check_integrity is on, it is decompressed once,
// streaming (probes/backup/archive_integrity.h): truncated or damaged → Unhealthy
// (BadResponse, as the `backup` probe's failed verification — never Corrupt, which means the
// database itself and fires restore_latest),
// "mongo-20261205.tar.gz is truncated (gzip stream ends early)". The verdict is kept per
// (path, size, mtime) and the file is read again only when one of them changes; proven
// verdicts outlive restarts as the probe's memory. The read shares the check's timeout (10s by
// default: count on about 1 GiB of gzip, more of zstd, less from a cold or network disk). "Not
// checked" (said in the detail, no failure) until the file changes: larger than
// integrity_max_size, a zstd window over 128 MiB, or not read to its end when the read had at
// least half the timeout — raise `timeout` for bigger archives. Tried again at the next check:
// an I/O error, a read cut short because the listing ate the timeout, and a file that changed
// while read (a writer that paused longer than `settle`). `settle: 0` with check_integrity
// reads a file still being written: truncated whenever its writer pauses during the read.
// Files inside a directory backup are not checked.
// Otherwise anomalies (issue #18) → Degraded (Threshold): the newest entry smaller than
// min_ratio × the median size of up to anomaly_history entries before it (judged from 3 on):
// "db_20261204.dump is 2.1 MiB, 38 % of the usual 5.5 MiB"; with a schedule, mtimes count as
// the runs' finish, so grace must cover how long a backup takes to write: the next run is due
// at the first scheduled time after the newest entry, "the 03:00 backup in /backups has not
// arrived (due 2026-12-05T03:00:00Z, grace 30m)" (late keeps growing until an entry arrives),
// and the newest entry against the first scheduled time after the one before it,
// "db_20261205.dump arrived 47m late (grace 30m)"; a single entry is not judged. Files
// carry no duration: the duration check of the `backup` probe does not apply.
// Measurements: backup_files (matching entries, always), backup_age_seconds and
// backup_size_bytes (of the newest, when one exists), backup_usual_size_bytes and
// backup_size_ratio (from 3 previous entries on), backup_late_seconds (with a schedule),
// backup_archive_ok (1 whole / 0 truncated or corrupt; only when the judged file was checked).
// Directory and file names are not secret and appear in the detail.
//
// The listing (and the walk of directory backups) stops at `timeout` (Unhealthy, Timeout); a
// single blocking stat() on a dead mount cannot be interrupted and is left to the worker's
// guard.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "config/options.h"
#include "probes/backup/archive_integrity.h"
#include "probes/backup/backup_anomaly.h"
#include "probes/backup/backup_entries.h"
#include "probes/backup/backup_lateness.h"
#include "probes/guarded_probe.h"

namespace watchdog::probes {

class BackupAgeProbe final : public GuardedProbe {
 public:
  struct Settings {
    std::filesystem::path directory;
    std::string pattern = "*";
    std::chrono::milliseconds rpo{0};
    std::uint64_t min_size = 1;
    backup::AnomalySettings anomaly;
    std::optional<backup::RunSchedule> schedule;  // none = lateness not judged
    std::chrono::milliseconds grace{0};
    std::chrono::milliseconds settle{std::chrono::minutes(5)};
    backup::EntryKinds entries = backup::EntryKinds::Files;
    bool check_integrity = true;
    std::uint64_t integrity_max_size = std::uint64_t{2} << 30;  // ~20 s of gzip: raise timeout
  };

  // Reads and validates the keys above; no I/O. Throws config::ConfigError.
  static std::unique_ptr<Probe> create(std::string name, config::Options& options);

  BackupAgeProbe(std::string name, Settings settings);
  std::string_view kind() const override { return "backup_age"; }
  void restore_memory(std::string_view memory) noexcept override;

 private:
  ProbeResult check_once(std::chrono::milliseconds timeout) override;
  // The integrity verdict of the judged entry when it is a compressed file to check: the
  // remembered one while the file is unchanged, else read now (and, when worth remembering —
  // backup::worth_remembering — `memory` set to remember it).
  std::optional<backup::ArchiveVerdict> integrity(const backup::BackupEntry& judged,
                                                  std::chrono::steady_clock::time_point deadline,
                                                  std::chrono::milliseconds timeout,
                                                  std::optional<std::string>& memory);
  Settings settings_;
  std::optional<backup::RememberedVerdict> remembered_;  // the last file read, and its verdict
};

}  // namespace watchdog::probes
