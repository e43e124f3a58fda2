#pragma once
// Retention of a target's backups with restic `forget` semantics:
//   keep_last N     the N newest backups
//   keep_daily N    the newest backup of each of the last N days that hold one (UTC days)
//   keep_weekly N   … of each of the last N ISO weeks; keep_monthly N … of the last N months
//   keep_within D   every backup strictly newer than the newest backup's time minus D (restic
//                   measures from the newest backup, not from now, so a stopped backup job
//                   never ages everything out; days are 24 h, as in config/units.h)
//   rules are OR-ed; when a daily/weekly/monthly rule still has count left after the oldest
//   backup, the oldest backup is kept too (restic keeps it "additionally"; keep_within never
//   does, as in restic's code).
// Beyond restic: the newest good (verified) backup is never deleted, whatever the policy; a
// policy of all zeros keeps everything. Backups are the ones with metadata (catalog); files
// without metadata are never touched.
//
// plan_retention is pure (unit-tested on synthetic dates); apply_retention deletes (metadata
// first, then the data, then fsync of the directory) or, with dry_run, only reports.

#include <string>
#include <vector>

#include "config/backup_target.h"
#include "probes/backup/backup_catalog.h"

namespace watchdog::actions {

struct RetentionItem {
  std::string name;
  probes::backup::SystemTime time;  // the backup's start (its name's time)
  bool good = true;                 // verified and not failed
};

struct RetentionDecision {
  std::string name;
  bool keep = false;
  std::vector<std::string> reasons;  // "last", "daily 2026-11-22", "within 30d", "newest good"
};

// Decisions in the order of `items` (any order in; each decided on its time).
std::vector<RetentionDecision> plan_retention(const std::vector<RetentionItem>& items,
                                              const config::RetentionPolicy& policy);

struct RetentionResult {
  std::vector<RetentionDecision> decisions;  // oldest first
  std::vector<std::string> removed;          // empty on dry_run
  std::string error;                         // first deletion error, if any
};

// Lists the target's backups, plans, and deletes what goes (unless dry_run). The caller holds
// the target's BackupLock.
RetentionResult apply_retention(const config::BackupTargetSpec& target, bool dry_run);

}  // namespace watchdog::actions
