#pragma once
// `backup_age`: is the newest backup in a directory recent enough (RPO) and non-trivial?
//
// Keys: directory (required, absolute), pattern (fnmatch glob on file names, default "*"),
// rpo (required duration > 0), min_size (size, default 1 byte: an empty file fails),
// anomaly_history (7), min_ratio (0.5; 0 = off), settle (5m), schedule (cron, optional),
// time_zone (IANA, default UTC; with schedule only), grace (30m; with schedule only) — see
// probes/backup/anomaly_checks.h. `pattern` must match exactly one file per run (the dump, not
// its .sha256 or .log beside it), or the small companions read as small backups.
// Only regular files directly in `directory` count (symlinks are followed, no recursion).
// The glob behaves like a shell's: "*" does not match names starting with '.', so hidden
// temporary files of rsync/rclone uploads are ignored unless the pattern starts with '.'.
//
// The newest matching file (by mtime) decides: age > rpo or size < min_size → Unhealthy
// (Threshold); missing directory or no match → Unhealthy (NotFound). A newest file younger than
// `settle` may still be being written (pg_dump -f, `> file` keep its mtime fresh): the size
// judgements (min_size, min_ratio) take the newest file older than that instead.
// Otherwise anomalies (issue #18) → Degraded (Threshold): the newest file smaller than
// min_ratio × the median size of up to anomaly_history files before it (judged from 3 on):
// "db_20261204.dump is 2.1 MiB, 38 % of the usual 5.5 MiB"; with a schedule, mtimes count as
// the runs' finish, so grace must cover how long a backup takes to write: the next run is due
// at the first scheduled time after the newest file, "the 03:00 backup in /backups has not
// arrived (due 2026-12-05T03:00:00Z, grace 30m)" (late keeps growing until a file arrives), and
// the newest file against the first scheduled time after the file before it,
// "db_20261205.dump arrived 47m late (grace 30m)"; a single file is not judged. Files
// carry no duration: the duration check of the `backup` probe does not apply.
// Measurements: backup_files (matching count, always), backup_age_seconds and
// backup_size_bytes (of the newest, when one exists), backup_usual_size_bytes and
// backup_size_ratio (from 3 previous files on), backup_late_seconds (with a schedule).
// Directory and file names are not secret and appear in the detail.
//
// The directory listing stops at `timeout` (Unhealthy, Timeout); a single blocking stat() on a
// dead mount cannot be interrupted and is left to the worker's guard.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "config/options.h"
#include "probes/backup/backup_anomaly.h"
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
  };

  // Reads and validates the keys above; no I/O. Throws config::ConfigError.
  static std::unique_ptr<Probe> create(std::string name, config::Options& options);

  BackupAgeProbe(std::string name, Settings settings);
  std::string_view kind() const override { return "backup_age"; }

 private:
  ProbeResult check_once(std::chrono::milliseconds timeout) override;
  ProbeResult scan(std::chrono::steady_clock::time_point deadline) const;
  Settings settings_;
};

}  // namespace watchdog::probes
