#include "watchdog/backup_report_scheduler.h"

#include <spdlog/spdlog.h>

#include "config/time_text.h"
#include "config/time_zone.h"
#include "watchdog/cli/backup_report.h"
#include "watchdog/logging.h"

namespace watchdog::core {
namespace {

constexpr std::chrono::days kHorizon{2};  // a daily slot is always found within two days
constexpr auto kNotLeaderRecheck = std::chrono::seconds(2);

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

std::vector<std::string> report_sinks(
    const config::BackupReportSpec& spec,
    const std::vector<std::shared_ptr<alerts::Provider>>& alerts) {
  if (!spec.alerts.empty()) return spec.alerts;
  std::vector<std::string> sinks;
  for (const auto& provider : alerts) {
    if (config::alert_kind_takes_reports(provider->kind())) sinks.push_back(provider->name());
  }
  return sinks;
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
                                  const std::vector<std::shared_ptr<alerts::Provider>>& alerts) {
  stop();
  if (!spec) return;
  auto settings = std::make_shared<Settings>(Settings{*spec, targets, report_sinks(*spec, alerts)});
  spdlog::info(
      "backup_report_schedule {} {} {}",
      logging::kv("daily_at", spec->daily_at_text + " " + spec->daily.zone->name()),
      logging::kv("since", config::coarse_duration(
                               std::chrono::duration_cast<std::chrono::seconds>(spec->since))),
      logging::kv("sinks", std::to_string(settings->sinks.size())));
  if (settings->sinks.empty()) {  // check-config says so too
    spdlog::warn("backup_report_without_sinks {}",
                 logging::kv("hint", "add a webhook, slack, discord or teams alert"));
    return;
  }
  std::lock_guard lock(mutex_);
  stopping_ = false;
  thread_ = std::thread([this, settings] { loop(*settings); });
}

void BackupReportScheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BackupReportScheduler::loop(const Settings& settings) {
  std::optional<SystemTime> done;  // the last slot handled (sent now or found sent before)
  while (true) {
    const auto now = clock_();
    const bool leading = !may_run_ || may_run_();
    if (leading) {
      const auto slot = latest_report_slot(settings.spec.daily, now);
      if (slot && slot != done) {
        send_if_new(settings, *slot);
        done = slot;
      }
    }
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
  const auto report = build_report(settings.targets, since, clock_());
  const auto queued = dispatcher_.inform(report_event(report, key), settings.sinks);
  spdlog::info("backup_report_queued {} {} {} {}", logging::kv("key", key),
               logging::kv("slot", config::format_rfc3339(slot)),
               logging::kv("headline", report.headline()),
               logging::kv("sinks", std::to_string(queued.size())));
}

}  // namespace watchdog::core
