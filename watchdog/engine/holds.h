#pragma once
// Which components may act right now, and why not. Pure: the engine gathers the inputs (states,
// dependencies, mutes, leadership) and feeds each component's hold to its state machine.
//
// A component is held (its recovery actions wait) when
//   - this replica is not the leader (another replica acts), or
//   - it is muted: `watchdog pause` or a maintenance window, or
//   - something it depends on (directly or transitively) is failing: CRITICAL, RECOVERING or
//     FAILED, or HEALTHY/DEGRADED with a probe that has started failing and is being re-checked.
//     The dependency is recovered first; the dependent is re-probed when it is released.
//   - it has started failing and a dependency has not been checked since: the dependency is
//     checked first ("checking postgres first"), so that whichever probe happened to notice
//     first, the root is found before anything is restarted.
// The root cause is the deepest failing dependency: for api → backend → postgres with postgres
// down, both api and backend name postgres (and its incident) as root cause.

#include <optional>
#include <string>
#include <vector>

#include "watchdog/engine/state_machine.h"

namespace watchdog::core {

struct HoldInput {
  std::string name;
  State state = State::Healthy;
  bool suspect = false;  // a probe failing below its threshold
  std::string incident_id;
  std::vector<std::string> depends_on;
  std::string mute;                        // why it is muted, "" = not muted
  std::optional<TimePoint> failing_since;  // its first failing result of this episode
  TimePoint checked_since{};               // the oldest of its probes' latest check starts
};

struct Hold {
  std::string reason;         // "" = free to act
  bool muted = false;         // alerts are muted too
  std::string root_cause;     // failing dependency at the root, "" = none
  std::string root_incident;  // its incident id
};

std::vector<Hold> compute_holds(const std::vector<HoldInput>& components, bool leader);

// The dependencies of component `index` that have not been checked since it started failing
// (the engine runs their probes now).
std::vector<std::size_t> unchecked_dependencies(const std::vector<HoldInput>& components,
                                                std::size_t index);

// True when a component in this state counts as failing for its dependents.
bool is_failing(State state);

}  // namespace watchdog::core
