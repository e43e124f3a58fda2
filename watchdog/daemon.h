#pragma once
// `watchdog run`: wires config → engine → HTTP endpoint → alert senders and waits for signals.
//   SIGTERM / SIGINT  clean stop (workers, HTTP, alert flush) within 2 s — plus, when a
//                     scheduled game day is running, the rest of the step it is in (steps
//                     are not cut short: a fresh backup in prepare() runs to its end, a
//                     container-crash-loop tick can wait 15 s) and then its revert
//                     (gameday/gameday_scheduler.h); no fixed bound while a backup runs
//   SIGHUP            reload the config file; an invalid file is rejected with a logged error
//                     and the running configuration stays in force

#include <filesystem>
#include <optional>

#include "watchdog/engine/engine.h"

namespace watchdog::core {

struct RunOptions {
  std::optional<std::filesystem::path> config_path;  // none = embedded default
  EngineOptions engine;
};

// Returns the process exit code: 0 after a clean stop, 1 when it cannot start (port in use,
// state dir not writable), 2 for an invalid configuration.
int run_daemon(const RunOptions& options);

}  // namespace watchdog::core
