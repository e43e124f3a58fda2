#pragma once
// Metrics of the HA managers the watchdog defers to (`managed_by`), one series per managed
// component, in the shared series store:
//   watchdog_manager_up{component,manager}                          1 alive, 0 down/unreachable
//   watchdog_manager_paused{component,manager}                      1 in maintenance mode
//   watchdog_manager_last_check_timestamp_seconds{component,manager} when it was last asked
// `manager` is the kind ("patroni"); the URL is never a label. Absent until the first answer.
//
// Thread-safety: every method may be called from any thread.

#include <string>

#include "watchdog/engine/holds.h"
#include "watchdog/metrics.h"

namespace watchdog::core {

class ManagerMetrics {
 public:
  explicit ManagerMetrics(Metrics& metrics);

  void set(const std::string& component, const std::string& kind, const ManagerReading& reading);
  void forget_component(const std::string& component);

 private:
  using FamilyId = MetricsStore::FamilyId;
  MetricsStore& store_;
  FamilyId up_;
  FamilyId paused_;
  FamilyId last_check_;
};

}  // namespace watchdog::core
