#include "watchdog/cli/incident_report.h"

#include <iomanip>

#include "config/time_text.h"
#include "probes/clients/process_runner.h"
#include "watchdog/alerts/event.h"

namespace watchdog::core {
namespace {

using std::chrono::milliseconds;

std::string when(const std::optional<store::TimePoint>& at) {
  return at ? config::format_rfc3339_ms(*at) : "-";
}

std::string span(const std::optional<milliseconds>& elapsed) {
  return elapsed ? config::human_duration(*elapsed) : "-";
}

std::string status_of(const store::IncidentRecord& r) { return r.closed ? "closed" : "open"; }

nlohmann::json optional_seconds(const std::optional<milliseconds>& elapsed) {
  if (!elapsed) return nullptr;
  return std::chrono::duration<double>(*elapsed).count();
}

nlohmann::json optional_time(const std::optional<store::TimePoint>& at) {
  if (!at) return nullptr;
  return config::format_rfc3339_ms(*at);
}

// "met", "missed by 2 min", or "" when there is no target or no recovery yet.
std::string rto_verdict(const store::IncidentRecord& r) {
  const auto recover = r.time_to_recover();
  if (r.rto.count() == 0 || !recover) return "";
  if (*recover <= r.rto) return "met";
  return "missed by " + config::human_duration(*recover - r.rto);
}

}  // namespace

nlohmann::json incident_json(const store::IncidentRecord& r) {
  return {
      {"id", r.id},
      {"component", r.component},
      {"status", status_of(r)},
      {"opened", config::format_rfc3339_ms(r.opened)},
      {"first_failure", optional_time(r.first_failure)},
      {"critical", optional_time(r.critical)},
      {"closed", optional_time(r.closed)},
      {"worst_state", r.worst_state},
      {"reason", r.reason},
      {"root_cause", r.root_cause.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.root_cause)},
      {"root_incident",
       r.root_incident.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.root_incident)},
      {"attempts", r.attempts},
      {"time_to_detect_seconds", optional_seconds(r.time_to_detect())},
      {"time_to_recover_seconds", optional_seconds(r.time_to_recover())},
      {"rto_seconds", r.rto.count() == 0
                          ? nlohmann::json(nullptr)
                          : nlohmann::json(std::chrono::duration<double>(r.rto).count())},
      {"rto_met",
       rto_verdict(r).empty() ? nlohmann::json(nullptr) : nlohmann::json(rto_verdict(r) == "met")}};
}

nlohmann::json timeline_json(const std::vector<store::IncidentEvent>& timeline) {
  auto out = nlohmann::json::array();
  for (const auto& e : timeline) {
    auto data = nlohmann::json::parse(e.data, nullptr, false);
    out.push_back({{"at", config::format_rfc3339_ms(e.at)},
                   {"kind", e.kind},
                   {"summary", e.summary},
                   {"data", data.is_discarded() ? nlohmann::json::object() : data}});
  }
  return out;
}

void print_incident_table(const std::vector<store::IncidentRecord>& incidents, store::TimePoint now,
                          std::ostream& out) {
  if (incidents.empty()) {
    out << "no incidents recorded\n";
    return;
  }
  out << std::left << std::setw(36) << "INCIDENT" << std::setw(8) << "STATUS" << std::setw(12)
      << "WORST" << std::setw(12) << "DETECT" << std::setw(14) << "RECOVER"
      << "REASON\n";
  for (const auto& r : incidents) {
    std::string recover = span(r.time_to_recover());
    if (!r.closed) recover = "open " + config::human_duration(now - r.opened);
    out << std::left << std::setw(36) << r.id << std::setw(8) << status_of(r) << std::setw(12)
        << r.worst_state << std::setw(12) << span(r.time_to_detect()) << std::setw(14) << recover
        << r.reason << "\n";
  }
}

void print_incident(const store::IncidentRecord& r,
                    const std::vector<store::IncidentEvent>& timeline, std::ostream& out) {
  out << "incident   " << r.id << " (" << status_of(r) << ")\n"
      << "component  " << r.component << "\n"
      << "opened     " << config::format_rfc3339_ms(r.opened) << "  " << r.reason << "\n"
      << "critical   " << when(r.critical) << "\n"
      << "closed     " << when(r.closed) << "\n"
      << "worst      " << r.worst_state << "\n";
  if (!r.root_cause.empty()) {
    out << "root cause " << r.root_cause << " (incident " << r.root_incident << ")\n";
  }
  out << "timeline\n";
  for (const auto& e : timeline) {
    out << "  " << config::format_rfc3339_ms(e.at) << "  " << std::left << std::setw(13) << e.kind
        << e.summary << "\n";
  }
}

void print_incident_report(const store::IncidentRecord& r,
                           const std::vector<store::IncidentEvent>& timeline, std::ostream& out) {
  out << "# Post-incident report: " << r.id << "\n\n"
      << "Component: " << r.component << "\n"
      << "Status: " << status_of(r) << (r.closed ? " (HEALTHY again)" : " (still not HEALTHY)")
      << "\n"
      << "Worst state: " << r.worst_state << "\n"
      << "Opened: " << config::format_rfc3339_ms(r.opened) << " — " << r.reason << "\n";
  if (!r.root_cause.empty()) {
    out << "Root cause: " << r.root_cause << " failed first (incident " << r.root_incident << "); "
        << r.component << " waited for it to recover\n";
  } else {
    out << "Root cause: " << r.component << " itself — " << r.reason << "\n";
  }
  out << "\n## Figures\n\n"
      << "Time to detect (first failing probe → CRITICAL): " << span(r.time_to_detect()) << "\n"
      << "Time to recover (CRITICAL → HEALTHY): " << span(r.time_to_recover()) << "\n";
  if (r.rto.count() > 0) {
    const auto verdict = rto_verdict(r);
    out << "RTO target: " << config::human_duration(r.rto) << " — "
        << (verdict.empty() ? "not recovered yet" : verdict) << "\n";
  } else {
    out << "RTO target: none set (component `rto:`)\n";
  }
  out << "Recovery attempts: " << r.attempts << "\n\n## Actions\n\n";
  bool any = false;
  for (const auto& e : timeline) {
    // Skipped rungs too: why a restore did (not) run is the first question after an incident.
    if (e.kind != "action_start" && e.kind != "action_done" && e.kind != "rung_skipped") continue;
    out << "- " << config::format_rfc3339_ms(e.at) << " " << e.summary << "\n";
    any = true;
  }
  if (!any) out << "- none\n";
  out << "\n## Timeline\n\n";
  for (const auto& e : timeline) {
    out << "- " << config::format_rfc3339_ms(e.at) << " [" << e.kind << "] " << e.summary << "\n";
  }
}

}  // namespace watchdog::core
