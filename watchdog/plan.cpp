#include "watchdog/plan.h"

#include "actions/factory.h"
#include "config/loader.h"
#include "config/redaction.h"
#include "probes/factory.h"
#include "watchdog/alerts/factory.h"
#include "watchdog/gameday/runner_safety.h"
#include "watchdog/gameday/scenario.h"
#include "watchdog/leader/leader_lock.h"

namespace watchdog::core {
namespace {

std::string known_failure_kinds() {
  std::string known;
  for (auto kind : probes::all_failure_kinds()) {
    known += (known.empty() ? "" : ", ") + std::string(probes::to_string(kind));
  }
  return known;
}

RungPlan make_rung(const config::ActionSpec& spec,
                   const std::vector<config::BackupTargetSpec>& backups) {
  RungPlan rung{actions::make_action(spec, backups), spec.timeout, false, spec.when};
  config::Options options = spec.options;
  for (const auto& name : spec.when) {
    if (!probes::failure_kind_from_string(name)) {
      options.fail("when",
                   "unknown failure kind '" + name + "' (known: " + known_failure_kinds() + ")");
    }
  }
  rung.destructive = spec.marked_destructive || rung.action->destructive();
  if (rung.when.empty()) {
    for (auto kind : rung.action->default_when()) rung.when.emplace_back(probes::to_string(kind));
  }
  if (rung.destructive && rung.when.empty()) {
    options.fail(options.has("destructive") ? "destructive" : "kind",
                 "a destructive action needs `when:`, the failure kinds it repairs (e.g. "
                 "[not_found, corrupt]), so that a timeout or a lock never sets it off");
  }
  return rung;
}

// A scheduled scenario that does not apply to its component (a key its gameday: section lacks,
// a backup target of the wrong kind) would otherwise fail at its first start, weeks later:
// each is built once here (construction reads the configuration only).
void check_scheduled_scenarios(const config::Config& config) {
  for (std::size_t i = 0; i < config.gamedays.size(); ++i) {
    const auto& entry = config.gamedays[i];
    const auto* component = gameday::component_named(config, entry.component);
    if (component == nullptr) continue;  // the loader has refused it already
    try {
      gameday::make_scenario(entry.scenario, config, *component);
    } catch (const gameday::ScenarioError& error) {
      throw config::ConfigError(entry.location + ": gamedays[" + std::to_string(i) +
                                "].scenario: " + error.what());
    }
  }
}

}  // namespace

Plan build_plan(config::Config config) {
  check_scheduled_scenarios(config);
  Plan plan;
  plan.components.reserve(config.components.size());
  for (auto& component : config.components) {
    ComponentPlan built;
    built.probes.reserve(component.probes.size());
    for (auto& probe : component.probes) {
      auto made = probes::make_probe(probe, config.backups);
      probe.options = {};  // read: its YAML nodes must not outlive the loading
      built.probes.push_back({std::move(probe), std::move(made)});
    }
    built.ladder.reserve(component.recovery.actions.size());
    for (const auto& action : component.recovery.actions) {
      built.ladder.push_back(make_rung(action, config.backups));
    }
    component.probes = {};
    component.recovery.actions = {};
    built.spec = std::move(component);
    plan.components.push_back(std::move(built));
  }
  config.components = {};
  for (const auto& alert : config.alerts) {
    for (auto& sink : alerts::make_providers(alert)) plan.alerts.push_back(std::move(sink));
  }
  config.alerts = {};
  // Validates the lock's keys (the daemon builds its own lock with this replica's identity).
  make_leader_lock(config.watchdog.leader, "check");
  plan.config = std::move(config);
  return plan;
}

void drop_leader_options(Plan& plan) { plan.config.watchdog.leader.options = {}; }

Plan load_plan(const std::optional<std::filesystem::path>& path) {
  config::SecretCollector secrets;  // every secret the loader and the factories read
  Plan plan = path ? build_plan(config::load_config_file(*path))
                   : build_plan(config::load_config_text(config::embedded_default_yaml(),
                                                         config::kEmbeddedSourceName));
  config::install_secrets(secrets.take());  // only a plan that loaded replaces the registry
  return plan;
}

}  // namespace watchdog::core
