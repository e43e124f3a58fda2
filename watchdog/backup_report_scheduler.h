#pragma once
// The daily backup report inside `watchdog run` (`backup_report:`, config/backup_report.h): one
// thread that, at `daily_at` in `time_zone`, builds the report (watchdog/cli/backup_report.h)
// and hands it to the alert dispatcher for the chat sinks (slack, discord, teams; a webhook
// when named in `alerts:`; never a paging one).
//
// Exactly once per day: the report of the day whose slot is 2026-12-05 07:00 has the outbox key
// "backup-report/2026-12-05" (the slot's local date). The outbox keeps (sink, key) unique, so a
// restart, a reload or a second attempt never queues that day twice, and delivery (retries,
// back-off, after a crash) is the outbox's as for every alert.
//
// A missed slot (the watchdog was down at 07:00): at start the latest slot that has passed is
// sent once, late, if it is at most 6 h old (kCatchUpGrace) and its key is not in the outbox
// yet; an older one is skipped (backup_report_slot_skipped), never sent. So a first start at
// 06:00 does not send yesterday's report, and one at 09:00 sends today's at once.
//
// Leader only (the may_run callback, like the backup scheduler): a replica that is not the
// leader sends nothing and looks again every 2 s. Leadership won in the first minute counts as
// the start; a replica that becomes leader later marks the latest passed slot done without
// sending it (the old leader most likely did; chat sinks cannot deduplicate), and sends from
// the next slot on. A failure to build or queue the report is logged (backup_report_failed) and
// retried 5 minutes later; it never ends the daemon. Building the report stats the backup
// directories: a hung network mount can hold up this thread (and stop() at shutdown).
//
// Thread-safety: start/stop from one thread (the daemon's main thread).

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "config/backup_report.h"
#include "config/backup_target.h"
#include "probes/backup/backup_judge.h"
#include "watchdog/alerts/dispatcher.h"

namespace watchdog::core {

using SystemTime = std::chrono::system_clock::time_point;

// The latest daily slot at or before `now` (nothing only for a schedule that never matches).
std::optional<SystemTime> latest_report_slot(const config::ZonedCron& daily, SystemTime now);
// Catch-up window at start for a slot that passed while the watchdog was down.
inline constexpr std::chrono::hours kCatchUpGrace{6};
// How this turn of the loop came to lead: first turn at start, leadership won mid-run, or
// leading since the previous turn.
enum class LeaderTurn { AtStart, Gained, Leading };
enum class SlotAction { Send, MarkDone, Nothing };
// Pure: what to do with the latest passed slot (`done`: the last slot handled).
SlotAction decide_slot(std::optional<SystemTime> slot, std::optional<SystemTime> done,
                       SystemTime now, LeaderTurn turn);
// The first slot strictly after `now`.
std::optional<SystemTime> next_report_slot(const config::ZonedCron& daily, SystemTime now);
// "backup-report/2026-12-05": the slot's date in the schedule's time zone.
std::string report_key(const config::ZonedCron& daily, SystemTime slot);

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
             const std::vector<std::shared_ptr<alerts::Provider>>& alerts,
             const std::map<std::string, probes::backup::JudgeSettings>& judge = {});
  void stop();

 private:
  struct Settings {
    config::BackupReportSpec spec;
    std::vector<config::BackupTargetSpec> targets;
    std::vector<std::string> sinks;
    std::map<std::string, probes::backup::JudgeSettings> judge;  // judge_settings_of(config)
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
