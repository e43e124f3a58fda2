// render_markdown (declared in report.h); the JSON side is in report_json.cpp.
#include "watchdog/gameday/report.h"

#include <cstdio>

#include "config/time_text.h"
#include "config/units.h"

namespace watchdog::gameday {
namespace {

using std::chrono::duration_cast;

// Table cells: a '|' would end the cell and a line break the row.
std::string cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string thousands(std::int64_t value) {
  std::string digits = std::to_string(value < 0 ? -value : value);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) {
    digits.insert(static_cast<std::size_t>(i), ",");
  }
  return (value < 0 ? "-" : "") + digits;
}

// "+03:07", "-00:02", "+1:02:05" from the fault (or from the start when there was none).
std::string relative(TimePoint at, TimePoint origin) {
  long long seconds = duration_cast<std::chrono::seconds>(at - origin).count();
  const char* sign = seconds < 0 ? "-" : "+";
  seconds = seconds < 0 ? -seconds : seconds;
  char text[32];
  if (seconds >= 3600) {
    std::snprintf(text, sizeof text, "%s%lld:%02lld:%02lld", sign, seconds / 3600,
                  seconds % 3600 / 60, seconds % 60);
  } else {
    std::snprintf(text, sizeof text, "%s%02lld:%02lld", sign, seconds / 60, seconds % 60);
  }
  return text;
}

std::string figure(const std::optional<milliseconds>& took) {
  return took ? duration_text(*took) : "—";
}

std::string recover_target(const Result& r) {
  if (r.rto.count() <= 0) return "no rto set";
  const std::string rto = "RTO " + config::format_duration(r.rto);
  const auto took = r.time_to_recover();
  if (!took) return rto;
  if (*took <= r.rto) return rto + " (" + duration_text(r.rto - *took) + " to spare)";
  return rto + " (" + duration_text(*took - r.rto) + " over)";
}

void summary(const Result& r, std::string& out) {
  out += "| Figure | Measured | Target |\n|---|---|---|\n";
  const std::string settings = r.probe_interval.count() > 0
                                   ? config::format_duration(r.probe_interval) +
                                         " interval, failure_threshold " +
                                         std::to_string(r.failure_threshold)
                                   : "";
  out += "| Time to detect | " + figure(r.time_to_detect()) + " | " + settings + " |\n";
  out += "| Time to first action | " + figure(r.time_to_first_action()) + " | |\n";
  out += "| Time to recover | " + figure(r.time_to_recover()) + " | " + recover_target(r) + " |\n";
  if (r.data_loss) {
    const auto& loss = *r.data_loss;
    out += "| Data loss | " + thousands(loss.rows_lost()) + " of " + thousands(loss.rows_written) +
           " rows | |\n";
    std::string age = "no backup found";
    if (loss.backup_started && r.fault) {
      age = duration_text(duration_cast<milliseconds>(*r.fault - *loss.backup_started));
      if (!loss.backup_name.empty()) age += " (" + cell(loss.backup_name) + ")";
    }
    out += "| Backup age at the fault | " + age + " | " +
           (loss.rpo.count() > 0 ? "RPO " + config::format_duration(loss.rpo) : "no rpo set") +
           " |\n";
  }
  if (!r.incident_id.empty()) {
    out += "| Incident | " + cell(r.incident_id) + " | worst state " + r.worst_state + ", " +
           std::to_string(r.attempts) + " recovery attempt" + (r.attempts == 1 ? "" : "s") + " |\n";
  }
}

void alerts(const Result& r, std::string& out) {
  out += "\n## Alerts\n\n";
  if (r.alerts.empty()) {
    out += "No alert was queued for the incident.\n";
    return;
  }
  out += "| Sink | State | Status | Delivered after |\n|---|---|---|---|\n";
  for (const auto& a : r.alerts) {
    const auto latency = a.latency();
    out += "| " + cell(a.sink) + " | " + a.state + " | " + a.status + " | " +
           (a.status == "delivered" && latency ? duration_text(*latency) : "—") + " |\n";
  }
}

void timeline(const Result& r, std::string& out) {
  out += "\n## Timeline\n\n";
  const TimePoint origin = r.fault ? *r.fault : r.started;
  const std::string day = config::format_utc(r.started, "%Y-%m-%d");
  out += std::string("| Time (UTC) | ") + (r.fault ? "From the fault" : "From the start") +
         " | Source | Event |\n|---|---|---|---|\n";
  for (const auto& t : r.timeline) {
    // Another day than the start's (a long wait past midnight) shows its date.
    const bool same_day = config::format_utc(t.at, "%Y-%m-%d") == day;
    out += "| " + config::format_utc(t.at, same_day ? "%H:%M:%S" : "%Y-%m-%d %H:%M:%S") + " | " +
           relative(t.at, origin) + " | " + t.source + " | " + cell(t.text) + " |\n";
  }
}

}  // namespace

std::string render_markdown(const Result& r) {
  std::string out = "# Game day: " + r.scenario + " on " + r.component + " — " +
                    (r.passed ? "PASS" : "FAIL") + "\n\n";
  out += "- **When:** " + config::format_utc(r.started, "%Y-%m-%d %H:%M UTC") + " (" +
         duration_text(duration_cast<milliseconds>(r.ended - r.started)) + ")\n";
  out += "- **Expected:** " + std::string(expect_text(r.expect)) + " · **Outcome:** " +
         outcome_name(r.outcome) + (r.reason.empty() ? "" : " — " + r.reason) + "\n";
  out += "- **Run:** " + r.id + " · trigger " + r.trigger + " · " +
         (r.staging ? "staging" : "**production** (--i-know-this-is-production)") + "\n\n";
  summary(r, out);
  out += "\n## Checks\n\n";
  for (const auto& c : r.checks) {
    out += std::string("- ") + (c.passed ? "✓ " : "✗ ") + c.what +
           (c.detail.empty() ? "" : " — " + c.detail) + "\n";
  }
  alerts(r, out);
  timeline(r, out);
  out += "\n## What to improve\n\n";
  if (r.advice.empty()) out += "Nothing: every figure is well within its target.\n";
  for (const auto& line : r.advice) out += "- " + line + "\n";
  return out;
}

}  // namespace watchdog::gameday
