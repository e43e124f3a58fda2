#pragma once
// The backup and drill schedules inside `watchdog run`, so the sidecar replaces the cron jobs:
// one thread per `backups:` target with a `schedule:` or `drill:`, each running
// actions::run_backup / actions::run_drill when due. Failures need no alert path of their own:
// both record their result in the target's status file, and a `backup` probe on that target
// turns a failed run into an unhealthy result (and so a state change and an alert).
//
// When due (probes/backup/backup_schedule.h, shared with the `backup` probe's lateness): from
// the last run — the newer of the newest backup's start and the last recorded attempt, which is
// written when a run finishes, so in practice the last run's finish (drills: the last drill) —
// `interval` → plus the interval, so a restart does not repeat a fresh backup; `daily_at` → the
// first HH:MM UTC after it (a missed slot runs at start-up). No run yet → at once.
//
// With a leader lock only the leader runs schedules: a replica that is not the leader waits
// (checking every few seconds) and runs what is due as soon as it leads.
//
// start() replaces the running schedule (SIGHUP). stop() returns within ~1 s: a worker still
// inside pg_dump is detached and ends with its run (the lock file keeps runs of one target
// from overlapping). Thread-safety: start/stop from one thread (the daemon's main thread).

#include <functional>
#include <memory>
#include <vector>

#include "config/backup_target.h"

namespace watchdog::core {

class BackupScheduler {
 public:
  // may_run: whether this replica may run schedules now (the leader lock); empty = always.
  explicit BackupScheduler(std::function<bool()> may_run = {}) : may_run_(std::move(may_run)) {}
  ~BackupScheduler();
  BackupScheduler(const BackupScheduler&) = delete;
  BackupScheduler& operator=(const BackupScheduler&) = delete;

  void start(const std::vector<config::BackupTargetSpec>& targets);
  void stop();

 private:
  struct Worker;
  std::function<bool()> may_run_;
  std::vector<std::shared_ptr<Worker>> workers_;
};

// When a schedule is next due, given the last run (nullopt = never: now) and now: never before
// now. Pure; a schedule that is not enabled → time_point::max().
std::chrono::system_clock::time_point next_due(
    const config::BackupSchedule& schedule,
    std::optional<std::chrono::system_clock::time_point> last_run,
    std::chrono::system_clock::time_point now);

}  // namespace watchdog::core
