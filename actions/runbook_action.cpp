#include "actions/runbook_action.h"

#include <algorithm>

#include "actions/factory.h"
#include "config/time_text.h"
#include "probes/clients/process_runner.h"

namespace watchdog::actions {
namespace {

using Steady = std::chrono::steady_clock;

std::vector<RunbookStep> build_steps(const std::vector<config::ActionSpec>& specs,
                                     const std::vector<config::BackupTargetSpec>& backups) {
  std::vector<RunbookStep> steps;
  for (const auto& spec : specs) {
    std::shared_ptr<Action> action = make_action(spec, backups);
    const bool destructive = spec.marked_destructive || action->destructive();
    steps.push_back({std::move(action), spec.timeout, destructive});
  }
  return steps;
}

std::string names(const std::vector<RunbookStep>& steps, const char* separator) {
  std::string text;
  for (const auto& step : steps) text += (text.empty() ? "" : separator) + step.action->name();
  return text;
}

// Runs one step within its own timeout and what is left of the runbook's; appends its line and
// output to `log`.
ActionOutcome run_step(const RunbookStep& step, const Incident& incident, Steady::time_point end,
                       std::string& log) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Steady::now());
  const auto timeout = std::max(std::chrono::milliseconds(1), std::min(step.timeout, left));
  ActionOutcome outcome = step.action->run(incident, timeout);
  log += "== " + step.action->name() + (outcome.ok ? " ok: " : " failed: ") + outcome.detail + "\n";
  if (!outcome.output_tail.empty()) log += outcome.output_tail + "\n";
  return outcome;
}

}  // namespace

std::unique_ptr<Action> RunbookAction::create(
    const config::ActionSpec& spec, const std::vector<config::BackupTargetSpec>& backups) {
  return std::make_unique<RunbookAction>(spec.name, build_steps(spec.steps, backups),
                                         build_steps(spec.on_failure, backups));
}

RunbookAction::RunbookAction(std::string name, std::vector<RunbookStep> steps,
                             std::vector<RunbookStep> on_failure)
    : GuardedAction(std::move(name)),
      steps_(std::move(steps)),
      on_failure_(std::move(on_failure)) {}

std::string RunbookAction::describe() const {
  std::string text = names(steps_, " → ");
  if (!on_failure_.empty()) text += " (on failure: " + names(on_failure_, ", ") + ")";
  return text;
}

// on_failure steps count too: a runbook that restores "on failure" is as destructive as one
// that restores as a step.
bool RunbookAction::destructive() const {
  auto any = [](const std::vector<RunbookStep>& steps) {
    return std::any_of(steps.begin(), steps.end(), [](const auto& s) { return s.destructive; });
  };
  return any(steps_) || any(on_failure_);
}

std::vector<probes::FailureKind> RunbookAction::default_when() const {
  // What every destructive step repairs (the intersection); a harmless runbook fits any failure.
  std::optional<std::vector<probes::FailureKind>> common;
  std::vector<const RunbookStep*> all;
  for (const auto& step : steps_) all.push_back(&step);
  for (const auto& step : on_failure_) all.push_back(&step);
  for (const auto* each : all) {
    const auto& step = *each;
    if (!step.destructive) continue;
    auto kinds = step.action->default_when();
    if (!common) {
      common = kinds;
      continue;
    }
    std::erase_if(*common, [&](probes::FailureKind kind) {
      return std::find(kinds.begin(), kinds.end(), kind) == kinds.end();
    });
  }
  return common.value_or(std::vector<probes::FailureKind>{});
}

ActionOutcome RunbookAction::run_once(const Incident& incident, std::chrono::milliseconds timeout) {
  ActionOutcome outcome;
  const auto start = Steady::now();
  const auto end = start + timeout;
  std::string log;
  // A replica that lost the leader lease starts no further step, and no on_failure step either:
  // the new leader is recovering the same component (actions/action.h, Incident::revoked).
  auto revoked = [&] { return incident.revoked && incident.revoked(); };
  for (std::size_t i = 0; i < steps_.size(); ++i) {
    const auto& step = steps_[i];
    if (revoked()) {
      outcome.detail = "stopped before step " + std::to_string(i + 1) + "/" +
                       std::to_string(steps_.size()) + ": this replica lost the leader lease";
      outcome.output_tail = std::move(log);
      return outcome;
    }
    ActionOutcome done = run_step(step, incident, end, log);
    if (done.ok) continue;
    outcome.detail = "step " + std::to_string(i + 1) + "/" + std::to_string(steps_.size()) + " " +
                     step.action->name() + " failed: " + done.detail;
    if (revoked()) {
      outcome.detail += "; on_failure skipped: this replica lost the leader lease";
      outcome.output_tail = std::move(log);
      return outcome;
    }
    // Put things back, even past the runbook's own deadline: each step keeps its own timeout.
    for (const auto& undo : on_failure_) {
      ActionOutcome undone = run_step(undo, incident, Steady::now() + undo.timeout, log);
      outcome.detail += "; on_failure " + undo.action->name() + (undone.ok ? " ok" : " failed");
    }
    outcome.ok = false;
    outcome.output_tail = std::move(log);
    return outcome;
  }
  outcome.ok = true;
  outcome.detail = std::to_string(steps_.size()) + " steps in " +
                   config::human_duration(Steady::now() - start) + ": " + names(steps_, ", ");
  outcome.output_tail = std::move(log);
  return outcome;
}

}  // namespace watchdog::actions
