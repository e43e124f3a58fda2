#pragma once
// Did the newest scheduled backup run on time? (issue #18, healthchecks.io's "period + grace".)
// Pure: the probes collect the run times (catalog, status file, partial files, file mtimes) and
// pass `now`; schedules are turned into RunSchedule values here. No I/O, no clock reads.
//
// A *run* is any time a backup is known to have been under way: a backup's start, a recorded
// attempt (success or failure), a backup still being written, a backup file's mtime. In order:
//   1. The run due now is the latest scheduled time at or before now (interval schedules: the
//      latest run + interval, as the backup scheduler counts). When no run happened at or after
//      it: once `grace` has passed it is late by now − due ("the 03:00 backup of main has not
//      started (due 2026-12-05T03:00:00Z, grace 30m)"); within grace it is not late yet (0).
//   2. Otherwise the newest backup is judged against the scheduled time it belongs to: late by
//      its time − that slot ("main_20261205T034700Z started 47m late (grace 30m)"), unless an
//      earlier run already served that slot (an extra run by hand or by a recovery action is
//      never late).

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/backup_target.h"

namespace watchdog::config {
class CronSchedule;  // config/cron.h
class TimeZone;      // config/time_zone.h
}  // namespace watchdog::config

namespace watchdog::probes::backup {

using SystemTime = std::chrono::system_clock::time_point;

// A schedule as lateness needs it; cheap to copy, safe to share between threads.
struct RunSchedule {
  // The scheduled time a run at `at` belongs to: the latest one at or before `at`; interval
  // schedules count from `previous_run` (the latest run before `at`; their answer may lie after
  // `at`: not due yet). Nothing: no run was ever due.
  std::function<std::optional<SystemTime>(SystemTime at, std::optional<SystemTime> previous_run)>
      slot_for;
  // "03:00": a slot's time of day in the schedule's own time zone, for details.
  std::function<std::string(SystemTime slot)> time_of_day;
};

// A `backups:` target's schedule as the backup scheduler runs it: `daily_at` in UTC, or
// `interval` after the latest run. A disabled schedule → nothing (no lateness to judge).
std::optional<RunSchedule> run_schedule(const config::BackupSchedule& schedule);
// A cron expression in a time zone (clock changes resolved as for maintenance windows).
RunSchedule run_schedule(std::shared_ptr<const config::CronSchedule> cron,
                         std::shared_ptr<const config::TimeZone> zone);

// How details name things: "the 03:00 backup " + subject + " " + missing; name + " " + late.
struct LatenessWording {
  std::string subject;  // "of main", "in /backups"
  std::string missing;  // "has not started", "has not arrived"
  std::string late;     // "started", "arrived"
};

struct NamedRun {
  std::string name;  // "main_20261205T034700Z", "db_20261205.dump"
  SystemTime at{};
};

struct LatenessInput {
  std::vector<SystemTime> runs;    // every known run, any order (newest->at may be among them)
  std::optional<NamedRun> newest;  // the newest backup to judge
  SystemTime now{};
  std::chrono::milliseconds grace{0};
};

struct Lateness {
  std::chrono::seconds late{0};        // backup_late_seconds
  std::optional<std::string> anomaly;  // set when late by more than grace
};

Lateness judge_lateness(const RunSchedule& schedule, const LatenessInput& input,
                        const LatenessWording& wording);

}  // namespace watchdog::probes::backup
