#pragma once
// The backup report (issue #17, "automated daily reports"): per `backups:` target the newest
// backup and its age against the RPO, its size and the change against the one before, its
// verification, the last restore drill, the storage the target's backups use and the free space
// on their volume, and what went wrong in the period (failed attempts, failed verifications);
// on top one line, "3 targets, 1 needs attention".
//
// Kind-agnostic: it reads only the shared catalog (probes/backup/backup_catalog.h: metadata,
// TARGET.status.json and its fallback copy), so every backup kind that writes the catalog is
// reported alike. Built in two steps so the rules are unit-tested with tables:
//   collect_facts(target, settings)  I/O: the catalog, quick checks and statvfs, once per target
//   judge_target(facts, since, now)  pure: what the figures mean, and what needs attention
// Rendered as a terminal/chat table (render_text), as JSON (report_json, also the `report`
// field of the alert event) and as an alert event for the chat sinks (report_event).
//
// A target needs attention exactly when the `backup` probe would not be healthy: the same
// rules (probes/backup/backup_judge.h) with the same settings — those of the first `backup`
// probe watching the target, else the target's rpo/min_size and the probe's defaults — and
// every finding is listed, not only the first: the newest backup failed verification or its
// data is missing/truncated; the last attempt failed after the newest good backup; no verified
// backup; the newest verified one older than its RPO or smaller than min_size; the last drill
// failed (drill_max_age); too little free space for the next dump (headroom); fewer good
// backups than min_redundancy; a suspiciously small or short newest backup (anomalies; the
// lateness of a scheduled run is the probe's alone: it needs the backup lock). Failed attempts
// and failed verifications of older backups in the period are counted, not judged.

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/backup_report.h"
#include "config/backup_target.h"
#include "config/config.h"
#include "probes/backup/backup_attempts.h"
#include "probes/backup/backup_catalog.h"
#include "probes/backup/backup_judge.h"
#include "watchdog/alerts/event.h"
#include "watchdog/alerts/provider.h"

namespace watchdog::core {

using SystemTime = std::chrono::system_clock::time_point;

// What the catalog says about one target: collected once, judged by judge_target().
struct TargetFacts {
  std::string target;
  std::string directory;
  probes::backup::JudgeSettings settings;                 // the probe's (rpo, min_size, …)
  std::vector<probes::backup::BackupMetadata> backups;    // oldest first
  std::vector<std::optional<std::string>> damage;         // quick_check() per backup
  std::string list_error;                                 // "no such directory", …
  probes::backup::TargetStatus status;                    // beside the backups
  std::optional<probes::backup::Attempt> newest_attempt;  // of both status files
  std::optional<SystemTime> last_failed_attempt;          // of both status files
  std::optional<probes::backup::VolumeUse> volume;        // statvfs of the directory
};

// Reads the catalog of `target` (never throws: an unreadable directory is `list_error`).
TargetFacts collect_facts(const config::BackupTargetSpec& target,
                          const probes::backup::JudgeSettings& settings);
// Per target name: the settings of the first `backup` probe watching it, else the defaults.
std::map<std::string, probes::backup::JudgeSettings> judge_settings_of(const config::Config& config);

struct NewestBackup {
  std::string name;
  SystemTime finished{};
  std::chrono::seconds age{0};
  std::uint64_t size_bytes = 0;
  std::optional<double> change_percent;  // against the previous backup; none without one
  std::string verification;              // "verified" | "unverified" | "failed"
  std::string verification_error;        // why it failed; "" otherwise
};

struct TargetReport {
  std::string target;
  SystemTime judged_at{};  // the report's "now"
  std::chrono::seconds rpo{0};
  std::optional<NewestBackup> newest;
  bool within_rpo = false;
  std::optional<probes::backup::Drill> last_drill;
  std::uint64_t stored_bytes = 0;           // all of the target's backups
  std::optional<std::uint64_t> free_bytes;  // on the backup volume (statvfs failed: none)
  int backups_in_period = 0;                // started within the period
  std::optional<SystemTime> failed_attempt_in_period;  // the last one
  std::string failed_attempt_error;                    // its error, when still known
  int verify_failures_in_period = 0;  // backups whose verification failed in the period
  std::vector<std::string> problems;  // why it needs attention; empty = OK

  bool ok() const { return problems.empty(); }
};

// The JSON document's `schema_version`: raised when a field changes meaning or goes away.
inline constexpr int kReportSchemaVersion = 1;

struct BackupReport {
  SystemTime generated{};
  std::optional<SystemTime> slot;  // the scheduled report's daily slot; none on demand
  std::string time_zone;           // the schedule's; "" on demand
  std::chrono::seconds period{0};  // `--since` / backup_report.since
  std::vector<TargetReport> targets;

  int needing_attention() const;
  bool ok() const { return needing_attention() == 0; }
  // "3 targets, 1 needs attention" / "2 targets, all OK" / "no backup targets".
  std::string headline() const;
};

// Pure: what the facts mean at `now` for the period [now − period, now].
TargetReport judge_target(const TargetFacts& facts, std::chrono::seconds period, SystemTime now);
// collect_facts + judge_target for every target.
BackupReport build_report(const std::vector<config::BackupTargetSpec>& targets,
                          const std::map<std::string, probes::backup::JudgeSettings>& settings,
                          std::chrono::seconds period, SystemTime now);

// The sinks a report goes to: `spec.alerts`, or every slack, discord and teams provider.
std::vector<std::string> report_sinks(const config::BackupReportSpec& spec,
                                      const std::vector<std::shared_ptr<alerts::Provider>>& alerts);

// backup_report_render.cpp: the table (plain text, also fine inside a chat code block), one
// line per target for chat, the JSON document, and the alert event.
std::string render_text(const BackupReport& report);
std::string target_line(const TargetReport& target);
nlohmann::json report_json(const BackupReport& report);
// report_json, indented; invalid UTF-8 (from a status file) replaced by U+FFFD.
std::string report_json_text(const BackupReport& report);
// type "backup_report", component "backup_report" (not a component), event_id = `key` (the
// outbox's idempotency key: "backup-report/2026-12-05" for the scheduled one); severity info
// when all is OK, warning when something needs attention (carried in `to`; the JSON's
// from/to/overall are ""); one probe snapshot per target; the JSON document as `report`.
alerts::AlertEvent report_event(const BackupReport& report, const std::string& key);

}  // namespace watchdog::core
