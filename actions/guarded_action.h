#pragma once
// The base of every action kind: run() times the real work (ActionOutcome::duration, the whole
// call) and turns an escaping exception into a failed outcome ("<kind> failed unexpectedly"), so
// every action keeps the noexcept contract of actions/action.h with one implementation.
// Subclasses implement run_once(); `time_left` spreads one deadline over several API requests.

#include <chrono>
#include <string>

#include "actions/action.h"

namespace watchdog::actions {

class GuardedAction : public Action {
 public:
  using Action::Action;
  ActionOutcome run(const Incident& incident, std::chrono::milliseconds timeout) noexcept final;

 protected:
  // The action itself; may throw (reported as "<kind> failed unexpectedly").
  virtual ActionOutcome run_once(const Incident& incident, std::chrono::milliseconds timeout) = 0;
};

// An outcome with just `ok` and `detail` (run() adds the duration), like probes' healthy().
ActionOutcome succeeded(std::string detail);
ActionOutcome failed(std::string detail);

// What is left until `deadline`, at least 1 ms (a request is always given some time).
std::chrono::milliseconds time_left(std::chrono::steady_clock::time_point deadline);

}  // namespace watchdog::actions
