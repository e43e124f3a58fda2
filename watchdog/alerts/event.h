#pragma once
// An alert event: one state transition of one component, with the context an operator needs
// (reason, probe results, the action that ran). Every provider formats the same event.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "watchdog/state_machine.h"

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

struct AlertEvent {
  // Stable idempotency key: "<incident_id>/<sequence>-<TO_STATE>"; a receiver drops duplicates.
  std::string event_id;
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
};

// The generic JSON document (webhook body; other providers derive their text from it).
nlohmann::json to_json(const AlertEvent& event);
// "2026-11-22T03:35:00.123Z"
std::string rfc3339(core::TimePoint at);
// One line for chat: "api is CRITICAL (was HEALTHY): api-http: connection refused".
std::string headline(const AlertEvent& event);

}  // namespace watchdog::alerts
