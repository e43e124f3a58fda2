#include "config/backup_report.h"

#include <algorithm>

#include "config/backup_target.h"
#include "config/config.h"
#include "config/options.h"

namespace watchdog::config {
namespace {

// "07:00" → the cron expression "0 7 * * *"; nothing for anything but HH:MM (the parser of
// a backup target's daily_at: digits and ':' only, so " 7:00" or "07:+5" are refused).
std::optional<std::string> daily_cron(const std::string& text) {
  const auto at = parse_time_of_day(text);
  if (!at) return std::nullopt;
  return std::to_string(at->count() % 60) + " " + std::to_string(at->count() / 60) + " * * *";
}

}  // namespace

bool alert_kind_takes_reports(std::string_view kind) {
  return kind == "webhook" || kind == "slack" || kind == "discord" || kind == "teams";
}

bool alert_kind_gets_reports_by_default(std::string_view kind) {
  return kind == "slack" || kind == "discord" || kind == "teams";
}

BackupReportSpec read_backup_report(Options& options, const std::vector<AlertSpec>& alerts) {
  auto daily_at = options.string("daily_at");
  auto time_zone = options.string("time_zone");
  auto since = options.duration("since");
  const bool names_given = options.has("alerts");
  auto names = options.string_list("alerts");
  options.finish();

  BackupReportSpec spec;
  if (!daily_at) options.fail("daily_at", "missing required key (HH:MM)");
  const auto cron = daily_cron(*daily_at);
  if (!cron) options.fail("daily_at", "expected HH:MM, got '" + *daily_at + "'");
  spec.daily_at_text = *daily_at;
  spec.daily = read_zoned_cron(options, *cron, time_zone);
  if (since) {
    if (*since < std::chrono::minutes(1)) options.fail("since", "must be at least 1m");
    spec.since = *since;
  }
  // `alerts: []` is no way to say "every sink" (leave the key out) nor "none" (drop the section).
  if (names_given && names.empty()) options.fail("alerts", "name at least one alert");
  for (const auto& name : names) {
    if (std::find(spec.alerts.begin(), spec.alerts.end(), name) != spec.alerts.end()) continue;
    auto alert = std::find_if(alerts.begin(), alerts.end(),
                              [&](const AlertSpec& a) { return a.name == name; });
    if (alert == alerts.end()) options.fail("alerts", "unknown alert '" + name + "'");
    if (!alert_kind_takes_reports(alert->kind)) {
      options.fail("alerts", "alert '" + name + "' is " + alert->kind +
                                 ": a report never pages (webhook, slack, discord or teams)");
    }
    spec.alerts.push_back(name);
  }
  return spec;
}

}  // namespace watchdog::config
