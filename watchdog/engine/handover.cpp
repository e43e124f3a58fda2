#include "watchdog/engine/handover.h"

#include <unordered_map>

namespace watchdog::core {

HandoverPlan plan_handover(const std::vector<LocalIncident>& local,
                           const std::vector<HandedIncident>& incidents, bool leader) {
  std::unordered_map<std::string, std::size_t> by_name;
  for (std::size_t i = 0; i < local.size(); ++i) by_name.emplace(local[i].component, i);
  HandoverPlan plan;
  for (const auto& incident : incidents) {
    const auto found = by_name.find(incident.component);
    if (found == by_name.end()) {
      if (leader) plan.resolve.push_back(incident);
      continue;
    }
    const LocalIncident& here = local[found->second];
    if (!here.incident_id.empty()) {
      if (here.incident_id != incident.id) plan.adopt.push_back({found->second, incident});
    } else if (leader) {
      (here.checked && !here.suspect ? plan.resolve : plan.pending).push_back(incident);
    }
  }
  return plan;
}

}  // namespace watchdog::core
