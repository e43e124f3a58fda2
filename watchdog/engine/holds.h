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
//   - its HA manager (`managed_by`, e.g. Patroni) owns it: see manager_hold_reason() below.
// The root cause is the deepest failing dependency: for api → backend → postgres with postgres
// down, both api and backend name postgres (and its incident) as root cause.

#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "watchdog/engine/state_machine.h"

namespace watchdog::core {

struct HoldInput {
  std::string name;
  State state = State::Healthy;
  bool suspect = false;  // a probe failing below its threshold
  std::string incident_id;
  std::vector<std::string> depends_on;
  std::string mute;                        // why it is muted, "" = not muted
  std::string manager;                     // manager_hold_reason(), "" = the manager lets it act
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

// The latest answer of a component's HA manager (watchdog/engine/manager_watch.h).
struct ManagerReading {
  TimePoint at{};         // when it was asked
  bool answered = false;  // it answered HTTP at all (false: refused, timeout, …)
  bool alive = false;
  bool paused = false;  // maintenance mode ("pause": true); false when not known
  std::string problem;  // why it is not alive, safe to show; kept out of the hold reason (it
                        // changes with curl's message: "refused", "timeout", …)
  bool known = true;    // false: the answer says nothing about the manager (TLS, DNS, 401, 502)
};

// Why the manager keeps the watchdog from acting on a component, "" = it may act. Pure.
//   alive, not paused    → held: "managed by patroni (alive at http://…:8008): not acting"
//   alive, paused        → held: an operator is at work on the cluster (Patroni itself does not
//                          start or stop PostgreSQL then; neither does the watchdog)
//   not known (TLS or DNS error, 401/403, 3xx, a 5xx other than /liveness' 503, …)
//                        → held, always: only the manager's own word, or its silence (refused,
//                          timeout), counts as down
//   down or unreachable  → held unless act_when_manager_down; then free, but only on an answer
//                          taken after the component started failing (`failing_since`): an
//                          older one is asked again first (the engine does), so the watchdog
//                          never acts on a manager that was down long ago
//   no answer yet, or the latest older than 3 × interval → held (not known = not allowed)
std::string manager_hold_reason(const config::ManagerSpec& manager,
                                const std::optional<ManagerReading>& latest,
                                std::optional<TimePoint> failing_since, TimePoint now);
// The latest answer is too old to go by: 3 × interval.
bool manager_reading_stale(const config::ManagerSpec& manager, const ManagerReading& reading,
                           TimePoint now);

}  // namespace watchdog::core
