#include "watchdog/cli/summary.h"

#include <algorithm>
#include <cstdio>

#include "config/time_zone.h"
#include "config/units.h"
#include "watchdog/cli/backup_report.h"

namespace watchdog::core {
namespace {

// "all components, warning and up, reminders every 4h, at most one send per 1s"
std::string delivery_summary(const alerts::Provider& sink) {
  const auto& route = sink.route();
  std::string text;
  if (route.components.empty()) {
    text = "all components";
  } else {
    for (const auto& c : route.components) text += (text.empty() ? "components " : ", ") + c;
  }
  text += route.min_severity == alerts::Severity::Critical ? ", critical only" : ", warning and up";
  if (auto resend = sink.resend_interval()) {
    text += ", firing alerts re-sent every " + config::format_duration(*resend);
  } else if (route.repeat_interval.count() > 0) {
    text += ", reminders every " + config::format_duration(route.repeat_interval);
  } else {
    text += ", no reminders";
  }
  if (sink.policy().min_spacing.count() > 0) {
    text += ", at most one send per " + config::format_duration(sink.policy().min_spacing);
  }
  return text;
}

using config::format_duration;

std::string milliseconds_text(double seconds) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), seconds < 0.01 ? "%.2f ms" : "%.0f ms", seconds * 1000);
  return buffer;
}

}  // namespace

void print_table(const std::vector<std::vector<std::string>>& rows, std::ostream& out,
                 const std::string& indent) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const auto& row : rows) {
    std::string line = indent;
    for (std::size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    out << line << '\n';
  }
}

namespace {

// "last 3, daily 7, weekly 4" or "keep everything".
std::string retention_text(const config::RetentionPolicy& policy) {
  std::string text;
  auto add = [&text](const char* rule, int count) {
    if (count > 0) {
      text += (text.empty() ? "" : ", ") + std::string(rule) + " " + std::to_string(count);
    }
  };
  add("last", policy.keep_last);
  add("daily", policy.keep_daily);
  add("weekly", policy.keep_weekly);
  add("monthly", policy.keep_monthly);
  if (policy.keep_within > config::Duration::zero()) {
    text += (text.empty() ? "" : ", ") + ("within " + format_duration(policy.keep_within));
  }
  return text.empty() ? "keep everything" : text;
}

void print_backup_targets(const std::vector<config::BackupTargetSpec>& targets, std::ostream& out) {
  if (targets.empty()) return;
  out << "\nbackups:\n";
  std::vector<std::vector<std::string>> rows = {
      {"TARGET", "KIND", "DIRECTORY", "SCHEDULE", "DRILL", "RPO", "RETENTION"}};
  for (const auto& t : targets) {
    rows.push_back({t.name, config::kind_name(t.kind), t.directory.string(), t.schedule.text(),
                    t.drill.text(), format_duration(t.rpo), retention_text(t.retention)});
  }
  print_table(rows, out);
}

// Which components game days may break, how, and when they run on their own.
// (The plan holds the component specs; plan.config's list is empty.)
void print_gamedays(const Plan& plan, std::ostream& out) {
  const auto& scheduled = plan.config.gamedays;
  std::vector<std::vector<std::string>> rows = {{"COMPONENT", "STAGING", "SWITCH", "CUSTOM"}};
  for (const auto& component : plan.components) {
    const auto& c = component.spec;
    const auto& g = c.gameday;
    if (!c.staging && g.scenarios.empty() && !g.service.configured()) continue;
    std::string custom;
    for (const auto& s : g.scenarios) {
      custom += (custom.empty() ? "" : ", ") + s.name + " (" + config::expect_name(s.expect) + ")";
    }
    const std::string how = !g.service.container.empty() ? "container " + g.service.container
                            : g.service.configured()      ? "stop/start commands"
                                                          : "-";
    rows.push_back({c.name, c.staging ? "yes" : "no (needs --i-know-this-is-production)", how,
                    custom.empty() ? "-" : custom});
  }
  if (rows.size() == 1 && scheduled.empty()) return;
  out << "\ngame days:\n";
  if (rows.size() > 1) print_table(rows, out, "  ");
  for (const auto& g : scheduled) {
    out << "  scheduled: " << g.scenario << " on " << g.component << " at \"" << g.schedule_text
        << "\" " << g.schedule.zone->name() << "\n";
  }
}

}  // namespace

