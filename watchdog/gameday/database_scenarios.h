#pragma once
// Built-in scenarios that take a data store down or damage its data (the DR plans' "database
// failure", "complete data loss", "corruption" and "Redis down" sections). Each factory throws
// ScenarioError when the component's `gameday:` section lacks what the scenario needs.

#include <memory>

#include "watchdog/gameday/scenario.h"

namespace watchdog::gameday {

// Server stopped through gameday.container or gameday.stop/start; revert starts it.
std::unique_ptr<Scenario> make_database_stopped(const config::Config& config,
                                                const config::ComponentSpec& component);
// One database dropped (postgres or mysql backup target), a writer inserting rows up to the
// fault; the watchdog is expected to restore it; data loss = rows written vs rows present.
std::unique_ptr<Scenario> make_database_dropped(const config::Config& config,
                                                const config::ComponentSpec& component);
// A table's file damaged while the server is stopped (postgres, gameday.data_dir).
std::unique_ptr<Scenario> make_database_corrupted(const config::Config& config,
                                                  const config::ComponentSpec& component);
// Redis stopped through gameday.container or gameday.stop/start.
std::unique_ptr<Scenario> make_redis_down(const config::Config& config,
                                          const config::ComponentSpec& component);

}  // namespace watchdog::gameday
