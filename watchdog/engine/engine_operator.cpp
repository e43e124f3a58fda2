// Operator requests: what the CLI (`watchdog reset/pause/resume`) and the HTTP operator API
// (watchdog/http/operator_api.h) ask for arrives as rows of the state store's `requests` table.
// The engine applies them here, on its loop thread, in the order they were made, and answers
// each with an outcome and one line. Every request is logged and noted in the component's open
// incident (who asked: "cli" or "api <address>").
#include <spdlog/spdlog.h>

#include <algorithm>

#include "config/units.h"
#include "watchdog/engine/component_codec.h"
#include "watchdog/engine/engine_internal.h"
#include "watchdog/logging.h"

namespace watchdog::core {

using logging::kv;

namespace {

// Acting requests older than this are refused: a recover or reset is about the component as
// it was when asked, not as it is after a restart.
constexpr auto kRequestExpiry = std::chrono::seconds(30);

// A request another process wrote (the CLI: it cannot push RequestsQueuedEvent) waits this long
// at most while the loop turns for routine results only.
constexpr auto kOperatorPollInterval = std::chrono::milliseconds(250);

OperatorAnswer refused(std::string why) { return {store::kRequestRefused, std::move(why)}; }
OperatorAnswer done(std::string what) { return {store::kRequestDone, std::move(what)}; }

std::string who(const store::Request& request) {
  return request.requested_by.empty() ? "cli" : request.requested_by;
}

}  // namespace

void Engine::requests_queued() const { queue_->push(Event{RequestsQueuedEvent{}}); }

// Whether this turn asks the store before it handles `batch` (see Engine::loop). Only routine
// results let it wait: Ok results of HEALTHY components with no open incident whose results
// move no hold (no dependents; no first failure to forget that a hold depends on). They start
// no action, send no alert and change no hold, so a pause that is not read yet changes nothing
// about them. Anything else in the batch — a failing or degraded result, an action's end, a
// reload, a RequestsQueuedEvent — is judged with the pauses and requests as they are now.
bool Engine::operator_poll_due(const std::deque<Event>& batch,
                               std::chrono::steady_clock::time_point now) const {
  if (options_.store == nullptr) return false;
  if (requests_pending_ || now - last_operator_poll_ >= kOperatorPollInterval) return true;
  auto routine = [&](const Event& event) {
    const auto* probe = std::get_if<ProbeEvent>(&event.body);
    if (probe == nullptr) return false;
    if (probe->generation != generation_) return true;  // dropped unread
    const auto& runtime = *runtimes_[probe->component];
    const auto& m = runtime.machine;
    return probe->result.status == probes::ProbeStatus::Healthy && m.state == State::Healthy &&
           m.incident_id.empty() && !runtime.has_dependents &&
           !(runtime.first_failure && runtime.first_failure_matters());
  };
  return !std::all_of(batch.begin(), batch.end(), routine);
}

void Engine::poll_operator_requests_once() {
  if (!operator_polled_) poll_operator_requests();
}

// Pauses and requests arrive through the state store from other processes and from the HTTP
// threads (each with its own connection): one cheap query when nothing changed. Each request is
// answered on its own: one that throws is answered `error`, the rest go on, and a turn that
// could not read or complete them polls again on the next turn.
void Engine::poll_operator_requests() {
  if (options_.store == nullptr) return;
  operator_polled_ = true;
  last_operator_poll_ = std::chrono::steady_clock::now();
  std::vector<store::Request> pending;
  try {
    if (!options_.store->changed_elsewhere() && !requests_pending_) return;
    requests_pending_ = false;
    // Pauses (a CLI pause, an API pause) and leadership as of now, before any request is
    // judged: also at start, before requests left from before a restart.
    refresh_mutes_and_holds(Clock::now());
    pending = options_.store->pending_requests();
  } catch (const std::exception& error) {
    requests_pending_ = true;
    spdlog::error("operator_requests_failed {}", kv("error", error.what()));
    return;
  }
  for (const auto& request : pending) complete(request);
  if (pending.empty()) return;
  try {
    mutes_ = options_.store->mutes();  // with the pauses applied just now
  } catch (const std::exception& error) {
    holds_stale_ = true;
    requests_pending_ = true;
    spdlog::error("operator_requests_failed {}", kv("error", error.what()));
  }
}

void Engine::complete(const store::Request& request) {
  OperatorAnswer answer;
  try {
    answer = answer_request(request);
  } catch (const std::exception& error) {
    answer = {store::kRequestError, request.kind + " failed: " + error.what()};
  }
  spdlog::warn("operator_request {} {} {} {} {}", kv("id", std::to_string(request.id)),
               kv("kind", request.kind), kv("component", request.component),
               kv("requested_by", who(request)), kv("result", answer.result));
  try {
    options_.store->complete_request(request.id, answer.result, answer.outcome, Clock::now());
  } catch (const std::exception& error) {
    requests_pending_ = true;  // answered again next turn
    spdlog::error("operator_request_unsaved {} {}", kv("id", std::to_string(request.id)),
                  kv("error", error.what()));
  }
}

// Pauses as the store has them now (the CLI and the API write them), then the holds from them
// and from leadership.
void Engine::refresh_mutes_and_holds(TimePoint now) {
  if (options_.store != nullptr) mutes_ = options_.store->mutes();
  update_holds(now);
}

OperatorAnswer Engine::answer_request(const store::Request& request) {
  Runtime* runtime = find(request.component);
  if (runtime == nullptr) {
    return {store::kRequestNotFound, "no component named '" + request.component + "'"};
  }
  nlohmann::json data = nlohmann::json::parse(request.data, nullptr, false);
  if (!data.is_object()) data = nlohmann::json::object();
  const auto now = Clock::now();
  OperatorAnswer answer;
  const bool acts = request.kind == "reset" || request.kind == "recover" || request.kind == "ack";
  if (acts && now - request.created > kRequestExpiry) {
    // Left from before a restart, or from while the loop was stuck: the situation it was
    // asked for is gone.
    answer = refused(request.kind + " expired: asked " +
                     config::format_duration(
                         std::chrono::duration_cast<config::Duration>(now - request.created)) +
                     " ago, not applied (ask again)");
  } else if (request.kind == "reset") {
    answer = operator_reset(*runtime);
  } else if (request.kind == "pause") {
    answer = operator_pause(*runtime, data, now);
  } else if (request.kind == "resume") {
    answer = operator_resume(*runtime);
  } else if (request.kind == "recover") {
    answer = operator_recover(*runtime, now);
  } else if (request.kind == "ack") {
    answer =
        operator_acknowledge(*runtime, data.value("incident", std::string()), who(request), now);
  } else {
    return refused("unknown request '" + request.kind + "'");
  }
  recorder_.note(runtime->machine.incident_id, now, "operator",
                 request.kind + " by " + who(request) + ": " + answer.result,
                 {{"request", request.id},
                  {"kind", request.kind},
                  {"requested_by", who(request)},
                  {"outcome", answer.outcome}});
  return answer;
}

OperatorAnswer Engine::operator_reset(Runtime& runtime) {
  const auto& name = runtime.plan.spec.name;
  if (runtime.machine.state != State::Failed) {
    return refused(name + " is " + std::string(to_string(runtime.machine.state)) +
                   ", not FAILED: nothing to reset");
  }
  apply(runtime, step(runtime.machine, OperatorReset{}, Clock::now()));
  for (auto& worker : runtime.workers) worker->run_now();
  return done("reset: " + name + " is probing again");
}

// The mute itself is the store's `mutes` row (so a pause outlives a restart); the CLI writes
// that row at once too, so that a pause works while no daemon runs.
OperatorAnswer Engine::operator_pause(Runtime& runtime, const nlohmann::json& data, TimePoint now) {
  const auto& name = runtime.plan.spec.name;
  const auto until = from_epoch_ms(data.value("until_ms", std::int64_t{0}));
  if (until <= now) return refused("pause of " + name + " has already ended");
  options_.store->set_mute({name, until, data.value("reason", std::string()), now});
  holds_stale_ = true;
  return done("paused " + name + " until " + config::format_rfc3339_ms(until) +
              ": probing goes on, actions and alerts are muted");
}

OperatorAnswer Engine::operator_resume(Runtime& runtime) {
  const auto& name = runtime.plan.spec.name;
  options_.store->clear_mute(name);  // the CLI may have cleared it already
  holds_stale_ = true;
  return done("resumed " + name + ": it is re-probed before any action");
}

// Runs the next recovery rung now instead of after the back-off. It never overrides a hold (a
// pause, a failing dependency, another replica leading) nor the attempt and flap limits, and
// it does not start recovery of a component that passes its probes, nor of one whose probes
// have not decided since a reset or a released hold: that is the probes' call. When the step
// gives up (no rung fits, budget or flap guard), the answer says so.
OperatorAnswer Engine::operator_recover(Runtime& runtime, TimePoint now) {
  // Holds as of now: a pause answered just before in this batch, a lost lease.
  refresh_mutes_and_holds(now);
  const auto& m = runtime.machine;
  const std::string state(to_string(m.state));
  if (!runtime.hold.reason.empty()) return refused(m.name + " is held: " + runtime.hold.reason);
  if (m.policy.ladder.empty()) return refused(m.name + " has no recovery ladder");
  if (m.state == State::Failed) {
    return refused(m.name + " is FAILED: reset it first (recovery gave up)");
  }
  if (m.state != State::Recovering && m.state != State::Critical) {
    return refused(m.name + " is " + state + ": nothing to recover");
  }
  if (m.state == State::Recovering && m.phase != Phase::BackingOff) {
    return refused(m.name + " is already recovering (attempt " + std::to_string(m.attempts) +
                   " running or being verified)");
  }
  if (m.state == State::Critical && decided_health(m) != State::Critical) {
    return refused(m.name + " is CRITICAL, waiting for fresh probe results (after a reset or a " +
                   "released hold): it is not acted on blind");
  }
  const auto attempts_before = m.attempts;
  const auto stepped = step(runtime.machine, OperatorRecover{}, now);
  apply(runtime, stepped);
  for (const auto& transition : stepped.transitions) {
    if (transition.to == State::Failed) {
      return {store::kRequestGaveUp, "recover: " + m.name + " is FAILED: " + transition.reason};
    }
  }
  if (runtime.machine.attempts == attempts_before) {
    return refused(m.name + " is " + std::string(to_string(runtime.machine.state)) +
                   ": no attempt started");
  }
  return done("recover: " + m.name + " attempt " + std::to_string(runtime.machine.attempts) +
              " started");
}

// Reminders of an acknowledged incident stop (the engine's side), and every sink that alerted
// it is told (PagerDuty: an `acknowledge` event) through the outbox like any alert.
OperatorAnswer Engine::operator_acknowledge(Runtime& runtime, const std::string& incident_id,
                                            const std::string& by, TimePoint now) {
  const auto& m = runtime.machine;
  if (incident_id.empty() || m.incident_id != incident_id) {
    return refused("incident '" + incident_id + "' is not open");
  }
  if (runtime.acknowledged == incident_id) return done(incident_id + " was already acknowledged");
  runtime.acknowledged = incident_id;
  touch(runtime);
  acknowledge_alerts(runtime, by, now);
  return done("acknowledged " + incident_id + ": reminders stop");
}

}  // namespace watchdog::core
