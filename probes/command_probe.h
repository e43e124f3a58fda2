#pragma once
// `command`: runs a program (argv, never a shell) and maps its exit status the Nagios way, or
// as `exit_codes` says.
//
// Keys: argv (required, non-empty list; ${ENV} expanded, e.g. a plugin and its flags), env
// (map of variables; values may use ${ENV}), inherit_env (default false: the child sees only
// PATH, HOME, LANG, TZ, LC_ALL and `env`, never the watchdog's secrets; true: the watchdog's
// whole environment), working_dir (default: the watchdog's), exit_codes ({healthy: [0],
// degraded: [1]}, the Nagios default).
// Results: an exit code in exit_codes.healthy → Healthy; in exit_codes.degraded → Degraded
// Threshold (Nagios WARNING); any other exit or a signal → Unhealthy BadResponse; no exit within
// the timeout → Unhealthy Timeout (the whole process group is killed); cannot start → Unhealthy
// Error.
// exit_codes exists for tools that are not Nagios plugins: `mariadb-admin ping` exits 1 when
// the server is down, so `exit_codes: {healthy: [0]}` makes that critical without a wrapper
// script. When given, it replaces the default: `healthy` is required (a non-empty list),
// `degraded` defaults to none; codes are 0–255; a code listed twice (in one list or in both) is
// a config error.
// Detail: the first non-empty output line (stdout+stderr), or "exit N" / "killed by SIGX" when
// there is none. Commands should not print secrets: their first line becomes the detail (the
// engine redacts configured secrets from it all the same).
// Measurement: command_exit_code (the exit code; 128+N for signal N; absent on timeout or when
// the command could not start).

#include <chrono>
#include <memory>
#include <set>
#include <string>

#include "config/options.h"
#include "probes/clients/process_runner.h"
#include "probes/guarded_probe.h"

namespace watchdog::probes {

// Which exit codes mean what; codes in neither set are Unhealthy.
struct ExitCodes {
  std::set<int> healthy = {0};
  std::set<int> degraded = {1};
};

class CommandProbe final : public GuardedProbe {
 public:
  // Reads and validates the keys above; no I/O. Throws config::ConfigError.
  static std::unique_ptr<Probe> create(std::string name, config::Options& options);

  // `spec.timeout` is replaced by check()'s timeout.
  CommandProbe(std::string name, ProcessSpec spec, ExitCodes exit_codes = {});
  std::string_view kind() const override { return "command"; }

 private:
  ProbeResult check_once(std::chrono::milliseconds timeout) override;
  ProcessSpec spec_;
  ExitCodes exit_codes_;
};

}  // namespace watchdog::probes
