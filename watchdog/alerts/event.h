#pragma once
// An alert event: one state transition of one component, with the context an operator needs
// (reason, probe results, the action that ran). Every provider formats the same event.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "config/time_text.h"
#include "watchdog/state.h"

namespace watchdog::alerts {

struct ProbeSnapshot {
  std::string name;
  std::string kind;
  std::string status;   // "healthy" | "degraded" | "unhealthy" | "unknown" | "pending"
  std::string failure;  // FailureKind as text, "none" when it passed
  std::string detail;   // safe one line
};

struct ActionSnapshot {
  std::string name;
  std::string kind;
  bool ok = false;
  std::string detail;
};

// How loud a state is, for routes (`min_severity`) and paging tools.
enum class Severity { Info, Warning, Critical };
// HEALTHY info; DEGRADED warning; CRITICAL, RECOVERING and FAILED critical (the component is
// down while it is being recovered).
Severity severity_of(core::State state);
std::string_view to_string(Severity severity);  // "info" | "warning" | "critical"

struct AlertEvent {
  // Stable id of the transition: "<incident_id>/<sequence>-<TO_STATE>".
  std::string event_id;
  // "state_change" for a transition; "reminder" for a repeat of the latest transition while
  // the incident is still open (see `reminder`).
  std::string type = "state_change";
  int reminder = 0;  // 1, 2, … for reminders: repeat intervals elapsed since the transition
  // What the event stands for beyond its from/to states ("" = a plain transition):
  //   "flapping"          the component keeps changing its health (watchdog/engine/flapping.h):
  //                       this one alert (and its reminders) stands for its changes until it
  //                       settles. incident_id is the flap's own ("api-flapping-…"); from = to =
  //                       the worst state it reached.
  //   "flapping_stopped"  it settled: to = HEALTHY, so that every receiver resolves the flap's
  //                       alert; `reason` says the state it settled in (an open incident is
  //                       alerted right after as usual).
  //   "removed"           the component left the configuration (SIGHUP) mid-incident: to =
  //                       HEALTHY closes the incident at every receiver that had it.
  std::string condition;
  std::string component;
  core::State from = core::State::Healthy;
  core::State to = core::State::Healthy;
  std::string reason;
  std::string incident_id;
  int attempt = 0;
  core::TimePoint at{};
  core::State overall = core::State::Healthy;
  std::vector<ProbeSnapshot> probes;
  std::optional<ActionSnapshot> action;  // the last action of this incident, if any
  // Set when a dependency is failing: "postgres" and its incident id. The dependent's alerts
  // then say "api is CRITICAL because postgres is CRITICAL" and carry the root incident, so
  // chat threads and paging incidents fold into the root one.
  std::string root_cause;
  std::string root_incident;
  // When the incident began (left HEALTHY); set on every event of an incident so that the
  // resolved message can say how long the outage lasted.
  std::optional<core::TimePoint> incident_started;
  // The incident's page (`watchdog.external_url` + "/incidents/<id>"); "" when not configured.
  std::string link;
  // type "backup_report" only: the report as JSON (watchdog/cli/backup_report.h); null otherwise.
  nlohmann::json report;
};

// The key a receiver deduplicates on: event_id, plus "/reminder-<due time, UTC>" for
// reminders ("…/1-CRITICAL/reminder-20261122T073500Z"). Stable across retries and restarts.
std::string idempotency_key(const AlertEvent& event);
// How long the outage lasted, on a resolving (to HEALTHY) event with a known start (none for
// a `condition`: nothing recovered).
std::optional<std::chrono::seconds> outage_duration(const AlertEvent& event);
// "45s", "3m 12s", "2h 05m", "3d 4h": config::coarse_duration under the name messages use.
inline std::string human_duration(std::chrono::seconds duration) {
  return config::coarse_duration(duration);
}

// The generic JSON document (webhook body; other providers derive their text from it). Also
// the form an event is kept in the outbox: from_json(to_json(e)) == e.
nlohmann::json to_json(const AlertEvent& event);
// Throws nlohmann::json::exception or std::invalid_argument on a malformed document.
AlertEvent from_json(const nlohmann::json& doc);
// Compact JSON text; invalid UTF-8 in any string is replaced by U+FFFD rather than throwing
// (probe details may quote arbitrary bytes). Every provider serialises through this.
std::string dump_json(const nlohmann::json& doc);
// "2026-11-22T03:35:00.123Z": config::format_rfc3339_ms, the form of every alert, log line and
// API time (engine/ still calls it by this name).
inline std::string rfc3339(core::TimePoint at) { return config::format_rfc3339_ms(at); }
// One line for chat: "api is CRITICAL (was HEALTHY): api-http: connection refused".
std::string headline(const AlertEvent& event);

}  // namespace watchdog::alerts
