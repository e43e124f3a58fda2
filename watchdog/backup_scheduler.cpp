#include "watchdog/backup_scheduler.h"

#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "actions/backup/drill.h"
#include "actions/backup/backup_runner.h"
#include "probes/backup/backup_attempts.h"
#include "probes/backup/backup_catalog.h"
#include "probes/backup/backup_schedule.h"
#include "watchdog/logging.h"
#include "watchdog/thread_name.h"

namespace watchdog::core {
namespace {

using SystemTime = std::chrono::system_clock::time_point;
namespace bk = probes::backup;

// The same latest run the `backup` probe judges lateness from (probes/backup/backup_schedule.h).
std::optional<SystemTime> last_backup(const config::BackupTargetSpec& target) {
  std::string error;
  return bk::last_scheduled_run(
      bk::list_backups(target.directory, target.name, error),
      bk::newest_attempt(bk::read_status(target.directory, target.name),
                         bk::read_fallback_status(target.status_fallback_directory, target.name)));
}

std::optional<SystemTime> last_drill(const config::BackupTargetSpec& target) {
  const auto status = bk::read_status(target.directory, target.name);
  if (status.last_drill) return status.last_drill->at;
  return std::nullopt;
}

}  // namespace

SystemTime next_due(const config::BackupSchedule& schedule, std::optional<SystemTime> last_run,
                    SystemTime now) {
  if (!last_run) return now;
  const auto due = bk::first_due_after(schedule, *last_run);
  return due ? std::max(now, *due) : SystemTime::max();
}

struct BackupScheduler::Worker {
  config::BackupTargetSpec target;
  std::function<bool()> may_run;
  std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  std::atomic<bool> done = false;
  std::thread thread;

  void loop();
  void run() {
    loop();
    done = true;
  }
};

void BackupScheduler::Worker::loop() {
  while (true) {
    const auto now = std::chrono::system_clock::now();
    SystemTime backup_due = SystemTime::max(), drill_due = SystemTime::max();
    if (target.schedule.enabled()) backup_due = next_due(target.schedule, last_backup(target), now);
    if (target.drill.enabled()) drill_due = next_due(target.drill, last_drill(target), now);
    {
      std::unique_lock lock(mutex);
      const auto due = std::min(backup_due, drill_due);
      if (due > now) wake.wait_until(lock, due, [this] { return stopping; });
      if (stopping) return;
      if (may_run && !may_run()) {  // not the leader: look again shortly
        wake.wait_for(lock, std::chrono::seconds(2), [this] { return stopping; });
        if (stopping) return;
        continue;
      }
    }
    const auto at = std::chrono::system_clock::now();
    if (backup_due <= at) {
      // Joins a run in progress (backup_now, the CLI) or waits out a restore, rather than
      // failing "busy" and coming straight back.
      const auto outcome = actions::run_backup(target, target.timeout, true);
      auto log = outcome.ok ? spdlog::level::info : spdlog::level::err;
      spdlog::log(log, "scheduled_backup {} {} {}", logging::kv("target", target.name),
                  logging::kv("ok", outcome.ok ? "true" : "false"),
                  logging::kv("detail", actions::describe_outcome(outcome)));
    } else if (drill_due <= at) {
      const auto outcome = actions::run_drill(target, target.timeout);
      auto log = outcome.ok ? spdlog::level::info : spdlog::level::err;
      spdlog::log(log, "scheduled_drill {} {} {}", logging::kv("target", target.name),
                  logging::kv("ok", outcome.ok ? "true" : "false"),
                  logging::kv("detail", outcome.detail));
    }
  }
}

BackupScheduler::~BackupScheduler() { stop(); }

void BackupScheduler::start(const std::vector<config::BackupTargetSpec>& targets) {
  stop();
  for (const auto& target : targets) {
    if (!target.schedule.enabled() && !target.drill.enabled()) continue;
    auto worker = std::make_shared<Worker>();
    worker->target = target;
    worker->may_run = may_run_;
    worker->thread = std::thread([worker] {
      name_this_thread("wd-backup");
      worker->run();
    });
    spdlog::info("backup_schedule {} {} {}", logging::kv("target", target.name),
                 logging::kv("backup", target.schedule.text()),
                 logging::kv("drill", target.drill.text()));
    workers_.push_back(std::move(worker));
  }
}

void BackupScheduler::stop() {
  for (auto& worker : workers_) {
    std::lock_guard lock(worker->mutex);
    worker->stopping = true;
    worker->wake.notify_all();
  }
  // Idle workers leave at once; one inside pg_dump finishes its run on its own.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  for (auto& worker : workers_) {
    while (!worker->done && std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (worker->done) {
      worker->thread.join();
    } else {
      worker->thread.detach();  // holds its own shared_ptr; safe to outlive the scheduler
    }
  }
  workers_.clear();
}

}  // namespace watchdog::core
