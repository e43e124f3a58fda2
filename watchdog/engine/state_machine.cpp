#include "watchdog/engine/state_machine.h"

#include <algorithm>
#include <array>

#include "config/time_text.h"
#include "config/units.h"
#include "watchdog/engine/backoff.h"
#include "watchdog/engine/ladder.h"

namespace watchdog::core {
namespace {

void record(ProbeTrack& track, Level level) {
  const bool ok = level == Level::Ok;
  const bool fail = level == Level::Fail;
  track.ok_streak = ok ? track.ok_streak + 1 : 0;
  track.not_fail_streak = fail ? 0 : track.not_fail_streak + 1;
  track.bad_streak = ok ? 0 : track.bad_streak + 1;
  track.fail_streak = fail ? track.fail_streak + 1 : 0;

  // Worsen once a streak reaches failure_threshold …
  if (track.fail_streak >= track.failure_threshold) {
    track.verdict = Verdict::Fail;
    return;
  }
  if (track.bad_streak >= track.failure_threshold &&
      (track.verdict == Verdict::Ok || track.verdict == Verdict::Pending)) {
    track.verdict = Verdict::Warn;
    return;
  }
  // … improve once a better streak reaches success_threshold.
  if (track.verdict != Verdict::Ok && track.ok_streak >= track.success_threshold) {
    track.verdict = Verdict::Ok;
  } else if ((track.verdict == Verdict::Fail || track.verdict == Verdict::Pending) &&
             track.not_fail_streak >= track.success_threshold) {
    track.verdict = Verdict::Warn;
  }
}

// "api-http: connection refused" for the worst probe, or `fallback` when all pass.
std::string worst_reason(const Component& c, const std::string& fallback) {
  const ProbeTrack* worst_track = nullptr;
  for (const auto& track : c.probes) {
    if (track.verdict == Verdict::Warn && track.last_failure == "stopped") {
      return track.name + ": " + track.last_detail;  // the stop explains the rest
    }
  }
  for (const auto& track : c.probes) {
    if (track.verdict == Verdict::Fail) {
      worst_track = &track;
      break;
    }
    if (track.verdict == Verdict::Warn && worst_track == nullptr) worst_track = &track;
  }
  if (worst_track == nullptr) return fallback;
  return worst_track->name + ": " + worst_track->last_detail;
}

// A recovery episode is over (the component passes again, or an operator reset it): the next
// one starts at rung 1 with a fresh attempt budget.
void end_episode(Component& c) {
  c.attempts = 0;
  c.next_rung = 0;
  c.destructive_ran.clear();
}

void enter(Component& c, State to, const std::string& reason, TimePoint now, StepResult& out) {
  if (c.state == to) return;
  if (c.state == State::Healthy && c.incident_id.empty()) {
    c.incident_id = make_incident_id(c.name, now);
  }
  out.transitions.push_back({c.state, to, reason, c.incident_id, c.attempts});
  if (const auto edge = note_change(c.flap, c.flap_policy, c.state, to, now);
      edge != FlapEdge::None) {
    out.flap = edge;
  }
  // Passing again (also from a CRITICAL that a hold sent back from RECOVERING): the episode is
  // over, the next failure climbs from rung 1 and counts for the flap guard.
  if (to == State::Healthy || to == State::Degraded) end_episode(c);
  c.state = to;
  c.since = now;
  if (to != State::Recovering) c.phase = Phase::Idle;
  if (to == State::Healthy) {
    c.incident_id.clear();
    end_episode(c);
  }
}

void give_up(Component& c, const std::string& why, TimePoint now, StepResult& out) {
  enter(c, State::Failed, "recovery gave up: " + why, now, out);
}

void start_attempt(Component& c, std::size_t rung, const std::string& reason, TimePoint now,
                   StepResult& out) {
  if (c.attempts == 0) c.episode_starts.push_back(now);
  const int attempt = ++c.attempts;
  c.next_rung = rung + 1;
  if (c.policy.ladder[rung].destructive) c.destructive_ran.push_back(rung);
  c.phase = Phase::Acting;
  out.run_action = RunAction{static_cast<int>(rung), c.policy.ladder[rung].name, attempt, reason};
  enter(c, State::Recovering,
        "attempt " + std::to_string(attempt) + "/" + std::to_string(c.policy.max_attempts) + " (" +
            c.policy.ladder[rung].name + "): " + reason,
        now, out);
  c.phase = Phase::Acting;  // enter() resets the phase only for non-RECOVERING states
}

// The next attempt, or FAILED when the episode's budget is spent, the component flaps, or no
// rung fits the failure.
void attempt_or_give_up(Component& c, TimePoint now, StepResult& out) {
  const std::string reason = worst_reason(c, "probes failing");
  if (c.attempts >= c.policy.max_attempts) {
    give_up(c, std::to_string(c.attempts) + " attempt(s) failed: " + reason, now, out);
    return;
  }
  if (c.attempts == 0) {
    std::erase_if(c.episode_starts, [&](TimePoint t) { return t <= now - c.policy.window; });
    if (static_cast<int>(c.episode_starts.size()) >= c.policy.max_incidents) {
      give_up(c,
              "flapping: " + std::to_string(c.episode_starts.size()) +
                  " incident(s) needed recovery within " +
                  config::format_duration(c.policy.window) + " (max_incidents " +
                  std::to_string(c.policy.max_incidents) + "): " + reason,
              now, out);
      return;
    }
  }
  const auto rung = choose_rung(c, out.skipped);
  if (!rung) {
    give_up(c, "no recovery rung fits the failure: " + reason, now, out);
    return;
  }
  start_attempt(c, *rung, reason, now, out);
}

void start_recovery_if_due(Component& c, TimePoint now, StepResult& out) {
  if (c.state != State::Critical || c.policy.ladder.empty() || !c.hold.empty()) return;
  attempt_or_give_up(c, now, out);
}

void attempt_failed(Component& c, const std::string& reason, TimePoint now, StepResult& out) {
  if (c.attempts >= c.policy.max_attempts) {
    give_up(c, std::to_string(c.attempts) + " attempt(s) failed: " + reason, now, out);
    return;
  }
  c.phase = Phase::BackingOff;
  c.phase_deadline = now + backoff_delay(c.policy.backoff, c.policy.max_backoff, c.attempts);
}

void clear_verdicts(Component& c) {
  for (auto& track : c.probes) {
    track.verdict = Verdict::Pending;
    track.ok_streak = track.not_fail_streak = track.bad_streak = track.fail_streak = 0;
  }
}

}  // namespace

std::optional<State> decided_health(const Component& c) {
  bool warn = false, pending = false;
  for (const auto& track : c.probes) {
    if (track.verdict == Verdict::Fail) {
      return c.critical && !planned_stop(c) ? State::Critical : State::Degraded;
    }
    warn |= track.verdict == Verdict::Warn;
    pending |= track.verdict == Verdict::Pending;
  }
  if (pending) return std::nullopt;
  return warn ? State::Degraded : State::Healthy;
}

State health_of(const Component& component) {
  return decided_health(component).value_or(State::Healthy);
}

namespace {

// Flapping also ends with time passing (results and ticks), not only with a transition.
StepResult aged(Component& c, StepResult out, TimePoint now) {
  if (out.flap == FlapEdge::None) out.flap = age(c.flap, c.flap_policy, now);
  return out;
}

StepResult on_probe(Component& c, const ProbeReported& input, TimePoint now) {
  StepResult out;
  if (input.probe >= c.probes.size()) return out;
  auto& track = c.probes[input.probe];
  track.last_detail = input.detail;
  if (input.level != Level::Ok) track.last_failure = input.failure;
  const bool stale = c.state == State::Recovering && c.phase == Phase::Verifying && input.started &&
                     *input.started < c.verify_since;
  if (stale) return out;
  record(track, input.level);

  const auto health = decided_health(c);
  if (!health) return out;
  const bool passing = *health == State::Healthy || *health == State::Degraded;
  switch (c.state) {
    case State::Healthy:
    case State::Degraded:
    case State::Critical:
      enter(c, *health, worst_reason(c, "all probes pass"), now, out);
      start_recovery_if_due(c, now, out);
      break;
    case State::Recovering:
      if (c.phase == Phase::Acting) break;  // judged once the action has finished
      if (passing) {
        enter(c, *health,
              "recovered after attempt " + std::to_string(c.attempts) + ": " +
                  worst_reason(c, "all probes pass"),
              now, out);
      } else if (c.phase == Phase::Verifying) {
        attempt_failed(c, worst_reason(c, "probes still failing"), now, out);
      }
      break;
    case State::Failed:
      if (passing) enter(c, *health, worst_reason(c, "all probes pass again"), now, out);
      break;
  }
  return out;
}

}  // namespace

StepResult step(Component& c, const ProbeReported& input, TimePoint now) {
  return aged(c, on_probe(c, input, now), now);
}

StepResult step(Component& c, const ActionFinished& input, TimePoint now) {
  StepResult out;
  if (c.state != State::Recovering || c.phase != Phase::Acting) return out;  // stale
  if (input.ok) {
    c.phase = Phase::Verifying;
    c.verify_since = now;
    c.phase_deadline = now + c.policy.verify_timeout;
    clear_verdicts(c);
  } else if (input.withdrawn) {
    if (c.attempts > 0 && --c.attempts == 0 && !c.episode_starts.empty()) {
      c.episode_starts.pop_back();  // no attempt of this episode ran: it did not start
    }
    // The same rung comes next — unless it is destructive: one that may have run half-way is
    // never repeated on its own (destructive_ran keeps it).
    if (c.next_rung > 0 && !c.policy.ladder[c.next_rung - 1].destructive) --c.next_rung;
    c.phase = Phase::BackingOff;  // judged at once: a hold makes it CRITICAL, else it acts again
    c.phase_deadline = now;
  } else {
    attempt_failed(c, "action failed: " + input.detail, now, out);
  }
  return out;
}

StepResult step(Component& c, const Tick&, TimePoint now) {
  StepResult out;
  if (c.state != State::Recovering || now < c.phase_deadline) return aged(c, std::move(out), now);
  if (c.phase == Phase::Settling) {
    c.phase = Phase::Verifying;  // the orphaned action's time is up: judge from now on
    c.verify_since = now;
    c.phase_deadline = now + c.policy.verify_timeout;
    clear_verdicts(c);
  } else if (c.phase == Phase::Verifying) {
    attempt_failed(c, "not healthy within verify_timeout: " + worst_reason(c, "no result"), now,
                   out);
  } else if (c.phase == Phase::BackingOff) {
    if (!c.hold.empty()) {
      enter(c, State::Critical,
            "next attempt held: " + c.hold + "; " + worst_reason(c, "probes failing"), now, out);
    } else {
      attempt_or_give_up(c, now, out);
    }
  }
  return aged(c, std::move(out), now);
}

StepResult step(Component& c, const OperatorReset&, TimePoint now) {
  StepResult out;
  if (c.state != State::Failed) return out;
  end_episode(c);
  c.episode_starts.clear();
  clear_verdicts(c);
  enter(c, State::Critical, "reset by operator; probing again", now, out);
  return out;
}

StepResult step(Component& c, const OperatorRecover&, TimePoint now) {
  StepResult out;
  // CRITICAL right after a reset or a released hold has Pending verdicts: nothing is known
  // about the service yet, and no rung is chosen blind.
  const bool waiting = (c.state == State::Critical && decided_health(c) == State::Critical) ||
                       (c.state == State::Recovering && c.phase == Phase::BackingOff);
  if (waiting && c.hold.empty() && !c.policy.ladder.empty()) attempt_or_give_up(c, now, out);
  return out;
}

StepResult step(Component& c, const HoldChanged& input, TimePoint) {
  StepResult out;
  const bool released = !c.hold.empty() && input.hold.empty();
  c.hold = input.hold;
  if (released && c.state == State::Critical) {
    clear_verdicts(c);
    out.reprobe = true;
  }
  return out;
}

StepResult step(Component& c, const Resumed& input, TimePoint now) {
  StepResult out;
  if (c.state != State::Recovering || c.phase == Phase::BackingOff) return out;  // timer goes on
  // The restart lost the thread that would have finished the action or its verification.
  // Judge the component by fresh probe results only.
  clear_verdicts(c);
  out.reprobe = true;
  c.verify_since = now;
  if ((c.phase == Phase::Acting || c.phase == Phase::Settling) && input.settle_until > now) {
    c.phase = Phase::Settling;
    c.phase_deadline = input.settle_until;
  } else {
    c.phase = Phase::Verifying;
    c.phase_deadline = now + c.policy.verify_timeout;
  }
  return out;
}

bool planned_stop(const Component& c) {
  return std::any_of(c.probes.begin(), c.probes.end(), [](const ProbeTrack& t) {
    return t.verdict == Verdict::Warn && t.last_failure == "stopped";
  });
}

bool wants_fast_recheck(const Component& c, std::size_t probe) {
  if (probe >= c.probes.size()) return false;
  if (c.state == State::Recovering && (c.phase == Phase::Verifying || c.phase == Phase::Settling)) {
    return true;
  }
  const auto& t = c.probes[probe];
  switch (t.verdict) {
    case Verdict::Pending:
      return true;
    case Verdict::Ok:
      return t.bad_streak > 0;  // first failure: decide quickly
    case Verdict::Warn:
      return t.fail_streak > 0 || t.ok_streak > 0;
    case Verdict::Fail:
      return t.not_fail_streak > 0;  // passing again: confirm quickly
  }
  return false;
}

std::optional<TimePoint> next_deadline(const Component& c) {
  if (c.state == State::Recovering && c.phase != Phase::Acting && c.phase != Phase::Idle) {
    return c.phase_deadline;
  }
  return std::nullopt;
}

std::string make_incident_id(const std::string& component, TimePoint at) {
  // Milliseconds too: two incidents of one component within a second (a flapping service)
  // must not share an id, or their alerts would share idempotency keys.
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch());
  const auto millis = std::to_string(1000 + (ms.count() % 1000 + 1000) % 1000).substr(1);
  return component + "-" + config::format_utc(at, "%Y%m%dT%H%M%S") + "." + millis + "Z";
}

}  // namespace watchdog::core
