#pragma once
// A restore drill: the proof that the newest backup restores. The kind's driver restores it
// (checksum first) somewhere scratch and compares — postgres and mysql: into a database
// `watchdog_drill_<target>` ('-' and '.' as '_') on the target's server, every table's row
// count against the metadata, dropped after (backup_driver.h) — and run_drill records the result
// in DIR/TARGET.status.json, where the `backup` probe reports a failure (the alert) and the time
// of the last success.

#include <chrono>
#include <string>

#include "actions/backup/restore.h"
#include "config/backup_target.h"

namespace watchdog::actions {

struct DrillOutcome {
  bool ok = false;
  std::string backup;  // the backup restored
  std::string detail;  // "main_…: 3 tables, row counts match in 1.2 s" or the failure
};

// Never throws.
DrillOutcome run_drill(const config::BackupTargetSpec& target, std::chrono::milliseconds timeout);

std::string drill_database(const std::string& target);

// A driver's drill result from its restore into the scratch place: "main_…: 3 tables, row counts
// match in 1.2 s", or the restore's error.
DrillOutcome drill_outcome(const RestoreOutcome& restored);

}  // namespace watchdog::actions
