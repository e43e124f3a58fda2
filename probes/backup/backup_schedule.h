#pragma once
// When a `backups:` target's next scheduled backup is due — the one rule the backup scheduler
// (watchdog/backup_scheduler.h) runs by and the `backup` probe judges lateness by, so the two
// never disagree. Pure, except run_in_progress(), which tests the backup lock.
//
// The scheduler counts from the latest run: the newer of the newest backup's start and the
// latest recorded attempt. An attempt is recorded when a run *finishes* (success or failure),
// so after every run that is its finish, and the next interval counts from there.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/backup_target.h"
#include "probes/backup/backup_catalog.h"

namespace watchdog::probes::backup {

// The latest run as the scheduler counts it; nothing when no run is known (the scheduler then
// runs at once). `newest_attempt`: newest_attempt() of the two status files.
std::optional<SystemTime> last_scheduled_run(const std::vector<BackupMetadata>& oldest_first,
                                             const std::optional<Attempt>& newest_attempt);

// The first scheduled time strictly after `last_run`: `interval` → last_run + interval;
// `daily_at` → the first HH:MM UTC after it. A schedule that is not enabled → nothing.
std::optional<SystemTime> first_due_after(const config::BackupSchedule& schedule,
                                          SystemTime last_run);

// DIR/.TARGET.backup.lock: flock()ed by a backup from its start until its status and retention
// are written (actions/backup/backup_runner.h).
std::filesystem::path backup_lock_path(const std::filesystem::path& directory,
                                       const std::string& target);

// Whether a backup of `target` holds its lock now: a run under way, including its verification
// and metadata (which come after the dump was renamed into place). A killed run's lock dies
// with it, so its leftover partial file never counts. Tested with a shared, non-blocking flock
// released at once, without creating the file: a backup starting in that microsecond finds the
// lock busy (the scheduler then tries again at once).
bool run_in_progress(const std::filesystem::path& directory, const std::string& target);

}  // namespace watchdog::probes::backup
