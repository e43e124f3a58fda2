#pragma once
// Built-in scenarios that break the service around the data: a container crash or crash loop,
// a filling disk, stale backups, an unreachable alert sink — and the operator's own (custom)
// scenarios. Each factory throws ScenarioError when the component's `gameday:` section lacks
// what the scenario needs.

#include <memory>

#include "watchdog/gameday/scenario.h"

namespace watchdog::gameday {

std::unique_ptr<Scenario> make_container_crash(const config::Config& config,
                                               const config::ComponentSpec& component);
// Kills the container again each time it comes back, until the watchdog gives up (or the
// timeout); the revert starts it and asks the daemon to reset the component.
std::unique_ptr<Scenario> make_container_crash_loop(const config::Config& config,
                                                    const config::ComponentSpec& component);
// A synthetic file in gameday.volume up to gameday.fill_to, removed by the revert.
std::unique_ptr<Scenario> make_disk_filling(const config::Config& config,
                                            const config::ComponentSpec& component);
// The target's recent backups hidden from the catalog (RPO breached) until the watchdog's
// backup_now makes a fresh one; the revert puts them back.
std::unique_ptr<Scenario> make_backups_stale(const config::Config& config,
                                             const config::ComponentSpec& component);
// gameday.alert_sink stopped while the component's service is stopped: the alerts must still
// arrive once the sink is back.
std::unique_ptr<Scenario> make_alert_sink_down(const config::Config& config,
                                               const config::ComponentSpec& component);
std::unique_ptr<Scenario> make_custom(const config::CustomScenarioSpec& spec,
                                      const config::Config& config,
                                      const config::ComponentSpec& component);

}  // namespace watchdog::gameday
