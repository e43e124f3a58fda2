#include "watchdog/backup_report_scheduler.h"

#include <spdlog/spdlog.h>

#include "config/time_text.h"
#include "config/time_zone.h"
#include "watchdog/cli/backup_report.h"
#include "watchdog/logging.h"
#include "watchdog/thread_name.h"

namespace watchdog::core {
namespace {

constexpr std::chrono::days kHorizon{2};  // a daily slot is always found within two days
constexpr auto kNotLeaderRecheck = std::chrono::seconds(2);
constexpr auto kStartWindow = std::chrono::minutes(1);
constexpr auto kRetryAfterFailure = std::chrono::minutes(5);

}  // namespace

std::optional<SystemTime> latest_report_slot(const config::ZonedCron& daily, SystemTime now) {
  // Slots are a day apart (25 h across a clock change): start two days back and walk forward.
  std::optional<SystemTime> latest;
  auto start = daily.first_after(now - std::chrono::hours(50), kHorizon);
  while (start && start->at <= now) {
    latest = start->at;
    start = daily.first_after(start->at, kHorizon);
  }
  return latest;
}

std::optional<SystemTime> next_report_slot(const config::ZonedCron& daily, SystemTime now) {
  auto start = daily.first_after(now, kHorizon);
  return start ? std::optional<SystemTime>(start->at) : std::nullopt;
}

std::string report_key(const config::ZonedCron& daily, SystemTime slot) {
  const auto local = daily.zone->local_time(slot);
  return "backup-report/" + config::format_utc(SystemTime(local.time_since_epoch()), "%Y-%m-%d");
}

BackupReportScheduler::BackupReportScheduler(alerts::Dispatcher& dispatcher,
                                             std::function<bool()> may_run,
                                             std::function<SystemTime()> clock)
    : dispatcher_(dispatcher), may_run_(std::move(may_run)), clock_(std::move(clock)) {
  if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
}

BackupReportScheduler::~BackupReportScheduler() { stop(); }

void BackupReportScheduler::start(const std::optional<config::BackupReportSpec>& spec,
                                  const std::vector<config::BackupTargetSpec>& targets,
                                  const std::vector<std::shared_ptr<alerts::Provider>>& alerts,
                                  const std::map<std::string, probes::backup::JudgeSettings>& judge) {
  stop();
  if (!spec) return;
  auto settings = std::make_shared<Settings>(Settings{*spec, targets, report_sinks(*spec, alerts), judge});
  spdlog::info(
      "backup_report_schedule {} {} {}",
      logging::kv("daily_at", spec->daily_at_text + " " + spec->daily.zone->name()),
      logging::kv("since", config::coarse_duration(
                               std::chrono::duration_cast<std::chrono::seconds>(spec->since))),
      logging::kv("sinks", std::to_string(settings->sinks.size())));
  if (settings->sinks.empty()) {  // check-config says so too
    spdlog::warn("backup_report_without_sinks {}",
                 logging::kv("hint", "add a slack, discord or teams alert, or name a webhook in backup_report.alerts"));
    return;
  }
  std::lock_guard lock(mutex_);
  stopping_ = false;
  thread_ = std::thread([this, settings] {
    name_this_thread("wd-backup-rep");
    loop(*settings);
  });
}

void BackupReportScheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

SlotAction decide_slot(std::optional<SystemTime> slot, std::optional<SystemTime> done,
                       SystemTime now, LeaderTurn turn) {
  if (!slot || slot == done) return SlotAction::Nothing;
  switch (turn) {
    case LeaderTurn::AtStart:
      return now - *slot <= kCatchUpGrace ? SlotAction::Send : SlotAction::MarkDone;
    case LeaderTurn::Gained:
      return SlotAction::MarkDone;
    case LeaderTurn::Leading:
      return SlotAction::Send;
  }
  return SlotAction::Nothing;
}

void BackupReportScheduler::loop(const Settings& settings) {
  std::optional<SystemTime> done;  // the last slot handled (sent, found sent, or skipped)
  const auto started = std::chrono::steady_clock::now();
  bool led = false;  // leading at the previous turn
  auto retry_at = std::chrono::steady_clock::time_point::min();
  while (true) {
    const auto now = clock_();
    const bool leading = !may_run_ || may_run_();
    if (leading && std::chrono::steady_clock::now() >= retry_at) {
      // Leadership won within the first minute (the elector's first round) counts as the start.
      const auto turn = led ? LeaderTurn::Leading
                        : std::chrono::steady_clock::now() - started < kStartWindow
                            ? LeaderTurn::AtStart
                            : LeaderTurn::Gained;
      const auto slot = latest_report_slot(settings.spec.daily, now);
      try {
        switch (decide_slot(slot, done, now, turn)) {
          case SlotAction::Send:
            send_if_new(settings, *slot);
            done = slot;
            break;
          case SlotAction::MarkDone:
            spdlog::info("backup_report_slot_skipped {} {}",
                         logging::kv("key", report_key(settings.spec.daily, *slot)),
                         logging::kv("why", turn == LeaderTurn::Gained
                                                ? "became leader after the slot"
                                                : "missed by more than 6h"));
            done = slot;
            break;
          case SlotAction::Nothing:
            break;
        }
      } catch (const std::exception& error) {  // never take the daemon down: try again later
        spdlog::error("backup_report_failed {} {}", logging::kv("error", error.what()),
                      logging::kv("retry_in", "5m"));
        retry_at = std::chrono::steady_clock::now() + kRetryAfterFailure;
      }
      led = true;  // a failed turn is retried as Leading: the slot is still not done
    }
    if (!leading) led = false;
    const auto next = next_report_slot(settings.spec.daily, now);
    // The clock may be a test's: wake at least every minute to read it again.
    auto until = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    if (next) {
      until = std::min(until, std::chrono::steady_clock::now() + (*next - now));
    }
    if (!leading) until = std::chrono::steady_clock::now() + kNotLeaderRecheck;
    std::unique_lock lock(mutex_);
    wake_.wait_until(lock, until, [this] { return stopping_; });
    if (stopping_) return;
  }
}

void BackupReportScheduler::send_if_new(const Settings& settings, SystemTime slot) {
  const auto key = report_key(settings.spec.daily, slot);
  bool all_have_it = true;
  try {
    for (const auto& sink : settings.sinks) {
      all_have_it = all_have_it && dispatcher_.outbox()->has_key(sink, key);
    }
  } catch (const std::exception&) {  // the outbox's enqueue still skips duplicates
    all_have_it = false;
  }
  if (all_have_it) {  // sent before a restart or reload
    spdlog::info("backup_report_already_sent {}", logging::kv("key", key));
    return;
  }
  const auto since = std::chrono::duration_cast<std::chrono::seconds>(settings.spec.since);
  auto report = build_report(settings.targets, settings.judge, since, clock_());
  report.slot = slot;
  report.time_zone = settings.spec.daily.zone->name();
  const auto queued = dispatcher_.inform(report_event(report, key), settings.sinks);
  spdlog::info("backup_report_queued {} {} {} {}", logging::kv("key", key),
               logging::kv("slot", config::format_rfc3339(slot)),
               logging::kv("headline", report.headline()),
               logging::kv("sinks", std::to_string(queued.size())));
}

}  // namespace watchdog::core
