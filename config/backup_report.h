#pragma once
// The top-level `backup_report:` section: when `watchdog run` sends the daily backup report
// (watchdog/backup_report_scheduler.h) and to which alert sinks. Beside `backups:` rather than
// inside it, since `backups:` is the list of targets and the report covers them all.
//
//   backup_report:
//     daily_at: "07:00"          # local time in time_zone (required)
//     time_zone: Europe/Berlin   # IANA name; default UTC
//     since: 24h                 # the period the report covers ("errors in the last 24h")
//     alerts: [ops-slack]        # alert names; default: every slack, discord and teams sink.
//                                # A generic webhook only when named here: it often feeds an
//                                # incident tool, which would open an incident every day. A
//                                # report is informational: it never pages, so pagerduty and
//                                # alertmanager sinks cannot be named. A sink's min_severity
//                                # and components filters are for state changes and do not
//                                # apply: naming or defaulting a sink here is the choice.
//
// Absent = no scheduled report (`watchdog backups report` works all the same).

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/units.h"
#include "config/zoned_cron.h"

namespace watchdog::config {

class Options;
struct AlertSpec;  // config/config.h

struct BackupReportSpec {
  std::string daily_at_text;  // "07:00", as written (display)
  ZonedCron daily;            // "MM HH * * *" in the time zone: DST handled like maintenance
  Duration since = std::chrono::hours(24);
  std::vector<std::string> alerts;  // empty = every sink whose kind gets reports by default
};

// The alert kinds a report may go to: chat-like sinks (webhook, slack, discord, teams).
bool alert_kind_takes_reports(std::string_view kind);
// The ones it goes to without `alerts:`: the chat tools (slack, discord, teams).
bool alert_kind_gets_reports_by_default(std::string_view kind);

// Reads `backup_report:`; `alerts` (already read) lets it check the names. Calls finish().
BackupReportSpec read_backup_report(Options& options, const std::vector<AlertSpec>& alerts);

}  // namespace watchdog::config
