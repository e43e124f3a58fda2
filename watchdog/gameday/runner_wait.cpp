#include "watchdog/gameday/runner_wait.h"

#include <thread>

#include "config/units.h"
#include "watchdog/alerts/outbox.h"
#include "watchdog/gameday/measure.h"

namespace watchdog::gameday {
namespace {

using std::chrono::milliseconds;
constexpr milliseconds kPoll{250};
constexpr const char* kFailed = "FAILED";

Decision done(Outcome outcome, std::string reason) {
  return {WaitStep::Done, outcome, std::move(reason)};
}

std::string attempts_text(int attempts) {
  return std::to_string(attempts) + " recovery attempt" + (attempts == 1 ? "" : "s");
}

// "incident postgres-… CRITICAL, 1 recovery attempt" — printed when it changes.
std::string incident_line(const store::IncidentRecord& incident) {
  return "incident " + incident.id + ": " + (incident.closed ? "closed (HEALTHY again)" : "open") +
         ", worst " + incident.worst_state + ", " + attempts_text(incident.attempts);
}

}  // namespace

Decision decide(config::GamedayExpect expect, const std::optional<store::IncidentRecord>& incident,
                bool reverted) {
  if (!incident) return {};
  const bool failed = !incident->closed && incident->worst_state == kFailed;
  switch (expect) {
    case config::GamedayExpect::Recover:
      if (incident->closed) {
        return done(Outcome::Recovered, "HEALTHY again after " + attempts_text(incident->attempts));
      }
      if (failed) {
        return done(Outcome::Failed, "recovery gave up (FAILED) after " +
                                         attempts_text(incident->attempts));
      }
      return {};
    case config::GamedayExpect::Detect:
      // An incident opens when the component leaves HEALTHY: that is the detection.
      if (!reverted) return {WaitStep::Revert, Outcome::Detected, ""};
      if (incident->closed) {
        return done(Outcome::Detected, "detected (" + incident->worst_state +
                                           "), HEALTHY again after the revert");
      }
      return {};
    case config::GamedayExpect::GiveUp:
      if (failed) {
        return done(Outcome::Failed, "recovery gave up (FAILED) after " +
                                         attempts_text(incident->attempts) + ", as expected");
      }
      if (incident->closed) {
        return done(Outcome::Recovered,
                    "HEALTHY again after " + attempts_text(incident->attempts) +
                        " although the scenario expected the watchdog to give up");
      }
      return {};
  }
  return {};
}

Decision at_deadline(config::GamedayExpect expect,
                     const std::optional<store::IncidentRecord>& incident, bool reverted,
                     milliseconds timeout) {
  const std::string limit = config::format_duration(timeout);
  if (!incident) return done(Outcome::Undetected, "no incident opened within " + limit);
  if (expect == config::GamedayExpect::Detect && reverted) {
    return done(Outcome::TimedOut, "detected and reverted, but not HEALTHY again within " + limit);
  }
  return done(Outcome::TimedOut, "incident " + incident->id + " still open (worst " +
                                     incident->worst_state + ") after " + limit);
}

WaitEnd wait_for_outcome(store::StateStore& store, Scenario& scenario, Context& ctx,
                         TimePoint fault, milliseconds timeout, const WaitHooks& hooks) {
  store::IncidentJournal journal(store.db());
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const auto expect = scenario.expect();
  std::optional<store::IncidentRecord> incident;
  WaitEnd end;
  std::string last_line;
  while (true) {
    if (hooks.interrupted && hooks.interrupted()) {
      end.outcome = Outcome::Interrupted;
      end.reason = "interrupted before the outcome";
      return end;
    }
    // After a Detect scenario's revert the fault is gone: ticking would bring it back.
    if (!end.reverted) scenario.tick(ctx);
    incident = incident ? journal.find(incident->id)
                        : find_fault_incident(store, ctx.component.name, fault);
    if (incident) {
      if (end.incident_id.empty()) {
        end.incident_id = incident->id;
        if (hooks.found) hooks.found(*incident);
      }
      if (auto line = incident_line(*incident); line != last_line && hooks.progress) {
        hooks.progress(line);
        last_line = line;
      }
    }
    auto decision = decide(expect, incident, end.reverted);
    if (decision.step == WaitStep::Revert) {
      hooks.revert();
      end.reverted = true;
      continue;
    }
    if (decision.step == WaitStep::KeepWaiting && std::chrono::steady_clock::now() >= deadline) {
      decision = at_deadline(expect, incident, end.reverted, timeout);
    }
    if (decision.step == WaitStep::Done) {
      end.outcome = decision.outcome;
      end.reason = decision.reason;
      return end;
    }
    std::this_thread::sleep_for(kPoll);
  }
}

bool wait_for_alerts(store::StateStore& store, const std::string& incident_id,
                     milliseconds limit, const std::function<bool()>& interrupted) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (true) {
    bool pending = false;
    try {
      for (const auto& row : alerts::Outbox::of_incident(store.db(), incident_id)) {
        pending = pending || row.status == "pending";
      }
    } catch (const std::exception&) {
      return false;
    }
    if (!pending) return true;
    if (std::chrono::steady_clock::now() >= deadline || (interrupted && interrupted())) {
      return false;
    }
    std::this_thread::sleep_for(2 * kPoll);
  }
}

}  // namespace watchdog::gameday
