#pragma once
// `backup`: are the backups of a `backups:` target provably good and recent? Reads the catalog
// (probes/backup/backup_catalog.h) — metadata and status files, never the dumps themselves, so a
// check costs a directory listing however large the backups are.
//
// Keys: target (required: a name from `backups:`), rpo (default: the target's), min_size
// (default: the target's), min_redundancy (good backups wanted, default 1), drill_max_age (the
// last successful restore drill must be younger; default: not checked), headroom (free space
// wanted on the backup volume as a multiple of the newest backup's size, default 1.5; 0 = off),
// anomaly_history (7), min_ratio (0.5), min_duration_ratio (0.25), grace (30m): see below and
// probes/backup/anomaly_checks.h.
//
// The last attempt is the newer of the one in DIR/TARGET.status.json and the one recorded under
// `<watchdog.state_dir>/backup-status/` when the volume was too full or read-only to write the
// status file (probes/backup/backup_attempts.h). The state directory reaches the probe through the
// target spec (BackupTargetSpec::status_fallback_directory, set by the config loader), so the
// probe, the scheduler and every backup writer agree without a new factory argument.
//
// A backup is *good* when its checksum was re-read and matched (verify_after_backup, or
// `watchdog backups verify`) and its data still has the recorded size. In this order:
//   newest backup failed verification, is missing or changed size → Unhealthy (BadResponse)
//   last backup attempt failed after the newest good backup → Unhealthy (Error) at once (not when
//     the RPO runs out), with its error: "backup of main failed at 2026-11-22T03:15:00Z: no space
//     left on device (/backups 100 % used) writing main_20261122T031500Z.dump"
//   no good backup → Unhealthy (NotFound); newest good older than rpo or smaller than min_size
//     → Unhealthy (Threshold)
//   last drill failed → Unhealthy (BadResponse); drill_max_age exceeded → Unhealthy (Threshold)
//   free space on the volume < headroom × newest backup → Degraded (Threshold): "backups volume
//     has 120.0 MiB free, next dump needs ~180.0 MiB (1.5 × last)"
//   fewer than min_redundancy good backups → Degraded (Threshold)
//   anomalies (issue #18), only when nothing above applies → Degraded (Threshold), the newest
//     backup (good or not) against the median of up to anomaly_history previous ones (from 3
//     on; probes/backup/backup_anomaly.h): "main_20261204T030000Z is 2.1 MiB, 38 % of the usual
//     5.5 MiB"; "main_… took 0.4 s, 11 % of the usual 3.5 s" (usual ≥ 1 s); and, when the
//     target has a schedule, lateness (probes/backup/backup_lateness.h): "the 03:00 backup of
//     main has not started (due 2026-12-05T03:00:00Z, grace 30m)" — due counted exactly as the
//     scheduler counts it (probes/backup/backup_schedule.h: the first scheduled time after the
//     newer of the newest backup's start and the last recorded attempt, i.e. the last run's
//     finish), and never while a run holds the backup lock (dumping, verifying, writing its
//     metadata); "main_… started 47m late (grace 30m)" for daily_at targets only (an interval's
//     slot counts from a finish the status file no longer keeps). No run known → not judged.
//     grace without a schedule on the target is a config error.
// This is how a failed scheduled backup or drill alerts: through this probe's component.
// The rules above are probes/backup/backup_judge.h (pure), which the backup report applies too.
//
// Measurements: backup_last_success_timestamp_seconds, backup_age_seconds, backup_size_bytes
// (newest good), backup_rpo_seconds, backup_good_backups,
// restore_drill_last_success_timestamp_seconds (when a drill succeeded once),
// backup_verify_failures_total (a counter: failed verifications recorded in the status file by any
// verifier), backup_volume_free_bytes (statvfs of the directory, as df's "Avail"),
// backup_storage_bytes (all retained backups, safety dumps not counted), backup_duration_seconds
// (newest backup, start → finish), backup_oldest_restorable_timestamp_seconds (finish of the
// oldest good backup: the recovery window reaches back to it),
// backup_last_failure_timestamp_seconds and restore_drill_last_failure_timestamp_seconds (0 when
// none recorded), restore_drill_duration_seconds (the last drill's, when the status file has it),
// backup_usual_size_bytes, backup_size_ratio, backup_usual_duration_seconds (from 3 previous
// backups on), backup_late_seconds (when the target has a schedule).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/backup_target.h"
#include "config/options.h"
#include "probes/backup/backup_judge.h"
#include "probes/backup/backup_lateness.h"
#include "probes/guarded_probe.h"

namespace watchdog::probes {

class BackupProbe final : public GuardedProbe {
 public:
  struct Settings {
    std::string target;
    std::filesystem::path directory;
    backup::JudgeSettings judge;  // rpo, min_size, min_redundancy, drill_max_age, headroom, …
    std::filesystem::path status_fallback_directory;  // "" = only the status beside the backups
    std::optional<backup::RunSchedule> schedule;  // the target's; none = lateness not judged
    std::chrono::milliseconds grace{0};
  };

  // Reads and validates the keys above; `targets` is the config's `backups:` list. No I/O.
  // Throws config::ConfigError (also for an unknown target).
  static std::unique_ptr<Probe> create(std::string name, config::Options& options,
                                       const std::vector<config::BackupTargetSpec>& targets);
  // The rules' settings from a probe's keys (throws like create), and without a probe: the
  // target's rpo and min_size, the other keys' defaults. The backup report judges with these.
  static backup::JudgeSettings judge_settings(config::Options& options,
                                              const config::BackupTargetSpec& target);
  static backup::JudgeSettings judge_settings(const config::BackupTargetSpec& target);

  BackupProbe(std::string name, Settings settings);
  std::string_view kind() const override { return "backup"; }

 private:
  ProbeResult check_once(std::chrono::milliseconds timeout) override;
  ProbeResult evaluate() const;
  Settings settings_;
};

}  // namespace watchdog::probes
