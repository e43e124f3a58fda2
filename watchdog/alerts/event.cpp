#include "watchdog/alerts/event.h"

#include <ctime>

#include "watchdog/version.h"

namespace watchdog::alerts {

std::string rfc3339(core::TimePoint at) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch());
  const std::time_t seconds = static_cast<std::time_t>(ms.count() / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char stamp[40];
  const std::size_t n = std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &utc);
  return std::string(stamp, n) + "." + std::to_string(1000 + ms.count() % 1000).substr(1) + "Z";
}

std::string headline(const AlertEvent& event) {
  std::string text = event.component + " is " + std::string(core::to_string(event.to));
  if (!event.root_cause.empty() && event.to != core::State::Healthy) {
    text += " because " + event.root_cause + " is failing (incident " + event.root_incident + ")";
  }
  return text + " (was " + std::string(core::to_string(event.from)) + "): " + event.reason;
}

nlohmann::json to_json(const AlertEvent& event) {
  nlohmann::json probes = nlohmann::json::array();
  for (const auto& p : event.probes) {
    probes.push_back({{"name", p.name},
                      {"kind", p.kind},
                      {"status", p.status},
                      {"failure", p.failure},
                      {"detail", p.detail}});
  }
  nlohmann::json doc = {
      {"version", 1},
      {"type", "state_change"},
      {"event_id", event.event_id},
      {"component", event.component},
      {"from", std::string(core::to_string(event.from))},
      {"to", std::string(core::to_string(event.to))},
      {"reason", event.reason},
      {"incident_id", event.incident_id},
      {"attempt", event.attempt},
      {"at", rfc3339(event.at)},
      {"overall", std::string(core::to_string(event.overall))},
      {"probes", probes},
      {"watchdog", {{"version", kVersion}}},
  };
  if (!event.root_cause.empty()) {
    doc["root_cause"] = {{"component", event.root_cause}, {"incident_id", event.root_incident}};
  } else {
    doc["root_cause"] = nullptr;
  }
  if (event.action) {
    doc["action"] = {{"name", event.action->name},
                     {"kind", event.action->kind},
                     {"ok", event.action->ok},
                     {"detail", event.action->detail}};
  } else {
    doc["action"] = nullptr;
  }
  return doc;
}

}  // namespace watchdog::alerts
