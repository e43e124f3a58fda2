#include "watchdog/gameday/component_answers.h"

#include <chrono>
#include <exception>

#include "probes/factory.h"

namespace watchdog::gameday {

bool component_answers(const config::Config& config, const config::ComponentSpec& component,
                       std::string& why) {
  if (component.probes.empty()) {
    why = "component " + component.name + " has no probes to ask";
    return false;
  }
  for (const auto& spec : component.probes) {
    try {
      auto probe = probes::make_probe(spec, config.backups);
      const auto result =
          probe->check(std::chrono::duration_cast<std::chrono::milliseconds>(spec.timing.timeout));
      if (result.status != probes::ProbeStatus::Healthy &&
          result.status != probes::ProbeStatus::Degraded) {
        why = "probe " + spec.name + ": " + result.detail;
        return false;
      }
    } catch (const std::exception& error) {
      why = "probe " + spec.name + ": " + error.what();
      return false;
    }
  }
  return true;
}

}  // namespace watchdog::gameday
