#pragma once
// The daily backup report inside `watchdog run` (`backup_report:`, config/backup_report.h): one
// thread that, at `daily_at` in `time_zone`, builds the report (watchdog/cli/backup_report.h)
// and hands it to the alert dispatcher for the chat sinks (webhook, slack, discord, teams;
// never a paging one).
//
// Exactly once per day: the report of the day whose slot is 2026-12-05 07:00 has the outbox key
// "backup-report/2026-12-05" (the slot's local date). The outbox keeps (sink, key) unique, so a
// restart, a reload or a second attempt never queues that day twice, and delivery (retries,
// back-off, after a crash) is the outbox's as for every alert.
//
// A missed slot (the watchdog was down at 07:00): at start the latest slot that has passed —
// always less than a day ago — is sent once, late, if its key is not in the outbox yet; older
// days are never sent. So a watchdog started for the first time after today's slot sends
// today's report at once.
//
// Leader only (the may_run callback, like the backup scheduler): a replica that is not the
// leader sends nothing and looks again every 2 s. After a fail-over the new leader's outbox may
// not have the day's key: it then sends the report again with the same key, which a receiver
// can deduplicate on (the webhook's Idempotency-Key header).
//
// Thread-safety: start/stop from one thread (the daemon's main thread).

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/backup_report.h"
#include "config/backup_target.h"
#include "watchdog/alerts/dispatcher.h"

namespace watchdog::core {

using SystemTime = std::chrono::system_clock::time_point;

// The latest daily slot at or before `now` (nothing only for a schedule that never matches).
std::optional<SystemTime> latest_report_slot(const config::ZonedCron& daily, SystemTime now);
// The first slot strictly after `now`.
std::optional<SystemTime> next_report_slot(const config::ZonedCron& daily, SystemTime now);
// "backup-report/2026-12-05": the slot's date in the schedule's time zone.
std::string report_key(const config::ZonedCron& daily, SystemTime slot);
// The sinks a report goes to: `spec.alerts`, or every provider whose kind takes reports.
std::vector<std::string> report_sinks(const config::BackupReportSpec& spec,
                                      const std::vector<std::shared_ptr<alerts::Provider>>& alerts);

class BackupReportScheduler {
 public:
  // may_run: whether this replica may send now (the leader lock); empty = always.
  // clock: the wall clock (tests); empty = system_clock::now.
  BackupReportScheduler(alerts::Dispatcher& dispatcher, std::function<bool()> may_run = {},
                        std::function<SystemTime()> clock = {});
  ~BackupReportScheduler();
  BackupReportScheduler(const BackupReportScheduler&) = delete;
  BackupReportScheduler& operator=(const BackupReportScheduler&) = delete;

  // Starts (or, on reload, replaces) the schedule; no `backup_report:` = stopped.
  void start(const std::optional<config::BackupReportSpec>& spec,
             const std::vector<config::BackupTargetSpec>& targets,
             const std::vector<std::shared_ptr<alerts::Provider>>& alerts);
  void stop();

 private:
  struct Settings {
    config::BackupReportSpec spec;
    std::vector<config::BackupTargetSpec> targets;
    std::vector<std::string> sinks;
  };
  void loop(const Settings& settings);
  // Sends the report of `slot` unless every sink has its key already.
  void send_if_new(const Settings& settings, SystemTime slot);

  alerts::Dispatcher& dispatcher_;
  std::function<bool()> may_run_;
  std::function<SystemTime()> clock_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace watchdog::core
