#include "config/leader_settings.h"

#include "config/units.h"

namespace watchdog::config {

std::string leader_timing_problem(Duration lease, Duration renew_interval) {
  if (lease.count() <= 0) return "lease must be longer than 0s";
  if (renew_interval.count() <= 0) return "renew_interval must be longer than 0s";
  if (renew_interval * 2 > lease) {
    return "renew_interval " + format_duration(renew_interval) +
           " must be at most half the lease " + format_duration(lease);
  }
  return "";
}

}  // namespace watchdog::config
