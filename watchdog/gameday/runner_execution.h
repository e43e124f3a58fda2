#pragma once
// One recorded game day from prepare() to the stored result: prepare → inject → wait for the
// outcome → data_loss → revert (always: also after an error in any step or an interruption,
// with the scenario's memory saved first) → conclude (runner_record.h). A revert that fails
// leaves the row unfinished (released by the runner), so that resume_interrupted() tries
// again, and says so loudly. A run whose row another process claimed (claim_lost) stops like an interrupted
// one and records nothing: the row is the claimer's now.

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>

#include "config/config.h"
#include "watchdog/gameday/gameday_store.h"
#include "watchdog/gameday/result.h"
#include "watchdog/gameday/runner.h"
#include "watchdog/gameday/scenario.h"

namespace watchdog::gameday {

class Execution {
 public:
  Execution(const config::Config& config, const config::ComponentSpec& component,
            Scenario& scenario, store::StateStore& store, GamedayStore& rows,
            const RunnerHooks& hooks, std::chrono::milliseconds timeout,
            std::function<bool()> claim_lost = {})
      : config_(config),
        component_(component),
        scenario_(scenario),
        store_(store),
        rows_(rows),
        hooks_(hooks),
        timeout_(timeout),
        claim_lost_(std::move(claim_lost)) {}

  // `result` holds the id and the plan; run() fills the rest.
  void run(Result& result);
  // The revert threw: the row is left unfinished (and the caller releases it once its
  // heartbeat has stopped, GamedayStore::release).
  bool revert_failed() const { return revert_failed_; }

 private:
  void note(Result& result, const std::string& text);
  // Another process took the row over (heartbeat.h): this run stops as if interrupted.
  bool lost() const { return claim_lost_ && claim_lost_(); }
  bool interrupted() const { return lost() || (hooks_.interrupted && hooks_.interrupted()); }
  void revert(Context& ctx, Result& result);
  void best_effort(Result& result, const char* what, const std::function<void()>& step);
  void steps(Context& ctx, Result& result);

  const config::Config& config_;
  const config::ComponentSpec& component_;
  Scenario& scenario_;
  store::StateStore& store_;
  GamedayStore& rows_;
  const RunnerHooks& hooks_;
  std::chrono::milliseconds timeout_;
  std::function<bool()> claim_lost_;
  nlohmann::json memory_ = nlohmann::json::object();
  bool reverted_ = false;
  bool revert_failed_ = false;
};

// The Context a scenario acts through, wired to the store: save() writes its memory to the
// game day's row, request() queues an operator request for the daemon. `memory` and `note`
// must outlive it.
Context make_context(const config::Config& config, const config::ComponentSpec& component,
                     store::StateStore& store, GamedayStore& rows, const std::string& id,
                     nlohmann::json& memory, std::function<void(const std::string&)> note,
                     std::function<bool()> interrupted);

}  // namespace watchdog::gameday
