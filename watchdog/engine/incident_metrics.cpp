#include "watchdog/engine/incident_metrics.h"

#include "config/time_text.h"

namespace watchdog::core {
namespace {

double seconds(std::chrono::milliseconds elapsed) {
  return std::chrono::duration<double>(elapsed).count();
}

}  // namespace

IncidentMetrics::IncidentMetrics(Metrics& metrics)
    : metrics_(metrics),
      store_(metrics.store()),
      rto_(store_.add_component(
          "watchdog_component_rto_seconds",
          "The component's recovery time objective (rto; 0 when none is configured)",
          MetricType::Gauge)),
      open_since_(store_.add_component(
          "watchdog_incident_open_since_timestamp_seconds",
          "When the open incident became CRITICAL: the RTO clock (0 when none)",
          MetricType::Gauge)),
      incidents_(store_.add_component(
          "watchdog_incidents_total",
          "Incidents opened (the component left HEALTHY), kept across restarts",
          MetricType::Counter)),
      last_time_to_recover_(store_.add_component(
          "watchdog_incident_last_time_to_recover_seconds",
          "CRITICAL to HEALTHY of the last recovered incident", MetricType::Gauge)),
      last_rto_met_(store_.add_component("watchdog_incident_last_rto_met",
                                         "1 if the last recovered incident met the rto, 0 if not",
                                         MetricType::Gauge)) {}

void IncidentMetrics::add_component(const std::string& component, std::chrono::milliseconds rto) {
  store_.set(rto_, component, seconds(rto));
  store_.add(open_since_, component, 0);
  store_.add(incidents_, component, 0);
}

void IncidentMetrics::set_open_since(const std::string& component,
                                     std::optional<TimePoint> critical) {
  store_.set(open_since_, component, critical ? config::unix_seconds(*critical) : 0);
}

void IncidentMetrics::count_incidents(const std::string& component, double incidents) {
  store_.add(incidents_, component, incidents);
}

void IncidentMetrics::set_last_recovery(const std::string& component,
                                        std::chrono::milliseconds time_to_recover,
                                        std::chrono::milliseconds rto) {
  store_.set(last_time_to_recover_, component, seconds(time_to_recover));
  if (rto.count() > 0) {
    store_.set(last_rto_met_, component, time_to_recover <= rto ? 1 : 0);
  } else {
    store_.remove(last_rto_met_, component);
  }
}

void IncidentMetrics::forget_component(const std::string& component) {
  for (FamilyId family : {rto_, open_since_, incidents_, last_time_to_recover_, last_rto_met_}) {
    store_.remove(family, component);
  }
}

void IncidentMetrics::restore_actions(const std::string& component, const std::string& action,
                                      bool ok, double times) {
  metrics_.count_action(component, action, ok, times);
}

}  // namespace watchdog::core
