#pragma once
// Did the scheduled backups run on time? (issue #18, healthchecks.io's "period + grace".)
// Pure: the probes collect the runs (catalog, status files, the run in progress, file mtimes)
// and pass `now`; schedules are turned into RunSchedule values here. No I/O, no clock reads.
//
// A *run* is any time a backup is known to have been under way: a backup's start, a recorded
// attempt (success or failure, recorded when the run finished), a backup file's mtime.
//   1. The next run is due at the FIRST scheduled time after the latest run — the very rule the
//      backup scheduler runs by (backup_schedule.h). When it has passed, no run is in progress
//      and `grace` has passed too, the run is late by now − due, a figure that keeps growing
//      across periods while nothing runs ("the 03:00 backup of main has not started (due
//      2026-12-05T03:00:00Z, grace 30m)"); within grace it is not late yet (0). A grace longer
//      than the period is allowed: a missed run then alerts once grace has passed.
//   2. Otherwise, for schedules with fixed times (daily_at, cron), the newest run is judged
//      against the first scheduled time after the run before it: late by its start − that slot
//      ("main_20261205T034700Z started 47m late (grace 30m)"). A run before that slot (an extra
//      one by hand) is never late. Interval schedules count from the previous run's finish,
//      which the status file no longer holds once a newer run finished: not judged.
// No run known at all (a first backup, a wiped directory) → nothing is judged: the scheduler
// runs at once when it knows of no run.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/backup_target.h"
#include "config/zoned_cron.h"

namespace watchdog::probes::backup {

using SystemTime = std::chrono::system_clock::time_point;

// A scheduled time, and how details name it: "03:00" in the schedule's own zone, as written
// (a cron time skipped by a clock change keeps its written time, though it starts at the jump).
struct Slot {
  SystemTime at{};
  std::string time_of_day;
};

// A schedule as lateness needs it; cheap to copy, safe to share between threads.
struct RunSchedule {
  // The first scheduled time strictly after `after`; nothing: none within the search.
  std::function<std::optional<Slot>(SystemTime after)> first_after;
  // Whether a run's own slot can be known (fixed times), so that "started late" is judged.
  bool fixed_times = true;
};

// A `backups:` target's schedule as the backup scheduler runs it: `daily_at` in UTC, or
// `interval` after the latest run. A disabled schedule → nothing (no lateness to judge).
std::optional<RunSchedule> run_schedule(const config::BackupSchedule& schedule);
// A cron expression in a time zone.
RunSchedule run_schedule(const config::ZonedCron& cron);

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
  std::optional<SystemTime> last_run;  // the latest run, as the scheduler counts from it
  std::vector<SystemTime> runs;        // every other known run, any order
  std::optional<NamedRun> newest;      // the newest run's start (or arrival), to judge
  bool in_progress = false;            // a run is under way now
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
