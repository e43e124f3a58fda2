// Rendering of the backup report (watchdog/cli/backup_report.h): the terminal/chat table, the
// one-line-per-target chat form, JSON, and the alert event the report is sent as.
#include <cstdio>
#include <sstream>

#include "config/time_text.h"
#include "config/units.h"
#include "watchdog/cli/backup_report.h"
#include "watchdog/cli/summary.h"

namespace watchdog::core {
namespace {

using nlohmann::json;
using std::chrono::seconds;

std::string ago(SystemTime at, SystemTime now) {
  return config::coarse_duration(std::chrono::duration_cast<seconds>(now - at)) + " ago";
}

// "+3.1 %", "-45.0 %", "" without a previous backup.
std::string change_text(const std::optional<double>& percent) {
  if (!percent) return "";
  char text[32];
  std::snprintf(text, sizeof text, "%+.1f %%", *percent);
  return text;
}

std::string drill_text(const TargetReport& target, SystemTime now) {
  if (!target.last_drill) return "never";
  return std::string(target.last_drill->ok ? "ok " : "FAILED ") + ago(target.last_drill->at, now);
}

std::string period_text(const TargetReport& target) {
  const int errors = (target.failed_attempt_in_period ? 1 : 0) + target.verify_failures_in_period;
  return std::to_string(target.backups_in_period) +
         (target.backups_in_period == 1 ? " backup, " : " backups, ") +
         (errors == 0 ? "no errors"
                      : std::to_string(errors) + (errors == 1 ? " error" : " errors"));
}

std::string free_text(const TargetReport& target) {
  return target.free_bytes ? config::format_size(*target.free_bytes) : "?";
}

// The period's errors of one target, one line each ("" when none).
std::vector<std::string> period_errors(const TargetReport& target) {
  std::vector<std::string> lines;
  if (target.failed_attempt_in_period) {
    std::string line =
        "backup attempt failed at " + config::format_rfc3339(*target.failed_attempt_in_period);
    if (!target.failed_attempt_error.empty()) line += ": " + target.failed_attempt_error;
    lines.push_back(line);
  }
  if (target.verify_failures_in_period > 0) {
    lines.push_back(std::to_string(target.verify_failures_in_period) +
                    " failed verification(s) in the period");
  }
  return lines;
}

json time_or_null(const std::optional<SystemTime>& at) {
  return at ? json(config::format_rfc3339(*at)) : json(nullptr);
}

json target_json(const TargetReport& target) {
  json newest = nullptr;
  if (target.newest) {
    const auto& n = *target.newest;
    newest = {{"name", n.name},
              {"finished_at", config::format_rfc3339(n.finished)},
              {"age_seconds", n.age.count()},
              {"size_bytes", n.size_bytes},
              {"change_percent", n.change_percent ? json(*n.change_percent) : json(nullptr)},
              {"verification", n.verification},
              {"verification_error",
               n.verification_error.empty() ? json(nullptr) : json(n.verification_error)}};
  }
  json drill = nullptr;
  if (target.last_drill) {
    drill = {{"at", config::format_rfc3339(target.last_drill->at)},
             {"ok", target.last_drill->ok},
             {"backup", target.last_drill->backup},
             {"detail", target.last_drill->detail}};
  }
  return {{"target", target.target},
          {"status", target.ok() ? "ok" : "attention"},
          {"problems", target.problems},
          {"newest", newest},
          {"rpo_seconds", target.rpo.count()},
          {"within_rpo", target.within_rpo},
          {"last_drill", drill},
          {"stored_bytes", target.stored_bytes},
          {"free_bytes", target.free_bytes ? json(*target.free_bytes) : json(nullptr)},
          {"period",
           {{"backups", target.backups_in_period},
            {"failed_attempt_at", time_or_null(target.failed_attempt_in_period)},
            {"failed_attempt_error", target.failed_attempt_error.empty()
                                         ? json(nullptr)
                                         : json(target.failed_attempt_error)},
            {"verify_failures", target.verify_failures_in_period}}}};
}

}  // namespace

std::string render_text(const BackupReport& report) {
  const auto period = config::coarse_duration(report.period);
  std::string out = "Backup report, last " + period + ", at " +
                    config::format_rfc3339(report.generated) + ": " + report.headline() + "\n\n";
  std::vector<std::vector<std::string>> rows = {{"TARGET", "STATUS", "NEWEST", "AGE/RPO", "SIZE",
                                                 "CHANGE", "VERIFY", "DRILL", "STORED", "FREE",
                                                 "LAST " + period}};
  for (const auto& t : report.targets) {
    const std::string rpo = "/" + config::coarse_duration(t.rpo);
    const std::string status = t.ok() ? "OK" : "ATTENTION";
    if (!t.newest) {
      rows.push_back({t.target, status, "-", "-" + rpo, "-", "", "-", drill_text(t, t.judged_at),
                      config::format_size(t.stored_bytes), free_text(t), period_text(t)});
      continue;
    }
    const auto& n = *t.newest;
    const auto verify = n.verification == "failed" ? std::string("FAILED") : n.verification;
    rows.push_back({t.target, status, n.name, config::coarse_duration(n.age) + rpo,
                    config::format_size(n.size_bytes), change_text(n.change_percent), verify,
                    drill_text(t, t.judged_at), config::format_size(t.stored_bytes), free_text(t),
                    period_text(t)});
  }
  std::ostringstream table;
  print_table(rows, table);
  out += table.str();
  std::string attention, errors;
  for (const auto& t : report.targets) {
    for (const auto& problem : t.problems) attention += "- " + t.target + ": " + problem + "\n";
    for (const auto& line : period_errors(t)) errors += "- " + t.target + ": " + line + "\n";
  }
  if (!attention.empty()) out += "\nNeeds attention:\n" + attention;
  if (!errors.empty()) out += "\nErrors in the last " + period + ":\n" + errors;
  return out;
}

std::string target_line(const TargetReport& t) {
  std::string line = t.target + (t.ok() ? ": OK" : ": NEEDS ATTENTION");
  for (const auto& problem : t.problems) line += "; " + problem;
  if (t.newest) {
    const auto& n = *t.newest;
    std::string change = change_text(n.change_percent);
    line += " \xE2\x80\x94 newest " + n.name + ", " + config::coarse_duration(n.age) +
            " old (RPO " + config::coarse_duration(t.rpo) + "), " +
            config::format_size(n.size_bytes) + (change.empty() ? "" : " (" + change + ")") + ", " +
            n.verification + (n.verification_error.empty() ? "" : ": " + n.verification_error);
  }
  line += "; drill " + drill_text(t, t.judged_at);
  line += "; " + config::format_size(t.stored_bytes) + " stored, " + free_text(t) + " free; " +
          period_text(t);
  return line;
}

json report_json(const BackupReport& report) {
  json targets = json::array();
  for (const auto& target : report.targets) targets.push_back(target_json(target));
  return {{"schema_version", kReportSchemaVersion},
          {"generated_at", config::format_rfc3339(report.generated)},
          {"slot", time_or_null(report.slot)},
          {"time_zone", report.time_zone.empty() ? json(nullptr) : json(report.time_zone)},
          {"period_seconds", report.period.count()},
          {"headline", report.headline()},
          {"targets_total", report.targets.size()},
          {"needs_attention", report.needing_attention()},
          {"ok", report.ok()},
          {"targets", targets}};
}

std::string report_json_text(const BackupReport& report) {
  // Status files are the operator's: an error text need not be UTF-8 (dump would throw).
  return report_json(report).dump(2, ' ', false, json::error_handler_t::replace);
}

alerts::AlertEvent report_event(const BackupReport& report, const std::string& key) {
  alerts::AlertEvent event;
  event.event_id = key;
  event.type = "backup_report";
  event.component = "backup_report";  // not a component: consumers go by `type`
  // Only the severity (info / warning); to_json leaves from/to/overall empty for a report.
  event.from = event.to = event.overall =
      report.ok() ? core::State::Healthy : core::State::Degraded;
  event.reason = report.headline();
  event.at = report.generated;
  for (const auto& target : report.targets) {
    event.probes.push_back({target.target, "backup_report", target.ok() ? "healthy" : "degraded",
                            target.ok() ? "none" : "attention", target_line(target)});
  }
  event.report = report_json(report);
  return event;
}

}  // namespace watchdog::core
