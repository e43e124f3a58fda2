#pragma once
// The `backup` probe's rules over one target's catalog, as a pure function: fed the facts the
// probe (or the backup report, watchdog/cli/backup_report.h) has read, it returns every finding
// in the probe's order of precedence. The probe reports the first one; the report lists them
// all, so "needs attention" and the probe never disagree. Rules, in order (backup_probe.h):
//   newest backup failed verification, or its data is missing/changed size → Unhealthy
//   last attempt failed after the newest good backup                        → Unhealthy
//   no good backup; newest good older than rpo; smaller than min_size      → Unhealthy
//   last drill failed; drill_max_age exceeded                                → Unhealthy
//   free space < headroom × newest backup; fewer than min_redundancy good    → Degraded
//   anomalies (size, duration, lateness)                                     → Degraded
// A backup is good when verified and intact (`damage` says nothing about it).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "probes/backup/backup_anomaly.h"
#include "probes/backup/backup_attempts.h"
#include "probes/backup/backup_catalog.h"
#include "probes/backup/backup_lateness.h"
#include "probes/probe.h"

namespace watchdog::probes::backup {

// The probe's keys that the rules use (defaults as the probe's: a target's rpo/min_size).
struct JudgeSettings {
  std::chrono::milliseconds rpo{0};
  std::uint64_t min_size = 1;
  int min_redundancy = 1;
  std::optional<std::chrono::milliseconds> drill_max_age;
  double headroom = 1.5;  // 0 = no free-space check
  AnomalySettings anomaly;
};

// What was read about one target; only `list_error`, `backups` and `damage` are required.
struct CatalogFacts {
  std::string target;
  std::string directory;                     // for "no verified backup of main in /backups"
  std::vector<BackupMetadata> backups;       // oldest first
  std::string list_error;                    // "no such directory": nothing else is judged
  std::vector<std::optional<std::string>> damage;  // quick_check() per backup
  TargetStatus status;
  std::optional<Attempt> last_attempt;       // the newer of both status files
  std::optional<VolumeUse> volume;
  std::optional<Lateness> lateness;          // when the target has a schedule
  SystemTime now{};
};

struct CatalogVerdict {
  std::vector<ProbeResult> findings;  // in precedence order; empty = healthy
  ProbeResult result;                 // the first finding, or healthy(summary)
  const BackupMetadata* newest_good = nullptr;  // into facts.backups
  const BackupMetadata* oldest_good = nullptr;
  int good = 0;
  HistoryVerdict history;
};

// now − t in whole seconds, never negative (a clock step back).
std::chrono::seconds age_at(SystemTime now, SystemTime t);
// What all of them take on the volume.
std::uint64_t stored_bytes(const std::vector<BackupMetadata>& backups);

// The newest backup against the previous ones: sizes and start → finish durations.
HistoryVerdict judge_catalog(const std::vector<BackupMetadata>& backups,
                             const AnomalySettings& settings);
// `facts` must outlive the verdict (it points into facts.backups).
CatalogVerdict judge_backups(const CatalogFacts& facts, const JudgeSettings& settings);

}  // namespace watchdog::probes::backup
