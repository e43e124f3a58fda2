#pragma once
// Metrics of the recovery coordinator and the incident journal, kept in the shared series store
// (the per-component ones in each component's row):
//   watchdog_incidents_open{component}                      open incidents (0/1 per component)
//   watchdog_incident_time_to_detect_seconds{component}     first failed probe → CRITICAL
//   watchdog_incident_time_to_recover_seconds{component}    CRITICAL → HEALTHY (the real RTO)
//   watchdog_component_muted{component}                     1 while paused or in maintenance
//   watchdog_component_held{component}                      1 while its actions are held back
//   watchdog_component_flapping{component}                  1 while its alerts fold into FLAPPING
//   watchdog_leader                                         1 when this replica may act
//   watchdog_recoveries_running                             actions running now
//   watchdog_recoveries_queued                              actions waiting for a free slot
//
// Thread-safety: every method may be called from any thread.

#include <chrono>
#include <string>

#include "watchdog/metrics.h"

namespace watchdog::core {

class RecoveryMetrics {
 public:
  explicit RecoveryMetrics(Metrics& metrics);

  void set_incident_open(const std::string& component, bool open);
  void observe_time_to_detect(const std::string& component, std::chrono::milliseconds elapsed);
  void observe_time_to_recover(const std::string& component, std::chrono::milliseconds elapsed);
  void set_muted(const std::string& component, bool muted);
  void set_held(const std::string& component, bool held);
  void set_flapping(const std::string& component, bool flapping);
  void set_leader(bool leader);
  void set_recoveries(int running, int queued);
  void forget_component(const std::string& component);

 private:
  using FamilyId = MetricsStore::FamilyId;
  MetricsStore& store_;
  FamilyId incidents_open_;
  FamilyId time_to_detect_;
  FamilyId time_to_recover_;
  FamilyId muted_;
  FamilyId held_;
  FamilyId flapping_;
  Cell& leader_;
  Cell& running_;
  Cell& queued_;
};

}  // namespace watchdog::core
