#pragma once
// Runs one game day: the safety checks, the plan and its confirmation, the fault, the wait for
// the watchdog's own answer (the daemon detects and recovers; the runner only watches its
// journal), the revert, the measurement and the report. Used by `watchdog gameday` (CLI) and
// by the daemon's schedule (`gamedays:`).
//
// Safety, in this order, before anything is touched:
//   - the component is `staging: true`, or the request says allow_production;
//   - no incident is open on the component or anything it depends on (recursively);
//   - no other game day is unfinished in the state store;
//   - the confirm hook said yes.
// A refusal throws RefusedError and records nothing. Once past them, a row in the state store
// (gameday_store.h) records the game day before the fault, and the revert ALWAYS runs: after
// the outcome, after an error in any step, after the interrupted hook turned true. A process
// that dies in between leaves the row, and resume_interrupted() reverts it later.
//
// Thread-safety: one run() at a time per Runner; `config` must outlive it.

#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "config/config.h"
#include "watchdog/gameday/result.h"
#include "watchdog/gameday/scenario.h"

namespace watchdog::gameday {

struct RunRequest {
  std::string scenario, component;
  std::string trigger = "cli";        // or "schedule"
  bool allow_production = false;      // --i-know-this-is-production
  bool dry_run = false;               // checks and plan only: Outcome::NotRun, nothing recorded
  std::optional<std::chrono::milliseconds> timeout;  // default: gameday.timeout, else 2×rto, else 15 min
};

struct RunnerHooks {
  std::function<bool(const std::vector<std::string>& plan)> confirm;  // false = declined; unset = yes
  std::function<bool()> interrupted;                                  // SIGINT/SIGTERM/stopping
  std::function<void(const std::string&)> progress;                   // one line per step as it happens
};

// A safety check said no (or the confirmation was declined): nothing was injected, nothing
// recorded. what() is the one-line reason.
class RefusedError : public std::runtime_error {
 public:
  using runtime_error::runtime_error;
};

using ScenarioFactory = std::function<std::unique_ptr<Scenario>(
    const std::string&, const config::Config&, const config::ComponentSpec&)>;

class Runner {
 public:
  Runner(const config::Config& config, std::filesystem::path state_dir, RunnerHooks hooks,
         ScenarioFactory factory = make_scenario);

  // Throws RefusedError, ScenarioError (unknown component or scenario, or one that does not
  // apply), store::SqliteError (no state store: the daemon never ran here).
  Result run(const RunRequest& request);
  // Reverts what crashed or killed runs left (rows not done whose owner is gone, heartbeat.h)
  // from their saved memory, and records them as Interrupted. Each row is claimed atomically
  // first and kept alive by a heartbeat while its revert runs. Returns how many it reverted.
  // A row is never closed unless its revert ran: one whose scenario this configuration cannot
  // rebuild (component gone, keys missing) stays, logged (at most every 10 min), for a
  // process with the right configuration; a revert that fails is released and retried at the
  // next call. Either blocks new game days meanwhile.
  int resume_interrupted();

 private:
  void progress(const std::string& line) const;

  const config::Config& config_;
  std::filesystem::path state_dir_;
  RunnerHooks hooks_;
  ScenarioFactory factory_;
};

// `component`, every component it depends on, theirs, … (each once, `component` first).
std::vector<std::string> dependency_closure(const config::Config& config,
                                            const std::string& component);

}  // namespace watchdog::gameday
