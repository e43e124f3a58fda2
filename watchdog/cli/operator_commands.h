#pragma once
// Operator commands that work on the state store beside a running (or stopped) daemon:
//   watchdog incidents [list|show ID|report ID] [--open] [--limit N] [--json]
//   watchdog pause COMPONENT --for 30m [--reason TEXT]   mute actions and alerts
//   watchdog resume COMPONENT                             end a pause early
//   watchdog reset COMPONENT [--wait 10s]                 FAILED → probing again
//   watchdog alerts [--status S] [--limit N] [--json]     the alert outbox, newest first
// Each finds the state dir through -c/--config (its watchdog.state_dir) or --state-dir. Pauses
// take effect within a second of a running daemon's loop and survive restarts; a reset is a
// request the daemon answers (the command waits for the answer, up to --wait).

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

namespace watchdog::core {

class OperatorCommands {
 public:
  explicit OperatorCommands(CLI::App& app);
  bool selected() const;
  int run();  // exit code: 0 ok, 1 failed, 2 bad input

 private:
  int incidents();
  int pause();
  int resume();
  int reset();
  int alerts();

  CLI::App* incidents_ = nullptr;
  CLI::App* pause_ = nullptr;
  CLI::App* resume_ = nullptr;
  CLI::App* reset_ = nullptr;
  CLI::App* alerts_ = nullptr;
  std::string status_;

  std::string config_path_;
  std::string state_dir_;
  std::string verb_ = "list";
  std::string id_;
  bool open_only_ = false;
  std::size_t limit_ = 20;
  bool json_ = false;
  std::string component_;
  std::string for_ = "1h";
  std::string reason_;
  std::string wait_ = "10s";
};

}  // namespace watchdog::core
