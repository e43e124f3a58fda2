#include "config/maintenance.h"

#include "config/options.h"

namespace watchdog::config {

// Placeholder until the cron/time-zone implementation lands (same session).
bool MaintenanceWindowSpec::covers(const std::string& component) const {
  if (components.empty()) return true;
  for (const auto& c : components)
    if (c == component) return true;
  return false;
}

std::optional<SystemTime> MaintenanceWindowSpec::active_until(SystemTime now) const {
  if (start && now >= *start && now < *start + duration) return *start + duration;
  return std::nullopt;
}

MaintenanceWindowSpec read_maintenance_window(Options& options) {
  MaintenanceWindowSpec window;
  window.name = options.required_string("name");
  options.finish();
  return window;
}

}  // namespace watchdog::config
