#include "watchdog/gameday/runner_execution.h"

#include <spdlog/spdlog.h>

#include "config/units.h"
#include "watchdog/gameday/runner_record.h"
#include "watchdog/gameday/runner_wait.h"
#include "watchdog/logging.h"

namespace watchdog::gameday {

using logging::kv;

Context make_context(const config::Config& config, const config::ComponentSpec& component,
                     store::StateStore& store, GamedayStore& rows, const std::string& id,
                     nlohmann::json& memory, std::function<void(const std::string&)> note,
                     std::function<bool()> interrupted) {
  return Context{
      config,
      component,
      memory,
      [&rows, &memory, id] { rows.save_memory(id, memory.dump()); },
      std::move(note),
      interrupted ? std::move(interrupted) : [] { return false; },
      [&store, component = component.name, id](const std::string& kind, const std::string& data) {
        store.add_request({kind, component, "gameday " + id, data}, Clock::now());
      }};
}

void Execution::note(Result& result, const std::string& text) {
  result.timeline.push_back({Clock::now(), "gameday", text});
  if (hooks_.progress) hooks_.progress(text);
}

void Execution::revert(Context& ctx, Result& result) {
  if (reverted_) return;
  ctx.save();  // what the steps so far left, in case the revert itself is cut short
  rows_.set_status(result.id, kStatusReverting);
  note(result, "revert: started");
  scenario_.revert(ctx);
  reverted_ = true;
  result.reverted = Clock::now();
  ctx.save();
  note(result, "revert: done");
}

void Execution::steps(Context& ctx, Result& result) {
  note(result, "prepare: started");
  scenario_.prepare(ctx);
  ctx.save();
  if (interrupted()) {
    result.outcome = Outcome::Interrupted;
    result.reason = "interrupted before the fault was injected";
    return;
  }
  note(result, "inject: started");
  scenario_.inject(ctx);
  result.fault = Clock::now();
  rows_.mark_fault(result.id, *result.fault);
  ctx.save();
  note(result, "inject: fault in place; waiting up to " + config::format_duration(timeout_) +
                   " for the watchdog");
  WaitHooks wait_hooks;
  wait_hooks.interrupted = [this] { return interrupted(); };
  wait_hooks.revert = [&] { revert(ctx, result); };
  wait_hooks.found = [&](const store::IncidentRecord& incident) {
    note(result, "incident " + incident.id + " opened: " + incident.reason);
    try {
      mark_incident(store_, incident.id, result);
    } catch (const std::exception& error) {  // the mark is a courtesy; the figures stand
      spdlog::warn("gameday_mark_failed {} {}", kv("id", result.id), kv("error", error.what()));
    }
  };
  wait_hooks.progress = hooks_.progress;
  const auto end = wait_for_outcome(store_, scenario_, ctx, *result.fault, timeout_, wait_hooks);
  result.outcome = end.outcome;
  result.reason = end.reason;
  result.incident_id = end.incident_id;
  note(result, std::string("outcome: ") + outcome_name(end.outcome) + " (" + end.reason + ")");
}

void Execution::run(Result& result) {
  Context ctx = make_context(config_, component_, store_, rows_, result.id, memory_,
                             [this, &result](const std::string& line) { note(result, line); },
                             hooks_.interrupted);
  try {
    steps(ctx, result);
  } catch (const std::exception& error) {
    // A step that sees the interruption gives up by throwing (database-dropped's pauses around
    // its fresh backup): the game day was interrupted, no step broke.
    const bool cut_short = interrupted();
    result.outcome = cut_short ? Outcome::Interrupted : Outcome::Error;
    result.reason = error.what();
    note(result, std::string(cut_short ? "interrupted: " : "error: ") + error.what());
  }
  // Data loss only means something once the watchdog answered; an interrupted or broken run
  // goes straight to the revert.
  if (result.fault && result.outcome != Outcome::Interrupted && result.outcome != Outcome::Error) {
    try {
      result.data_loss = scenario_.data_loss(ctx);
    } catch (const std::exception& error) {
      note(result, std::string("data loss: not measured: ") + error.what());
    }
  }
  try {
    revert(ctx, result);
  } catch (const std::exception& error) {
    // The fault may still be in place: the row stays unfinished, so that the next
    // `watchdog gameday` or `watchdog run` tries the revert again (and no game day starts
    // before it succeeds).
    result.outcome = Outcome::Error;
    result.reason = std::string("revert failed: ") + error.what() +
                    " — the fault may still be in place; the next `watchdog gameday` or "
                    "`watchdog run` retries the revert";
    result.ended = Clock::now();
    note(result, result.reason);
    spdlog::error("gameday_revert_failed {} {} {}", kv("id", result.id),
                  kv("component", result.component), kv("error", error.what()));
    return;
  }
  result.ended = Clock::now();
  conclude(store_, rows_, config_, result);
}

}  // namespace watchdog::gameday
