#include "actions/backup/drill.h"

#include "actions/backup/backup_driver.h"
#include "config/time_text.h"
#include "probes/backup/backup_catalog.h"

namespace watchdog::actions {

std::string drill_database(const std::string& target) {
  std::string name = "watchdog_drill_" + target;
  for (char& c : name) {
    if (c == '-' || c == '.') c = '_';
  }
  return name;
}

DrillOutcome drill_outcome(const RestoreOutcome& restored) {
  DrillOutcome outcome;
  outcome.backup = restored.backup;
  outcome.ok = restored.ok;
  outcome.detail =
      (restored.backup.empty() ? "" : restored.backup + ": ") +
      (restored.ok ? restored.detail + " in " + config::human_duration(restored.elapsed)
                   : restored.error);
  return outcome;
}

DrillOutcome run_drill(const config::BackupTargetSpec& target, std::chrono::milliseconds timeout) {
  const auto started = std::chrono::steady_clock::now();
  DrillOutcome outcome;
  try {
    outcome = backup_driver(target)->drill(timeout);
  } catch (const std::exception& e) {
    outcome.ok = false;
    outcome.detail = std::string("drill failed unexpectedly: ") + e.what();
  }
  // Measured here: update_status may wait for the status file's lock first.
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  try {
    std::string ignored;
    probes::backup::update_status(
        target.directory, target.name,
        [&](probes::backup::TargetStatus& status) {
          const auto now = std::chrono::system_clock::now();
          status.last_drill =
              probes::backup::Drill{now, outcome.ok, outcome.backup, outcome.detail, took.count()};
          if (outcome.ok) {
            status.last_drill_success = now;
          } else {
            status.last_drill_failure = now;
          }
        },
        ignored);
  } catch (...) {
  }
  return outcome;
}

}  // namespace watchdog::actions