void print_config_summary(const Plan& plan, std::ostream& out) {
  const auto& config = plan.config;
  std::size_t probe_count = 0, action_count = 0;
  for (const auto& c : plan.components) {
    probe_count += c.probes.size();
    action_count += c.ladder.size();
  }
  out << "config " << config.source << ": valid\n"
      << "listen " << config.watchdog.listen.text() << ", state_dir "
      << config.watchdog.state_dir.string() << "\n"
      << plan.components.size() << " component(s), " << probe_count << " probe(s), " << action_count
      << " action(s), " << plan.alerts.size() << " alert sink(s)\n\n";

  std::vector<std::vector<std::string>> rows = {{"COMPONENT", "CRITICAL", "PROBE", "KIND",
                                                 "INTERVAL", "JITTER", "TIMEOUT", "RECHECK",
                                                 "FAIL/OK"}};
  for (const auto& c : plan.components) {
    for (const auto& p : c.probes) {
      const auto& t = p.spec.timing;
      rows.push_back(
          {c.spec.name, c.spec.critical ? "yes" : "no", p.spec.name, p.spec.kind,
           format_duration(t.interval), format_duration(t.jitter), format_duration(t.timeout),
           format_duration(t.recheck_interval),
           std::to_string(t.failure_threshold) + "/" + std::to_string(t.success_threshold)});
    }
  }
  print_table(rows, out);

  for (const auto& c : plan.components) {
    if (c.ladder.empty()) continue;
    const auto& r = c.spec.recovery;
    out << "\nrecovery of " << c.spec.name << ": " << r.max_attempts
        << " attempt(s) per incident, at most " << r.max_incidents << " incident(s) per "
        << format_duration(r.window) << ", back-off " << format_duration(r.backoff)
        << " doubling to " << format_duration(r.max_backoff) << ", verify within "
        << format_duration(r.verify_timeout) << "\n";
    for (std::size_t i = 0; i < c.ladder.size(); ++i) {
      const auto& rung = c.ladder[i];
      std::string when;
      for (const auto& kind : rung.when) when += (when.empty() ? "" : "|") + kind;
      out << "  " << i + 1 << ". " << rung.action->name() << " (" << rung.action->kind()
          << ", timeout " << format_duration(rung.timeout)
          << (rung.destructive ? ", destructive" : "") << (when.empty() ? "" : ", when " + when)
          << "): " << rung.action->describe() << "\n";
    }
  }
  if (!plan.alerts.empty()) {
    out << "\nalerts:\n";
    for (const auto& a : plan.alerts) {
      out << "  " << a->name() << " (" << a->kind() << "): " << a->describe() << "; "
          << delivery_summary(*a) << "\n";
    }
  }
  if (const auto& report = config.backup_report) {
    std::string sinks;
    for (const auto& name : report_sinks(*report, plan.alerts)) {
      sinks += (sinks.empty() ? "" : ", ") + name;
    }
    out << "\nbackup report: daily at " << report->daily_at_text << " "
        << report->daily.zone->name() << ", covering " << format_duration(report->since) << ", to "
        << (sinks.empty() ? "no sink (no slack, discord or teams alert; a webhook only when named)" : sinks) << "\n";
  }
  print_backup_targets(config.backups, out);
  print_gamedays(plan, out);
}

void print_once_table(const std::vector<OnceRow>& rows, std::ostream& out) {
  std::vector<std::vector<std::string>> table = {
      {"COMPONENT", "PROBE", "KIND", "STATUS", "TIME", "DETAIL"}};
  for (const auto& row : rows) {
    table.push_back({row.component, row.probe, row.kind,
                     std::string(probes::to_string(row.result.status)),
                     milliseconds_text(row.seconds), row.result.detail});
  }
  print_table(table, out);
}

}  // namespace watchdog::core
