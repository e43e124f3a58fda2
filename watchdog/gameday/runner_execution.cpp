#include "watchdog/gameday/runner_execution.h"

#include <spdlog/spdlog.h>

#include "config/units.h"
#include "watchdog/gameday/runner_record.h"
#include "watchdog/gameday/runner_safety.h"
#include "watchdog/gameday/runner_wait.h"
#include "watchdog/logging.h"

namespace watchdog::gameday {

using logging::kv;

// How long the incident's alerts get to leave the outbox after the outcome: two of the
// outbox's longest retry gaps.
constexpr std::chrono::minutes kAlertsSettle{2};

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

// Bookkeeping around the revert must never stand in its way: a busy or full store (disk-filling
// may have filled the state volume) is logged and the revert runs all the same.
void Execution::best_effort(Result& result, const char* what, const std::function<void()>& step) {
  try {
    step();
  } catch (const std::exception& error) {
    spdlog::warn("gameday_bookkeeping_failed {} {} {}", kv("id", result.id), kv("step", what),
                 kv("error", error.what()));
  }
}

void Execution::revert(Context& ctx, Result& result) {
  if (reverted_) return;
  // What the steps so far left, in case the revert itself is cut short.
  best_effort(result, "save_memory", [&] { ctx.save(); });
  best_effort(result, "set_status", [&] { rows_.set_status(result.id, kStatusReverting); });
  note(result, "revert: started");
  scenario_.revert(ctx);
  reverted_ = true;
  result.reverted = Clock::now();
  best_effort(result, "save_memory", [&] { ctx.save(); });
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
  // prepare() may have taken minutes (a fresh backup): an incident that opened meanwhile on
  // the component or a dependency would be measured as the game day's, and breaking more of a
  // broken stack helps nobody. Refused now; what prepare() set up is reverted.
  try {
    store::IncidentJournal journal(store_.db());
    check_no_open_incident(journal, config_, component_.name);
  } catch (const RefusedError& refusal) {
    result.outcome = Outcome::NotRun;
    result.reason = std::string("refused before the fault: ") + refusal.what();
    note(result, result.reason);
    return;
  }
  note(result, "inject: started");
  // The fault begins when injecting begins (a DROP or a stop takes effect inside inject(), and
  // the probes may see it before inject() returns): the figures count from here.
  const auto inject_started = Clock::now();
  scenario_.inject(ctx);
  result.fault = inject_started;
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
                             [this] { return interrupted(); });
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
    revert_failed_ = true;
    return;
  }
  // The alerts of the incident may still be on their way (a sink that was down is retried
  // with backoff): the judge asks whether they were delivered, so give them a bounded while.
  if (!result.incident_id.empty() && result.outcome != Outcome::Interrupted &&
      result.outcome != Outcome::Error) {
    if (!wait_for_alerts(store_, result.incident_id, kAlertsSettle,
                         [this] { return interrupted(); })) {
      note(result, "alerts: some still pending after " + config::format_duration(kAlertsSettle));
    }
  }
  read_sink_outage(memory_, result);
  result.ended = Clock::now();
  if (lost()) {
    result.outcome = Outcome::Interrupted;
    result.reason = "another process took this game day over (its heartbeat was stale); it "
                    "records the result";
    note(result, result.reason);
    spdlog::error("gameday_taken_over {} {}", kv("id", result.id),
                  kv("component", result.component));
    return;
  }
  conclude(store_, rows_, config_, result);
}

}  // namespace watchdog::gameday
