#pragma once
// `command`: runs a program (argv, never a shell) and maps its exit status the Nagios way.
//
// Keys: argv (required, non-empty list; ${ENV} expanded, e.g. a plugin and its flags), env
// (map added to the inherited environment), working_dir (default: the watchdog's).
// Results: exit 0 → Healthy; exit 1 → Degraded Threshold (Nagios WARNING); any other exit or a
// signal → Unhealthy BadResponse; no exit within the timeout → Unhealthy Timeout (the whole
// process group is killed); cannot start → Unhealthy Error.
// Detail: the first non-empty output line (stdout+stderr), or "exit N" / "killed by SIGX" when
// there is none. Commands should not print secrets: their first line becomes the detail.
// Measurement: command_exit_code (the exit code; 128+N for signal N; absent on timeout or when
// the command could not start).

#include <chrono>
#include <memory>
#include <string>

#include "config/options.h"
#include "probes/probe.h"
#include "probes/process_runner.h"

namespace watchdog::probes {

class CommandProbe final : public Probe {
 public:
  // Reads and validates the keys above; no I/O. Throws config::ConfigError.
  static std::unique_ptr<Probe> create(std::string name, config::Options& options);

  // `spec.timeout` is replaced by check()'s timeout.
  CommandProbe(std::string name, ProcessSpec spec);
  std::string_view kind() const override { return "command"; }
  ProbeResult check(std::chrono::milliseconds timeout) noexcept override;

 private:
  ProcessSpec spec_;
};

}  // namespace watchdog::probes
