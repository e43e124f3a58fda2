#pragma once
// The base of every probe kind: check() times the real check (ProbeResult::latency, the whole
// call) and turns an escaping exception into Unhealthy Error "<kind> check failed unexpectedly",
// keeping the noexcept contract of probes/probe.h with one implementation. Subclasses implement
// check_once(), and discard_state() when they keep something (a connection) that an exception
// may have left half-used.

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
  // Called after check_once() threw, before the next check: drop kept state. Default: nothing.
  virtual void discard_state() noexcept {}
};

}  // namespace watchdog::probes
