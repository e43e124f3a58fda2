#include "actions/guarded_action.h"

#include <algorithm>
#include <string>
#include <utility>

namespace watchdog::actions {

ActionOutcome GuardedAction::run(const Incident& incident,
                                 std::chrono::milliseconds timeout) noexcept {
  const auto start = std::chrono::steady_clock::now();
  ActionOutcome outcome;
  try {
    outcome = run_once(incident, timeout);
  } catch (...) {
    outcome.ok = false;
    outcome.detail = std::string(kind()) + " failed unexpectedly";
  }
  outcome.duration = std::chrono::steady_clock::now() - start;
  return outcome;
}

ActionOutcome succeeded(std::string detail) {
  ActionOutcome outcome;
  outcome.ok = true;
  outcome.detail = std::move(detail);
  return outcome;
}

ActionOutcome failed(std::string detail) {
  ActionOutcome outcome;
  outcome.detail = std::move(detail);
  return outcome;
}

std::chrono::milliseconds time_left(std::chrono::steady_clock::time_point deadline) {
  return std::max(std::chrono::milliseconds(1),
                  std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now()));
}

}  // namespace watchdog::actions
