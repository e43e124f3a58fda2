#include "probes/guarded_probe.h"

#include <string>

namespace watchdog::probes {

ProbeResult GuardedProbe::check(std::chrono::milliseconds timeout) noexcept {
  const auto start = std::chrono::steady_clock::now();
  ProbeResult result;
  try {
    result = check_once(timeout);
  } catch (...) {
    discard_state();
    result = unhealthy(FailureKind::Error, std::string(kind()) + " check failed unexpectedly");
  }
  result.latency = std::chrono::steady_clock::now() - start;
  return result;
}

}  // namespace watchdog::probes
