#include "config/backup_report.h"

#include <algorithm>
#include <cstdio>

#include "config/config.h"
#include "config/options.h"

namespace watchdog::config {
namespace {

// "07:00" → the cron expression "0 7 * * *"; nothing for anything but HH:MM.
std::optional<std::string> daily_cron(const std::string& text) {
  int hours = -1, minutes = -1;
  char tail = 0;
  if (text.size() != 5 || std::sscanf(text.c_str(), "%2d:%2d%c", &hours, &minutes, &tail) != 2 ||
      hours < 0 || hours > 23 || minutes < 0 || minutes > 59) {
    return std::nullopt;
  }
  return std::to_string(minutes) + " " + std::to_string(hours) + " * * *";
}

}  // namespace

bool alert_kind_takes_reports(std::string_view kind) {
  return kind == "webhook" || kind == "slack" || kind == "discord" || kind == "teams";
}

BackupReportSpec read_backup_report(Options& options, const std::vector<AlertSpec>& alerts) {
  auto daily_at = options.string("daily_at");
  auto time_zone = options.string("time_zone");
  auto since = options.duration("since");
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
  for (const auto& name : names) {
    auto alert = std::find_if(alerts.begin(), alerts.end(),
                              [&](const AlertSpec& a) { return a.name == name; });
    if (alert == alerts.end()) options.fail("alerts", "unknown alert '" + name + "'");
    if (!alert_kind_takes_reports(alert->kind)) {
      options.fail("alerts", "alert '" + name + "' is " + alert->kind +
                                 ": a report never pages (webhook, slack, discord or teams)");
    }
  }
  spec.alerts = std::move(names);
  return spec;
}

}  // namespace watchdog::config
