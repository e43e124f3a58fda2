#pragma once
// A runbook: one rung of the ladder given as `steps:` — several actions per attempt, in order,
// each with its own timeout (seed 004's "stop backend → restore → migrate → start backend").
// The first step that fails fails the attempt; then every `on_failure` step runs, whatever the
// others' outcomes (they put things back: start the backend again). Steps after a failed one
// never run. Each step is an ordinary action of any kind, built by the factory.
//
// Destructive when any step is (a restore with replace, or a step marked `destructive: true`);
// its default `when` is what all its destructive steps repair (restore_latest: not_found,
// corrupt), so the rung that holds it runs only for those failures.
// Detail: "4 steps in 5.2 s: stop-backend, restore-db, migrate, start-backend" or
// "step 2/4 restore-db failed: …; on_failure start-backend ok". The output tail has one line per
// step with its own detail, then that step's output.

#include <chrono>
#include <memory>
#include <vector>

#include "actions/guarded_action.h"
#include "config/config.h"

namespace watchdog::actions {

struct RunbookStep {
  std::shared_ptr<Action> action;
  std::chrono::milliseconds timeout{0};
  bool destructive = false;
};

class RunbookAction final : public GuardedAction {
 public:
  // Builds every step through make_action (actions/factory.h). Throws config::ConfigError.
  static std::unique_ptr<Action> create(const config::ActionSpec& spec,
                                        const std::vector<config::BackupTargetSpec>& backups);

  RunbookAction(std::string name, std::vector<RunbookStep> steps,
                std::vector<RunbookStep> on_failure);
  std::string_view kind() const override { return "runbook"; }
  // "stop-backend → restore-db → migrate → start-backend (on failure: start-backend)"
  std::string describe() const override;
  bool destructive() const override;
  std::vector<probes::FailureKind> default_when() const override;

  const std::vector<RunbookStep>& steps() const { return steps_; }

 private:
  // `timeout` caps the whole run; each step also keeps to its own.
  ActionOutcome run_once(const Incident& incident, std::chrono::milliseconds timeout) override;
  std::vector<RunbookStep> steps_;
  std::vector<RunbookStep> on_failure_;
};

}  // namespace watchdog::actions
