// measure(): the journal's and the outbox's record of the incident the fault opened.
// (judge() is in judge.cpp.)
#include "watchdog/gameday/measure.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "watchdog/alerts/outbox.h"
#include "watchdog/gameday/runner_safety.h"

namespace watchdog::gameday {
namespace {

using nlohmann::json;

// The fastest probe sees the fault first: its interval and threshold explain the detection.
void read_settings(const config::ComponentSpec& component, Result& result) {
  result.rto = std::chrono::duration_cast<milliseconds>(component.rto);
  const config::ProbeSpec* fastest = nullptr;
  for (const auto& probe : component.probes) {
    if (fastest == nullptr || probe.timing.interval < fastest->timing.interval) fastest = &probe;
  }
  if (fastest != nullptr) {
    result.probe_interval = std::chrono::duration_cast<milliseconds>(fastest->timing.interval);
    result.failure_threshold = fastest->timing.failure_threshold;
  }
}

json data_of(const store::IncidentEvent& event) {
  return json::parse(event.data, nullptr, /*allow_exceptions=*/false);
}

std::string text_of(const store::IncidentEvent& event) {
  if (event.kind == "state_change") return event.summary;  // "HEALTHY -> CRITICAL: …"
  if (event.kind == "probe") return "probe " + event.summary;
  if (event.kind == "action_start") return "action started: " + event.summary;
  if (event.kind == "action_done") return "action done: " + event.summary;
  if (event.kind == "alert") return "alert " + event.summary;
  return event.kind + ": " + event.summary;
}

std::string state_changed_to(const store::IncidentEvent& event) {
  if (event.kind != "state_change") return "";
  const auto data = data_of(event);
  return data.is_object() ? data.value("to", "") : "";
}

bool ran(const store::IncidentEvent& event) {
  if (event.kind != "action_start") return false;
  const auto data = data_of(event);
  return !(data.is_object() && data.value("dry_run", false));
}

void add_alert(const alerts::OutboxEntry& row, Result& result) {
  AlertFigure alert{row.sink, row.state, row.status, row.created, row.finished};
  if (alert.finished && row.status != "pending") {
    const std::string after = alert.latency() ? " after " + duration_text(*alert.latency()) : "";
    result.timeline.push_back({*alert.finished, "journal",
                               "alert " + row.state + " to " + row.sink + " " + row.status + after +
                                   (row.status == "delivered" ? "" : ": " + row.last_error)});
  }
  result.alerts.push_back(std::move(alert));
}

// What a previous measure() filled, so that measuring again replaces it.
void clear_measurement(Result& result) {
  std::erase_if(result.timeline, [](const TimelineEntry& e) { return e.source == "journal"; });
  result.alerts.clear();
  result.worst_state.clear();
  result.attempts = 0;
  result.first_failure.reset();
  result.detected.reset();
  result.first_action.reset();
  result.recovered.reset();
}

}  // namespace

std::optional<store::IncidentRecord> find_fault_incident(store::StateStore& store,
                                                         const std::string& component,
                                                         TimePoint fault) {
  store::IncidentJournal journal(store.db());
  return journal.first_opened_since(component, fault - kFaultClockSlack);
}

void measure(store::StateStore& store, const config::Config& config, Result& result) {
  const auto* component = component_named(config, result.component);
  if (component != nullptr) read_settings(*component, result);
  clear_measurement(result);

  store::IncidentJournal journal(store.db());
  std::optional<store::IncidentRecord> incident;
  if (!result.incident_id.empty()) {
    incident = journal.find(result.incident_id);
  } else if (result.fault) {
    incident = find_fault_incident(store, result.component, *result.fault);
  }
  if (incident) {
    result.incident_id = incident->id;
    result.worst_state = incident->worst_state;
    result.attempts = incident->attempts;
    result.first_failure = incident->first_failure;
    result.detected = incident->critical;
    result.recovered = incident->closed;
    // A non-critical component never becomes CRITICAL, and a Detect scenario (a disk filling
    // up) may only ever warn: for them the first DEGRADED is the detection too.
    const bool degraded_counts = (component != nullptr && !component->critical) ||
                                 result.expect == config::GamedayExpect::Detect;
    for (const auto& event : journal.timeline(incident->id)) {
      if (degraded_counts && state_changed_to(event) == "DEGRADED" &&
          (!result.detected || event.at < *result.detected)) {
        result.detected = event.at;
      }
      if (!result.first_action && ran(event)) result.first_action = event.at;
      result.timeline.push_back({event.at, "journal", text_of(event)});
    }
    for (const auto& row : alerts::Outbox::of_incident(store.db(), incident->id)) {
      if (row.type == "state_change") add_alert(row, result);
    }
  }
  std::stable_sort(result.timeline.begin(), result.timeline.end(),
                   [](const TimelineEntry& a, const TimelineEntry& b) { return a.at < b.at; });
}

}  // namespace watchdog::gameday
