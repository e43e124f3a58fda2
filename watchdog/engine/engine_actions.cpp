// The engine's recovery side: starting actions (within max_concurrent_recoveries, on their own
// threads), queueing them, taking their outcome back into the state machine, and noting the
// rungs a ladder skipped. Loop thread only, like the rest of the engine.
#include <spdlog/spdlog.h>

#include <thread>

#include "config/redaction.h"
#include "watchdog/engine/engine.h"
#include "watchdog/engine/engine_internal.h"
#include "watchdog/logging.h"

namespace watchdog::core {

using logging::kv;

namespace {

// The last `max` bytes of an action's output, for one log field.
std::string tail(const std::string& text, std::size_t max = 512) {
  return text.size() <= max ? text : "…" + text.substr(text.size() - max);
}

}  // namespace

void Engine::on_action_done(const ActionEvent& done) {
  if (done.started) {
    --running_actions_;
    start_queued_actions();
  }
  for (auto& runtime : runtimes_) {
    if (runtime->plan.spec.name != done.component) continue;
    const auto& outcome = done.outcome;
    runtime->action_settle.reset();
    // Counted exactly as journaled (action_counts restores it at start): a restart is never
    // a lower count.
    if (done.started && !done.incident_id.empty()) {
      metrics_.count_action(done.component, done.action, outcome.ok);
    }
    spdlog::log(outcome.ok ? spdlog::level::info : spdlog::level::warn,
                "action_done {} {} {} {} {}", kv("component", done.component),
                kv("action", done.action), kv("ok", outcome.ok ? "true" : "false"),
                kv("detail", outcome.detail), kv("output", tail(outcome.output_tail)));
    recorder_.note(done.incident_id, Clock::now(), "action_done",
                   done.action + (outcome.ok ? " succeeded: " : " failed: ") + outcome.detail,
                   {{"action", done.action},
                    {"kind", done.kind},
                    {"ok", outcome.ok},
                    {"started", done.started},
                    {"detail", outcome.detail},
                    {"seconds", std::chrono::duration<double>(outcome.duration).count()},
                    {"output_tail", tail(outcome.output_tail, 2048)}});
    runtime->last_action =
        alerts::ActionSnapshot{done.action, done.kind, outcome.ok, outcome.detail};
    const bool withdrawn = !outcome.ok && done.revoked;  // the lease, not the target
    const auto result =
        step(runtime->machine, ActionFinished{outcome.ok, outcome.detail, withdrawn}, Clock::now());
    // Ask for the first verification check before switching to fast re-checks, so that one
    // check runs now and the next recheck_interval later (not two back to back).
    if (runtime->machine.phase == Phase::Verifying) {
      for (auto& worker : runtime->workers) worker->run_now();
    }
    apply(*runtime, result);
  }
}

void Engine::launch_action(Runtime& runtime, const RunAction& run) {
  const int limit = max_concurrent_;
  if (!options_.dry_run && running_actions_ >= limit) {
    runtime.queued = run;
    queued_actions_.push_back(runtime.plan.spec.name);
    spdlog::warn("action_queued {} {} {}", kv("component", runtime.plan.spec.name),
                 kv("running", std::to_string(running_actions_)),
                 kv("max_concurrent_recoveries", std::to_string(limit)));
    recovery_metrics_.set_recoveries(running_actions_, static_cast<int>(queued_actions_.size()));
    return;
  }
  start_action(runtime, run);
}

void Engine::start_action(Runtime& runtime, const RunAction& run) {
  touch(runtime);  // its action_settle must be saved, also when started from another's turn
  const auto& spec = runtime.plan.spec;
  const auto& rung = runtime.plan.ladder.at(static_cast<std::size_t>(run.rung));
  const auto action = rung.action;
  const auto timeout = rung.timeout;
  actions::Incident incident;
  incident.id = runtime.machine.incident_id;
  incident.component = spec.name;
  incident.attempt = run.attempt;
  incident.reason = run.reason;
  if (options_.fencing_token) incident.fencing_token = options_.fencing_token();
  incident.revoked = [over = tenure_over_] { return over->load(); };
  // managed_by: an action starts only when the manager is down and that was allowed.
  if (!options_.dry_run) note_acting_despite_manager(runtime);
  spdlog::warn("{} {} {} {} {} {}", options_.dry_run ? "action_skipped_dry_run" : "action_start",
               kv("component", spec.name), kv("action", action->name()),
               kv("attempt", std::to_string(run.attempt)), kv("incident", incident.id),
               kv("run", action->describe()));
  recorder_.note(incident.id, Clock::now(), "action_start",
                 (options_.dry_run ? "dry run, not started: " : "") + action->name() + ": " +
                     action->describe(),
                 {{"action", action->name()},
                  {"kind", std::string(action->kind())},
                  {"run", action->describe()},
                  {"attempt", run.attempt},
                  {"dry_run", options_.dry_run}});
  if (options_.dry_run) {
    queue_->push(Event{ActionEvent{spec.name,
                                   action->name(),
                                   std::string(action->kind()),
                                   {false, "dry run: not executed", "", {}},
                                   false,
                                   incident.id}});
    return;
  }
  ++running_actions_;
  recovery_metrics_.set_recoveries(running_actions_, static_cast<int>(queued_actions_.size()));
  runtime.action_settle = Clock::now() + timeout;
  std::thread([queue = queue_, action, incident, timeout] {
    auto outcome = action->run(incident, timeout);
    config::redact_in_place(outcome.detail);  // foreign text: secrets never go further
    config::redact_in_place(outcome.output_tail);
    const bool revoked = incident.revoked();
    queue->push(Event{ActionEvent{incident.component, action->name(), std::string(action->kind()),
                                  std::move(outcome), true, incident.id, revoked}});
  }).detach();
}

// Starts queued actions while slots are free. One whose component is no longer waiting for it
// (healed, reset, removed by a reload) is dropped; one whose component is now held ends as
// "not started" so that its state machine backs off instead of acting. Holds are brought up to
// date first: a reload earlier in this batch (managed_by added, a mute) may have made them stale,
// and an action must never start on a hold computed before it.
void Engine::start_queued_actions() {
  if (holds_stale_ && !queued_actions_.empty()) update_holds(Clock::now());
  while (!queued_actions_.empty() && running_actions_ < max_concurrent_) {
    const std::string name = queued_actions_.front();
    queued_actions_.pop_front();
    Runtime* runtime = find(name);
    if (runtime == nullptr || !runtime->queued) continue;
    const RunAction run = *runtime->queued;
    runtime->queued.reset();
    const auto& m = runtime->machine;
    if (m.state != State::Recovering || m.phase != Phase::Acting) continue;
    // A reload may have changed the ladder meanwhile: never start another rung in its place
    // (a restore where a restart was chosen); the attempt fails and the ladder chooses anew.
    const auto& ladder = runtime->plan.ladder;
    const bool same_rung = run.rung >= 0 && static_cast<std::size_t>(run.rung) < ladder.size() &&
                           ladder[static_cast<std::size_t>(run.rung)].action->name() == run.action;
    const std::string why = !m.hold.empty() ? m.hold
                            : !same_rung    ? "the ladder changed while it was queued"
                                            : "";
    if (!why.empty()) {
      // Held (lease lost, paused, …): withdrawn, it costs no attempt. A changed ladder: a plain
      // failure, so that the ladder chooses anew after the back-off.
      queue_->push(Event{ActionEvent{name, "queued", "", {false, "not started: " + why, "", {}},
                                     false, m.incident_id, !m.hold.empty()}});
      continue;
    }
    start_action(*runtime, run);
  }
  recovery_metrics_.set_recoveries(running_actions_, static_cast<int>(queued_actions_.size()));
}

void Engine::note_skipped_rungs(Runtime& runtime, const std::vector<SkippedRung>& skipped) {
  const auto& name = runtime.plan.spec.name;
  for (const auto& skip : skipped) {
    const auto& rung = runtime.plan.ladder.at(static_cast<std::size_t>(skip.rung));
    spdlog::warn("rung_skipped {} {} {}", kv("component", name), kv("action", rung.action->name()),
                 kv("reason", skip.reason));
    recorder_.note(runtime.machine.incident_id, Clock::now(), "rung_skipped", skip.reason,
                   {{"action", rung.action->name()},
                    {"kind", std::string(rung.action->kind())},
                    {"rung", skip.rung + 1},
                    {"destructive", rung.destructive}});
  }
}

}  // namespace watchdog::core
