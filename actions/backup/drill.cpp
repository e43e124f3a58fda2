#include "actions/backup/drill.h"

#include "actions/backup/restore.h"
#include "config/time_text.h"
#include "probes/backup/backup_catalog.h"
#include "probes/clients/pg_connection.h"
#include "probes/clients/process_runner.h"

namespace watchdog::actions {

std::string drill_database(const std::string& target) {
  std::string name = "watchdog_drill_" + target;
  for (char& c : name) {
    if (c == '-' || c == '.') c = '_';
  }
  return name;
}

DrillOutcome run_drill(const config::BackupTargetSpec& target, std::chrono::milliseconds timeout) {
  const auto started = std::chrono::steady_clock::now();
  DrillOutcome outcome;
  try {
    std::string error;
    auto connection = connection_of(target, error);
    if (!connection) {
      outcome.detail = error;
    } else {
      RestoreRequest request;
      request.into = connection->with_dbname(drill_database(target.name));
      request.jobs = target.jobs;
      request.replace = true;  // the scratch database of an interrupted drill
      request.compare_row_counts = true;
      request.timeout = timeout;
      const auto restored = restore_backup(target, request);
      outcome.backup = restored.backup;
      outcome.ok = restored.ok;
      outcome.detail =
          (restored.backup.empty() ? "" : restored.backup + ": ") +
          (restored.ok ? restored.detail + " in " + config::human_duration(restored.elapsed)
                       : restored.error);
      PgSession admin(connection->with_dbname("postgres"), std::chrono::seconds(10));
      if (!admin.exec("DROP DATABASE IF EXISTS " + quote_identifier(request.into.dbname()) +
                      " WITH (FORCE)") &&
          outcome.ok) {
        outcome.ok = false;
        outcome.detail = "cannot drop the scratch database: " + admin.error();
      }
    }
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
