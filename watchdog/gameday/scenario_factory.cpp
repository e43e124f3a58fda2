// The table of built-in scenarios, then the component's custom ones.
#include <algorithm>

#include "watchdog/gameday/database_scenarios.h"
#include "watchdog/gameday/scenario.h"
#include "watchdog/gameday/service_scenarios.h"

namespace watchdog::gameday {
namespace {

using Factory = std::unique_ptr<Scenario> (*)(const config::Config&, const config::ComponentSpec&);

struct Builtin {
  ScenarioInfo info;
  Factory make;
};

const std::vector<Builtin>& builtins() {
  static const std::vector<Builtin> table = {
      {{"database-stopped", "stop the database server (gameday.container or stop/start)"},
       make_database_stopped},
      {{"database-dropped",
        "drop the database (gameday.backup_target), a writer measures the rows lost"},
       make_database_dropped},
      {{"database-corrupted",
        "damage a table's file while the server is stopped (postgres, gameday.data_dir)"},
       make_database_corrupted},
      {{"backups-stale", "hide the recent backups of gameday.backup_target: the RPO runs out"},
       make_backups_stale},
      {{"container-crash", "SIGKILL the component's container (gameday.container)"},
       make_container_crash},
      {{"container-crash-loop", "kill the container each time it comes back, until give-up"},
       make_container_crash_loop},
      {{"redis-down", "stop Redis (gameday.container or stop/start)"}, make_redis_down},
      {{"disk-filling", "fill gameday.volume up to gameday.fill_to with a synthetic file"},
       make_disk_filling},
      {{"alert-sink-down", "stop gameday.alert_sink while the component is down"},
       make_alert_sink_down},
  };
  return table;
}

}  // namespace

const std::vector<ScenarioInfo>& builtin_scenarios() {
  static const std::vector<ScenarioInfo> infos = [] {
    std::vector<ScenarioInfo> out;
    for (const auto& builtin : builtins()) out.push_back(builtin.info);
    return out;
  }();
  return infos;
}

std::unique_ptr<Scenario> make_scenario(const std::string& name, const config::Config& config,
                                        const config::ComponentSpec& component) {
  // The component's own scenarios first: the loader refuses a custom name that shadows a
  // built-in, so the order only matters for clarity.
  for (const auto& custom : component.gameday.scenarios) {
    if (custom.name == name) return make_custom(custom, config, component);
  }
  for (const auto& builtin : builtins()) {
    if (builtin.info.name == name) return builtin.make(config, component);
  }
  std::string known;
  for (const auto& builtin : builtins()) known += (known.empty() ? "" : ", ") + builtin.info.name;
  for (const auto& custom : component.gameday.scenarios) known += ", " + custom.name;
  throw ScenarioError("unknown scenario '" + name + "' for component " + component.name +
                      " (known: " + known + ")");
}

}  // namespace watchdog::gameday
