#include "watchdog/engine/holds.h"

#include <map>

#include "config/units.h"

namespace watchdog::core {
namespace {

struct Graph {
  const std::vector<HoldInput>& nodes;
  std::map<std::string, std::size_t> index;

  bool failing(std::size_t i) const { return is_failing(nodes[i].state) || nodes[i].suspect; }

  // The first failing direct dependency of `i`, in depends_on order.
  std::optional<std::size_t> failing_dependency(std::size_t i) const {
    for (const auto& name : nodes[i].depends_on) {
      auto it = index.find(name);
      if (it != index.end() && failing(it->second)) return it->second;
    }
    return std::nullopt;
  }

  // Follows failing dependencies down to the deepest one (the config guarantees a DAG; the
  // depth limit only guards against a graph built by hand in a test).
  std::size_t root_of(std::size_t dependency) const {
    std::size_t at = dependency;
    for (std::size_t depth = 0; depth < nodes.size(); ++depth) {
      auto next = failing_dependency(at);
      if (!next) break;
      at = *next;
    }
    return at;
  }
};

std::string describe(const HoldInput& dependency) {
  if (is_failing(dependency.state)) {
    return dependency.name + " is " + std::string(to_string(dependency.state));
  }
  return dependency.name + " is being re-checked";
}

}  // namespace

bool is_failing(State state) {
  return state == State::Critical || state == State::Recovering || state == State::Failed;
}

std::vector<Hold> compute_holds(const std::vector<HoldInput>& components, bool leader) {
  Graph graph{components, {}};
  for (std::size_t i = 0; i < components.size(); ++i) graph.index[components[i].name] = i;

  std::vector<Hold> holds(components.size());
  for (std::size_t i = 0; i < components.size(); ++i) {
    auto& hold = holds[i];
    std::string dependency_reason;
    if (auto dependency = graph.failing_dependency(i)) {
      const auto& root = components[graph.root_of(*dependency)];
      hold.root_cause = root.name;
      hold.root_incident = root.incident_id;
      dependency_reason = "waiting for " + describe(components[*dependency]);
      if (root.name != components[*dependency].name) {
        dependency_reason += " (root cause: " + describe(root) + ")";
      }
    }
    if (dependency_reason.empty()) {
      for (std::size_t d : unchecked_dependencies(components, i)) {
        dependency_reason = "checking " + components[d].name + " first";
        break;
      }
    }
    if (!leader) {
      hold.reason = "not the leader: another replica acts";
    } else if (!components[i].mute.empty()) {
      hold.reason = components[i].mute;
    } else if (!components[i].manager.empty()) {
      hold.reason = components[i].manager;  // never acted on, failing dependency or not
    } else {
      hold.reason = dependency_reason;
    }
    hold.muted = !components[i].mute.empty();
  }
  return holds;
}

std::vector<std::size_t> unchecked_dependencies(const std::vector<HoldInput>& components,
                                                std::size_t index) {
  std::vector<std::size_t> out;
  const auto& self = components[index];
  if (!self.failing_since) return out;
  for (const auto& name : self.depends_on) {
    for (std::size_t d = 0; d < components.size(); ++d) {
      if (components[d].name == name && components[d].checked_since < *self.failing_since) {
        out.push_back(d);
      }
    }
  }
  return out;
}

bool manager_reading_stale(const config::ManagerSpec& manager, const ManagerReading& reading,
                           TimePoint now) {
  return now - reading.at > 3 * manager.interval;
}

std::string manager_hold_reason(const config::ManagerSpec& manager,
                                const std::optional<ManagerReading>& latest,
                                std::optional<TimePoint> failing_since, TimePoint now) {
  const std::string managed = "managed by " + manager.kind;
  if (!latest) {
    return managed + " (" + manager.display + "), which has not answered yet: not acting";
  }
  if (manager_reading_stale(manager, *latest, now)) {
    // The limit, not the age: the reason stays the same while the answer gets older.
    return managed + " (" + manager.display + "), whose last answer is older than " +
           config::format_duration(3 * manager.interval) + " (3 x interval): not acting";
  }
  if (latest->alive && latest->paused) return managed + " (paused: an operator is at work)";
  if (latest->alive) return managed + " (alive at " + manager.display + "): not acting";
  if (!latest->known) {
    return managed + " (" + manager.display + "), whose state is not known (an answer that is not " +
           manager.kind + "'s: see the log): not acting";
  }
  const std::string down = managed + " (" + manager.display + "), which is " +
                           (latest->answered ? "down" : "unreachable (refused or timed out)");
  if (!manager.act_when_manager_down) return down + "; act_when_manager_down is false";
  if (failing_since && latest->at < *failing_since) {
    return down + " at its last answer, before the failure: asking it again before acting";
  }
  return "";
}

}  // namespace watchdog::core
