#pragma once
// `command`: runs a recovery program (argv, never a shell), e.g. a restart script.
//
// Keys: argv (required, non-empty list; ${ENV} expanded), env (map of variables; values may use
// ${ENV}), inherit_env (default false: the child sees only PATH, HOME, LANG, TZ, LC_ALL and `env`,
// never the watchdog's secrets; true: the watchdog's whole environment), working_dir (default:
// the watchdog's).
// The command also gets WATCHDOG_COMPONENT, WATCHDOG_INCIDENT_ID, WATCHDOG_ATTEMPT and
// WATCHDOG_REASON (these win over `env`), and WATCHDOG_FENCING_TOKEN under a leader lock that
// keeps one (compare it with the lock's before a step that must never run twice at once).
// ok = exit 0 within the timeout; on timeout, or when this replica loses the leader lease
// (Incident::revoked), the whole process group is killed. Background processes it starts (a daemon) keep running after it
// exits; they should redirect their output, or they get SIGPIPE once the run has ended.
// Detail: "exit 0 in 120 ms", "exit 3 in 1.2 s", "killed by SIGSEGV after 2.0 s",
// "killed after 60 s timeout", "killed after 2.1 s: this replica lost the leader lease",
// "cannot start: …". The output tail is kept (last 4 KiB).

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "actions/guarded_action.h"
#include "config/options.h"
#include "probes/clients/process_runner.h"

namespace watchdog::actions {

class CommandAction final : public GuardedAction {
 public:
  // Reads and validates the keys above; no I/O. Throws config::ConfigError.
  static std::unique_ptr<Action> create(std::string name, config::Options& options);

  // `display`: argv as written (unexpanded), for describe().
  CommandAction(std::string name, probes::ProcessSpec spec, std::vector<std::string> display);
  std::string_view kind() const override { return "command"; }
  // The argv as written, shell-quoted where needed: `/usr/local/bin/restart --token '${TOKEN}'`.
  std::string describe() const override;

 private:
  ActionOutcome run_once(const Incident& incident, std::chrono::milliseconds timeout) override;
  probes::ProcessSpec spec_;
  std::vector<std::string> display_;
};

}  // namespace watchdog::actions
