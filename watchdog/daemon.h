#pragma once
// `watchdog run`: wires config → engine → HTTP endpoint → alert senders and waits for signals.
//   SIGTERM / SIGINT  clean stop (workers, HTTP, alert flush) within 2 s — plus, when a
//                     scheduled game day is running, the time its revert takes (it is
//                     interrupted first; gameday/gameday_scheduler.h)
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
