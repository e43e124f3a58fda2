#include "watchdog/alerts/event.h"

#include <stdexcept>

#include "config/time_text.h"
#include "watchdog/version.h"

namespace watchdog::alerts {
namespace {

// An event's times as written by to_json ("2026-11-22T03:35:00.123Z").
core::TimePoint time_from(const std::string& text) {
  if (auto at = config::parse_rfc3339(text)) return *at;
  throw std::invalid_argument("not an RFC 3339 time: '" + text + "'");
}

}  // namespace

Severity severity_of(core::State state) {
  switch (state) {
    case core::State::Healthy:
      return Severity::Info;
    case core::State::Degraded:
      return Severity::Warning;
    default:
      return Severity::Critical;
  }
}

std::string_view to_string(Severity severity) {
  switch (severity) {
    case Severity::Info:
      return "info";
    case Severity::Warning:
      return "warning";
    case Severity::Critical:
      return "critical";
  }
  return "info";
}

std::string idempotency_key(const AlertEvent& event) {
  if (event.type != "reminder") return event.event_id;
  // Named after its due time (= `at`), so a changed repeat interval never reuses a key.
  return event.event_id + "/reminder-" + config::format_utc_stamp(event.at);
}

std::optional<std::chrono::seconds> outage_duration(const AlertEvent& event) {
  // A flap that settled or a component removed mid-incident did not recover: no outage ended.
  if (event.to != core::State::Healthy || !event.incident_started || !event.condition.empty()) {
    return std::nullopt;
  }
  return std::chrono::duration_cast<std::chrono::seconds>(event.at - *event.incident_started);
}

std::string headline(const AlertEvent& event) {
  if (event.condition == "flapping") {
    return event.component + " is FLAPPING (up to " + std::string(core::to_string(event.to)) +
           "): " + event.reason;
  }
  if (event.condition == "flapping_stopped") {
    return event.component + " stopped flapping: " + event.reason;
  }
  if (event.condition == "removed") {
    return event.component + " was removed from the configuration (was " +
           std::string(core::to_string(event.from)) + "): " + event.reason;
  }
  std::string text = event.component + " is " + std::string(core::to_string(event.to));
  if (!event.root_cause.empty() && event.to != core::State::Healthy) {
    text += " because " + event.root_cause + " is failing (incident " + event.root_incident + ")";
  }
  return text + " (was " + std::string(core::to_string(event.from)) + "): " + event.reason;
}

std::string dump_json(const nlohmann::json& doc) {
  return doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
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
  // A report is no transition: no from/to/overall (""), consumers go by `type`. Its `to` only
  // carries the severity (HEALTHY → info, DEGRADED → warning), read back from "severity".
  const bool report = event.type == "backup_report";
  auto state_text = [&](core::State state) {
    return report ? std::string() : std::string(core::to_string(state));
  };
  nlohmann::json doc = {
      {"version", 1},
      {"type", event.type},
      {"event_id", event.event_id},
      {"key", idempotency_key(event)},
      {"component", event.component},
      {"from", state_text(event.from)},
      {"to", state_text(event.to)},
      {"severity", std::string(to_string(severity_of(event.to)))},
      {"reason", event.reason},
      {"incident_id", event.incident_id},
      {"attempt", event.attempt},
      {"at", config::format_rfc3339_ms(event.at)},
      {"overall", state_text(event.overall)},
      {"probes", probes},
      {"watchdog", {{"version", kVersion}}},
  };
  if (event.type == "reminder") doc["reminder"] = event.reminder;
  doc["condition"] =
      event.condition.empty() ? nlohmann::json(nullptr) : nlohmann::json(event.condition);
  if (!event.report.is_null()) doc["report"] = event.report;
  doc["incident_started"] = event.incident_started
                                ? nlohmann::json(config::format_rfc3339_ms(*event.incident_started))
                                : nullptr;
  if (auto outage = outage_duration(event)) {
    doc["outage_seconds"] = outage->count();
  }
  doc["link"] = event.link.empty() ? nlohmann::json(nullptr) : nlohmann::json(event.link);
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

namespace {

core::State state_field(const nlohmann::json& doc, const char* key) {
  const auto text = doc.at(key).get<std::string>();
  const auto state = core::state_from_string(text);
  if (!state) throw std::invalid_argument(std::string("unknown state in '") + key + "': " + text);
  return *state;
}

}  // namespace

AlertEvent from_json(const nlohmann::json& doc) {
  AlertEvent event;
  event.event_id = doc.at("event_id").get<std::string>();
  event.type = doc.value("type", "state_change");
  event.reminder = doc.value("reminder", 0);
  if (const auto& condition = doc.value("condition", nlohmann::json()); condition.is_string()) {
    event.condition = condition.get<std::string>();
  }
  event.component = doc.at("component").get<std::string>();
  const bool report = event.type == "backup_report";
  if (report) {
    event.to = doc.value("severity", "info") == "info" ? core::State::Healthy
                                                       : core::State::Degraded;
    event.from = event.overall = event.to;
  } else {
    event.from = state_field(doc, "from");
    event.to = state_field(doc, "to");
  }
  event.reason = doc.value("reason", "");
  event.incident_id = doc.value("incident_id", "");
  event.attempt = doc.value("attempt", 0);
  event.at = time_from(doc.at("at").get<std::string>());
  if (!report) event.overall = state_field(doc, "overall");
  for (const auto& p : doc.value("probes", nlohmann::json::array())) {
    event.probes.push_back({p.value("name", ""), p.value("kind", ""), p.value("status", ""),
                            p.value("failure", ""), p.value("detail", "")});
  }
  if (const auto& root = doc.value("root_cause", nlohmann::json()); root.is_object()) {
    event.root_cause = root.value("component", "");
    event.root_incident = root.value("incident_id", "");
  }
  if (const auto& action = doc.value("action", nlohmann::json()); action.is_object()) {
    event.action = ActionSnapshot{action.value("name", ""), action.value("kind", ""),
                                  action.value("ok", false), action.value("detail", "")};
  }
  if (const auto& started = doc.value("incident_started", nlohmann::json()); started.is_string()) {
    event.incident_started = time_from(started.get<std::string>());
  }
  if (doc.contains("report")) event.report = doc.at("report");
  if (const auto& link = doc.value("link", nlohmann::json()); link.is_string()) {
    event.link = link.get<std::string>();
  }
  return event;
}

}  // namespace watchdog::alerts
