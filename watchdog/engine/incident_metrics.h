#pragma once
// The per-component figures a disaster-recovery dashboard and an "RTO breached" alert need,
// kept in the shared series store (each component's row). Every configured component has the first
// three from the start; the last two appear with its first recovered incident:
//   watchdog_component_rto_seconds{component}                  the configured rto (0 = none)
//   watchdog_incident_open_since_timestamp_seconds{component}  since the open incident became
//                                                              CRITICAL (the RTO clock; 0 when
//                                                              none or only DEGRADED so far)
//   watchdog_incidents_total{component}                        incidents opened (counter)
//   watchdog_incident_last_time_to_recover_seconds{component}  CRITICAL → HEALTHY of the last
//                                                              recovered incident
//   watchdog_incident_last_rto_met{component}                  1 if that was within its rto,
//                                                              0 if not (absent without an rto)
// The counter and the last-incident gauges are restored from the incident journal at start
// (IncidentRecorder::load), so a restart is not a reset to nothing.
//
// Thread-safety: the engine's loop thread only (and Engine::start before the loop runs).

#include <chrono>
#include <optional>
#include <string>

#include "watchdog/metrics.h"

namespace watchdog::core {

class IncidentMetrics {
 public:
  explicit IncidentMetrics(Metrics& metrics);

  // Creates the component's series (a reload keeps the values of one that stays).
  void add_component(const std::string& component, std::chrono::milliseconds rto);
  void set_open_since(const std::string& component, std::optional<TimePoint> critical);
  void count_incidents(const std::string& component, double incidents = 1);
  // `rto` is the target the incident was judged by (0 = none: no rto_met series).
  void set_last_recovery(const std::string& component, std::chrono::milliseconds time_to_recover,
                         std::chrono::milliseconds rto);
  void forget_component(const std::string& component);
  // watchdog_recovery_actions_total (kept by Metrics) as a previous run left it.
  void restore_actions(const std::string& component, const std::string& action, bool ok,
                       double times);

 private:
  using FamilyId = MetricsStore::FamilyId;
  Metrics& metrics_;
  MetricsStore& store_;
  FamilyId rto_;
  FamilyId open_since_;
  FamilyId incidents_;
  FamilyId last_time_to_recover_;
  FamilyId last_rto_met_;
};

}  // namespace watchdog::core
