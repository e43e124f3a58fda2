#pragma once
// The runner's checks before a game day touches anything, and the plan it shows. Each check
// throws RefusedError (gameday/runner.h) with the one-line reason an operator reads.

#include <chrono>
#include <string>
#include <vector>

#include "config/config.h"
#include "watchdog/gameday/gameday_store.h"
#include "watchdog/gameday/runner.h"
#include "watchdog/store/incident_journal.h"

namespace watchdog::gameday {

// The component by name: nullptr / ScenarioError (naming the known ones) when there is none.
const config::ComponentSpec* component_named(const config::Config& config,
                                             const std::string& name);
const config::ComponentSpec& find_component(const config::Config& config, const std::string& name);

// Not `staging: true` and not allowed explicitly → refused.
void check_staging(const config::ComponentSpec& component, const RunRequest& request);

// An open incident on the component or on anything it depends on → refused: the game day's
// figures would measure that incident, and breaking more of a broken stack helps nobody.
void check_no_open_incident(store::IncidentJournal& journal, const config::Config& config,
                            const std::string& component);

// "game day gd-… (database-dropped on postgres, pid 4711 on host-a, running since …)"
std::string describe(const GamedayRow& row);

// The wait's limit: the request's, else gameday.timeout, else 2 × rto, else 15 min.
std::chrono::milliseconds resolve_timeout(const RunRequest& request,
                                          const config::ComponentSpec& component);

// The lines shown before confirmation and by --dry-run: the scenario's own steps between the
// runner's ("wait up to 30m for …", "revert: …").
std::vector<std::string> build_plan(const RunRequest& request,
                                    const config::ComponentSpec& component,
                                    const Scenario& scenario, std::chrono::milliseconds timeout);

}  // namespace watchdog::gameday
