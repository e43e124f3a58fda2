#include "watchdog/plan.h"

#include "actions/factory.h"
#include "config/loader.h"
#include "probes/factory.h"
#include "watchdog/alerts/factory.h"
#include "watchdog/leader_lock.h"

namespace watchdog::core {

Plan build_plan(config::Config config) {
  Plan plan;
  for (const auto& component : config.components) {
    ComponentPlan built;
    built.spec = component;
    for (const auto& probe : component.probes) {
      built.probes.push_back({probe, probes::make_probe(probe, config.backups)});
    }
    for (const auto& action : component.recovery.actions) {
      built.ladder.push_back(actions::make_action(action, config.backups));
    }
    plan.components.push_back(std::move(built));
  }
  for (const auto& alert : config.alerts) {
    for (auto& sink : alerts::make_providers(alert)) plan.alerts.push_back(std::move(sink));
  }
  // Validates the lock's keys (the daemon builds its own lock with this replica's identity).
  make_leader_lock(config.watchdog.leader, "check");
  plan.config = std::move(config);
  return plan;
}

Plan load_plan(const std::optional<std::filesystem::path>& path) {
  if (path) return build_plan(config::load_config_file(*path));
  return build_plan(
      config::load_config_text(config::embedded_default_yaml(), config::kEmbeddedSourceName));
}

}  // namespace watchdog::core
