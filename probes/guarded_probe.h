#pragma once
// What the docker and kubernetes probes share around their real check: check() times it
// (ProbeResult::latency) and turns an escaping exception into Unhealthy Error
// "<kind> check failed unexpectedly", keeping the noexcept contract of probes/probe.h with one
// implementation. Subclasses implement check_once().

#include <chrono>

#include "probes/probe.h"

namespace watchdog::probes {

class GuardedProbe : public Probe {
 public:
  using Probe::Probe;
  ProbeResult check(std::chrono::milliseconds timeout) noexcept final;

 protected:
  // The check itself; may throw (reported as "<kind> check failed unexpectedly").
  virtual ProbeResult check_once(std::chrono::milliseconds timeout) = 0;
};

}  // namespace watchdog::probes
