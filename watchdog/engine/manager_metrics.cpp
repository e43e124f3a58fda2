#include "watchdog/engine/manager_metrics.h"

#include <array>
#include <string_view>

namespace watchdog::core {
namespace {

// The `manager` label's values, in variant order: one per kind config/ accepts.
constexpr std::array<std::string_view, 1> kKinds = {"patroni"};

std::size_t variant_of(const std::string& kind) {
  for (std::size_t i = 0; i < kKinds.size(); ++i) {
    if (kKinds[i] == kind) return i;
  }
  return 0;
}

}  // namespace

ManagerMetrics::ManagerMetrics(Metrics& metrics)
    : store_(metrics.store()),
      up_(store_.add_component("watchdog_manager_up",
                               "1 while the component's HA manager answers alive (managed_by)",
                               MetricType::Gauge, "manager", kKinds)),
      paused_(store_.add_component("watchdog_manager_paused",
                                   "1 while the component's HA manager is paused (maintenance)",
                                   MetricType::Gauge, "manager", kKinds)),
      last_check_(store_.add_component("watchdog_manager_last_check_timestamp_seconds",
                                       "When the component's HA manager was last asked",
                                       MetricType::Gauge, "manager", kKinds)) {}

void ManagerMetrics::set(const std::string& component, const std::string& kind,
                         const ManagerReading& reading) {
  const auto variant = variant_of(kind);
  store_.set(up_, component, reading.alive ? 1 : 0, variant);
  store_.set(paused_, component, reading.paused ? 1 : 0, variant);
  store_.set(last_check_, component,
             std::chrono::duration<double>(reading.at.time_since_epoch()).count(), variant);
}

void ManagerMetrics::forget_component(const std::string& component) {
  for (std::size_t variant = 0; variant < kKinds.size(); ++variant) {
    for (FamilyId family : {up_, paused_, last_check_}) store_.remove(family, component, variant);
  }
}

}  // namespace watchdog::core
