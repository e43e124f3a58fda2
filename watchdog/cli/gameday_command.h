#pragma once
// `watchdog gameday`: break a staging component on purpose and measure the running daemon's
// own detect → recover loop (watchdog/gameday/runner.h does the work).
//
//   watchdog gameday -c F --scenario NAME --component C [--report FILE.md] [--json] [--yes]
//                    [--dry-run] [--i-know-this-is-production] [--timeout 20m]
//   watchdog gameday --list [-c F]        built-in scenarios; with -c the components' staging
//                                         flag and custom scenarios
//   watchdog gameday history [-c F | --state-dir D] [--json] [--limit N]
//
// A run needs the daemon (`watchdog run` with the same config) answering GET /readyz: it is the
// daemon that detects and recovers, the command only breaks, watches and mends. On a terminal
// the plan is shown and the component's name must be typed to go on; elsewhere --yes is
// required. SIGINT/SIGTERM end the wait, the revert runs, then the command exits 130.
// Exit codes: 0 passed (or a dry run), 1 ran and failed, 2 refused or bad input, 130
// interrupted.

#include <CLI/CLI.hpp>
#include <string>

namespace watchdog::core {

class GamedayCommand {
 public:
  explicit GamedayCommand(CLI::App& app);
  bool selected() const;
  int run();

 private:
  int run_gameday();
  int list();
  int history();

  CLI::App* gameday_ = nullptr;
  CLI::App* history_ = nullptr;

  std::string config_path_;
  std::string state_dir_;
  std::string scenario_;
  std::string component_;
  std::string report_path_;
  std::string timeout_;
  bool json_ = false;
  bool yes_ = false;
  bool dry_run_ = false;
  bool production_ = false;
  bool list_ = false;
  std::size_t limit_ = 20;
};

}  // namespace watchdog::core
