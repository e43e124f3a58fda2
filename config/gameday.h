#pragma once
// Game days (watchdog/gameday/): a component's `staging:` flag and `gameday:` section (how a
// game day may break and mend it), and the top-level `gamedays:` schedule.
//
//   components:
//     - name: postgres
//       rto: 15m
//       staging: true                 # game days may break it (otherwise only with
//                                     # --i-know-this-is-production, never on a schedule)
//       gameday:
//         container: app-postgres     # its docker container (crash, crash loop, stop)
//         docker_socket: /var/run/docker.sock   # default; or docker_host: tcp://h:2375
//         stop: [pg_ctl, -D, /data, stop, -m, fast]  # or stop/start commands instead
//         start: [pg_ctl, -D, /data, start]
//         backup_target: main         # the database (connection) and its backups: dropped,
//                                     # corrupted, backups-stale; its rpo judges data loss
//         fresh_backup: false         # database-dropped: take a backup while the writer runs
//         writer_interval: 100ms      # the data-loss writer's insert cadence
//         data_dir: /data             # database-corrupted (postgres; stopped while damaged)
//         volume: /var/lib/postgresql # disk-filling: where the synthetic file goes
//         fill_to: 95%                # disk-filling: used share to reach (default: 95%)
//         alert_sink: {name: ops, container: webhook-relay}   # or stop/start argv
//         timeout: 30m                # wait for the outcome; default 2 × rto, else 15m
//         scenarios:                  # custom ones, beside the built-ins
//           - name: api-config-broken
//             inject: [cp, /srv/bad.env, /srv/app.env]
//             revert: [cp, /srv/good.env, /srv/app.env]
//             expect: recover         # recover (default) | detect | give_up
//
//   gamedays:                         # scheduled inside `watchdog run`, leader only
//     - scenario: database-dropped
//       component: postgres           # must be staging: true
//       schedule: "0 10 * * 3"        # cron, local minutes in time_zone
//       time_zone: Europe/Berlin      # default UTC

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "config/options.h"
#include "config/units.h"
#include "config/zoned_cron.h"

namespace watchdog::config {

// What a game day expects of the watchdog once the fault is in place.
enum class GamedayExpect {
  Recover,  // detect (CRITICAL), recover by its own actions (HEALTHY) within the rto
  Detect,   // detect and alert; the revert is what mends it (disk-filling)
  GiveUp,   // the ladder cannot fix it: FAILED with the alert, loudly
};
const char* expect_name(GamedayExpect expect);

// A stop/start pair: a container, or two argv.
struct GamedaySwitch {
  std::string container;  // docker container name or id; "" = use the argv
  std::vector<std::string> stop;
  std::vector<std::string> start;
  bool configured() const { return !container.empty() || (!stop.empty() && !start.empty()); }
};

struct CustomScenarioSpec {
  std::string name;
  std::vector<std::string> inject;
  std::vector<std::string> revert;
  GamedayExpect expect = GamedayExpect::Recover;
};

struct AlertSinkSwitch {
  std::string name;  // an `alerts:` name
  GamedaySwitch how;
};

struct ComponentGameday {
  GamedaySwitch service;  // container / stop / start of the component itself
  std::string docker_socket = "/var/run/docker.sock";
  std::string docker_host;  // "tcp://h:2375"; "" = the socket
  std::string backup_target;  // a `backups:` name
  bool fresh_backup = false;
  Duration writer_interval = std::chrono::milliseconds(100);
  std::string data_dir;
  std::string volume;
  double fill_to = 0.95;
  std::optional<AlertSinkSwitch> alert_sink;
  Duration timeout = Duration::zero();  // 0 = 2 × rto, or 15 min without an rto
  std::vector<CustomScenarioSpec> scenarios;
};

struct ScheduledGamedaySpec {
  std::string scenario;
  std::string component;
  std::string schedule_text;  // as written
  ZonedCron schedule;
  // "file:line:column" of the entry, for the errors found only when the plan is built (a
  // scenario that does not apply to its component).
  std::string location;
};

struct AlertSpec;         // config/config.h
struct BackupTargetSpec;  // config/backup_target.h
struct ComponentSpec;     // config/config.h

// The built-in scenario names (watchdog/gameday/scenario_factory.cpp's table; a unit test keeps
// the two equal). Here so that the loader can refuse a custom scenario that shadows one
// without config/ depending on watchdog/.
const std::vector<std::string>& builtin_scenario_names();

// Reads a component's `gameday:` mapping; calls finish().
ComponentGameday read_component_gameday(Options& options);
// Once `alerts:` and `backups:` are read: alert_sink.name and backup_target must name one.
// `options` is the same `gameday:` mapping (errors point at its keys).
void check_gameday_references(Options& options, const ComponentGameday& gameday,
                              const std::vector<AlertSpec>& alerts,
                              const std::vector<BackupTargetSpec>& backups);
// Reads one `gamedays:` entry; calls finish().
ScheduledGamedaySpec read_scheduled_gameday(Options& options);
// The entry's component exists and is `staging: true` (a schedule never breaks production),
// and its scenario is a built-in or one of that component's custom ones.
void check_scheduled_gameday(Options& options, const ScheduledGamedaySpec& gameday,
                             const std::vector<ComponentSpec>& components);

}  // namespace watchdog::config
