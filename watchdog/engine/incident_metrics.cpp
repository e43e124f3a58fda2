#include "watchdog/engine/incident_metrics.h"

#include "config/time_text.h"

namespace watchdog::core {
namespace {

using prometheus::BuildCounter;
using prometheus::BuildGauge;

double seconds(std::chrono::milliseconds elapsed) {
  return std::chrono::duration<double>(elapsed).count();
}

prometheus::Labels of(const std::string& component) { return {{"component", component}}; }

}  // namespace

IncidentMetrics::IncidentMetrics(Metrics& metrics)
    : metrics_(metrics),
      rto_(BuildGauge()
               .Name("watchdog_component_rto_seconds")
               .Help("The component's recovery time objective (rto; 0 when none is configured)")
               .Register(metrics.registry())),
      open_since_(BuildGauge()
                      .Name("watchdog_incident_open_since_timestamp_seconds")
                      .Help("When the open incident became CRITICAL: the RTO clock (0 when none)")
                      .Register(metrics.registry())),
      incidents_(BuildCounter()
                     .Name("watchdog_incidents_total")
                     .Help("Incidents opened (the component left HEALTHY), kept across restarts")
                     .Register(metrics.registry())),
      last_time_to_recover_(BuildGauge()
                                .Name("watchdog_incident_last_time_to_recover_seconds")
                                .Help("CRITICAL to HEALTHY of the last recovered incident")
                                .Register(metrics.registry())),
      last_rto_met_(BuildGauge()
                        .Name("watchdog_incident_last_rto_met")
                        .Help("1 if the last recovered incident met the rto, 0 if not")
                        .Register(metrics.registry())) {}

void IncidentMetrics::add_component(const std::string& component, std::chrono::milliseconds rto) {
  rto_.Add(of(component)).Set(seconds(rto));
  open_since_.Add(of(component));
  incidents_.Add(of(component));
}

void IncidentMetrics::set_open_since(const std::string& component,
                                     std::optional<TimePoint> critical) {
  open_since_.Add(of(component)).Set(critical ? config::unix_seconds(*critical) : 0);
}

void IncidentMetrics::count_incidents(const std::string& component, double incidents) {
  incidents_.Add(of(component)).Increment(incidents);
}

void IncidentMetrics::set_last_recovery(const std::string& component,
                                        std::chrono::milliseconds time_to_recover,
                                        std::chrono::milliseconds rto) {
  last_time_to_recover_.Add(of(component)).Set(seconds(time_to_recover));
  if (rto.count() > 0) {
    last_rto_met_.Add(of(component)).Set(time_to_recover <= rto ? 1 : 0);
  } else {
    last_rto_met_.Remove(&last_rto_met_.Add(of(component)));
  }
}

void IncidentMetrics::forget_component(const std::string& component) {
  rto_.Remove(&rto_.Add(of(component)));
  open_since_.Remove(&open_since_.Add(of(component)));
  incidents_.Remove(&incidents_.Add(of(component)));
  last_time_to_recover_.Remove(&last_time_to_recover_.Add(of(component)));
  last_rto_met_.Remove(&last_rto_met_.Add(of(component)));
}

void IncidentMetrics::restore_actions(const std::string& component, const std::string& action,
                                      bool ok, double times) {
  metrics_.count_action(component, action, ok, times);
}

}  // namespace watchdog::core
