// The engine's side of alerting: one event per transition (handed to the dispatcher, which
// writes it to the outbox and returns at once), and reminders for incidents that stay open.
// Neither is sent while the component is muted (pause, maintenance) or this replica is not
// the leader; the incident journal notes which, and the latest suppressed transition goes out
// once the suppression ends (an incident that outlives a pause is still announced).
//
// Flapping (flapping.h): while a component flaps, one FLAPPING alert (and its reminders) stands
// for its transitions; theirs are journaled as suppressed, the latest held back. When it settles,
// a resolution-style alert ends the flap at every receiver, and the incident it settled in (if
// any) is alerted as usual. A component removed by a reload closes its open incident with a
// "removed from configuration" resolution (close_removed).
#include <spdlog/spdlog.h>

#include "config/units.h"
#include "watchdog/engine/engine_internal.h"
#include "watchdog/logging.h"

namespace watchdog::core {

using logging::kv;

namespace {

constexpr auto kReminderCheck = std::chrono::seconds(1);

const char* suppressed_because(bool leader, const Hold& hold) {
  if (!leader) return "not_leader";
  if (hold.muted) return "muted";
  return nullptr;
}

// A DEGRADED transition of a planned stop (a probe saw a stop on purpose: docker stop, scaled
// to 0; it explains the other probes' failures, see planned_stop()), for a component that asked
// not to be told (`alert_on_manual_stop: false`).
bool quiet_planned_stop(bool alert_on_manual_stop, const Component& machine,
                        const Transition& t) {
  return !alert_on_manual_stop && t.to == State::Degraded && planned_stop(machine);
}

std::string event_id_of(const std::string& incident_id, int sequence, State to) {
  return incident_id + "/" + std::to_string(sequence) + "-" + std::string(to_string(to));
}

std::string joined(const std::vector<std::string>& sinks) {
  std::string list;
  for (const auto& sink : sinks) list += (list.empty() ? "" : ", ") + sink;
  return list;
}

}  // namespace

void Engine::alert_transition(Runtime& runtime, const Transition& t, State overall) {
  const auto& name = runtime.plan.spec.name;
  if (t.from == State::Healthy) {  // a new incident
    runtime.event_sequence = 0;
    runtime.incident_started = runtime.machine.since;
  }
  // Recovery gave up after the acknowledgement: the loud state pages (and reminds) again.
  if (t.to == State::Failed) runtime.acknowledged.clear();
  alerts::AlertEvent event;
  event.event_id = event_id_of(t.incident_id, ++runtime.event_sequence, t.to);
  event.component = name;
  event.from = t.from;
  event.to = t.to;
  event.reason = t.reason;
  // A component its HA manager owns is never acted on: the alert says so, or an operator waits
  // for a recovery that will not come.
  if (!runtime.manager_hold.empty() && runtime.hold.reason == runtime.manager_hold &&
      t.to != State::Healthy) {
    event.reason += "; actions held: " + runtime.manager_hold;
  }
  event.incident_id = t.incident_id;
  event.attempt = t.attempt;
  event.at = runtime.machine.since;
  event.overall = overall;
  event.root_cause = runtime.hold.root_cause;
  event.root_incident = runtime.hold.root_incident;
  event.incident_started = runtime.incident_started;
  if (!external_url_.empty() && !t.incident_id.empty()) {
    event.link = external_url_ + "/incidents/" + t.incident_id;
  }
  for (const auto& view : runtime.views) {
    event.probes.push_back({view.name, view.kind, view.status, view.failure, view.detail});
  }
  if (runtime.last_action) event.action = *runtime.last_action;
  if (t.to == State::Healthy) {
    runtime.last_action.reset();
    runtime.incident_started.reset();
    // Where its alerts went, also those a previous leader sent (handover): the resolution
    // goes there even when the dispatcher's memory of it was pruned.
    if (leader_) dispatcher_.adopt_incident(t.incident_id, runtime.alerted_sinks);
    runtime.alerted_sinks.clear();  // here, not at the next opening: a handed-over one brings its own
  }

  if (quiet_planned_stop(runtime.plan.spec.alert_on_manual_stop, runtime.machine, t)) {
    spdlog::info("alert_suppressed {} {} {}", kv("component", name), kv("event", event.event_id),
                 kv("why", "manual_stop"));
    recorder_.note(t.incident_id, event.at, "alert",
                   "not sent (stopped on purpose, alert_on_manual_stop: false): " + event.event_id);
    return;
  }
  // While flapping, its FLAPPING alert speaks for it; a resolution still goes to whoever had
  // the incident (one alerted before the flapping began). The first give-up of a flapping
  // episode pages too (FAILED: nothing automatic will happen any more, someone must act); later
  // ones fold in like the rest (a flapping service hitting the flap guard gives up every cycle).
  const bool loud_give_up = t.to == State::Failed && !runtime.flap_gave_up_paged;
  const bool flapping = runtime.machine.flap.flapping && t.to != State::Healthy && !loud_give_up;
  if (runtime.machine.flap.flapping && loud_give_up) runtime.flap_gave_up_paged = true;
  if (const char* why = flapping ? "flapping" : suppressed_because(leader_, runtime.hold)) {
    spdlog::info("alert_suppressed {} {} {}", kv("component", name), kv("event", event.event_id),
                 kv("why", why));
    recorder_.note(t.incident_id, event.at, "alert",
                   std::string("suppressed (") + why + "): " + event.event_id);
    runtime.held_alert = std::move(event);
    return;
  }
  if (runtime.held_alert && runtime.machine.flap.flapping) {
    runtime.held_alert.reset();     // the FLAPPING alert stood for it
  } else if (runtime.held_alert) {  // first what the suppression held back, in order
    remember_sinks(runtime, runtime.held_alert->incident_id,
                   submit_alert(*runtime.held_alert, "queued after the suppression ended"));
    runtime.held_alert.reset();
  }
  remember_sinks(runtime, event.incident_id, submit_alert(event, "queued"));
}

namespace {

std::string flap_incident_of(const Component& m) {
  return make_incident_id(m.name + "-flapping", m.flap.since);
}

std::string flap_summary(const Component& m, TimePoint now) {
  const auto& policy = m.flap_policy;
  return std::to_string(changes_within(m.flap, policy, now)) + " change(s) of health within " +
         config::format_duration(policy.window) + " (flapping from " +
         std::to_string(policy.start) + ", settled at " + std::to_string(policy.stop) +
         " or fewer)";
}

}  // namespace

void Engine::on_flapping(Runtime& runtime, const StepResult& result, TimePoint now) {
  const auto& m = runtime.machine;
  const auto& name = runtime.plan.spec.name;
  const bool started = result.flap == FlapEdge::Started;
  recovery_metrics_.set_flapping(name, started);
  runtime.flap_gave_up_paged = false;
  // The journal entry goes to the incident the step was about (the one just closed, maybe).
  const std::string incident =
      result.transitions.empty() ? m.incident_id : result.transitions.back().incident_id;
  const std::string now_in = std::string(to_string(m.state)) +
                             (m.incident_id.empty() ? "" : " (incident " + m.incident_id + ")");
  spdlog::warn("{} {} {} {}", started ? "flapping_started" : "flapping_stopped",
               kv("component", name), kv("summary", flap_summary(m, now)), kv("state", now_in));
  recorder_.note(incident, now, "flapping",
                 std::string(started ? "flapping: " : "stopped flapping: ") + flap_summary(m, now));

  // Named after the flap's start: the same across a reload or a restart (the track is saved), so
  // reminders and the resolution find the FLAPPING alert in the outbox. A resolution of a flap
  // whose start was never alerted goes nowhere (the dispatcher sends it only where it went).
  const std::string flap_id = flap_incident_of(m);
  alerts::AlertEvent event;
  event.component = name;
  event.at = now;
  event.overall = overall_;
  for (const auto& view : runtime.views) {
    event.probes.push_back({view.name, view.kind, view.status, view.failure, view.detail});
  }
  if (!external_url_.empty() && !incident.empty()) {
    event.link = external_url_ + "/incidents/" + incident;
  }
  if (started) {
    event.condition = "flapping";
    event.from = event.to = m.flap.worst;
    event.event_id = flap_id + "/1-FLAPPING";
    event.reason = flap_summary(m, now) + "; one alert until it settles; now " + now_in;
  } else {
    event.condition = "flapping_stopped";
    event.from = m.flap.worst;
    event.to = State::Healthy;
    event.event_id = flap_id + "/2-SETTLED";
    event.reason = flap_summary(m, now) + "; now " + now_in;
  }
  event.incident_id = flap_id;
  if (const char* why = suppressed_because(leader_, runtime.hold)) {
    spdlog::info("alert_suppressed {} {} {}", kv("component", name), kv("event", event.event_id),
                 kv("why", why));
    recorder_.note(incident, now, "alert",
                   std::string("suppressed (") + why + "): " + event.event_id);
    // Sent once the suppression ends: a FLAPPING that began, or the resolution of one that was
    // sent (a FLAPPING never sent needs none: the dispatcher sends it only where it went).
    runtime.held_flap = std::move(event);
    return;
  }
  runtime.held_flap.reset();
  submit_alert(event, "queued", incident);
  if (started) return;
  // Settled: the incident it settled in is announced as usual (its latest transition, held back
  // while it flapped); settled HEALTHY, nothing is open.
  if (m.state != State::Healthy && runtime.held_alert &&
      runtime.held_alert->incident_id == m.incident_id) {
    remember_sinks(runtime, runtime.held_alert->incident_id,
                   submit_alert(*runtime.held_alert, "queued after the flapping stopped"));
  }
  runtime.held_alert.reset();
}

void Engine::close_removed(Runtime& runtime, TimePoint now) {
  const auto& m = runtime.machine;
  const auto& name = runtime.plan.spec.name;
  recovery_metrics_.set_flapping(name, false);
  if (m.state == State::Healthy || m.incident_id.empty()) return;
  const Transition t{m.state, State::Healthy, "removed from configuration", m.incident_id,
                     m.attempts};
  spdlog::warn("incident_closed {} {} {}", kv("component", name), kv("incident", m.incident_id),
               kv("reason", t.reason));
  recorder_.transition(name, t, now, runtime.hold,
                       std::chrono::duration_cast<std::chrono::milliseconds>(runtime.plan.spec.rto),
                       runtime.first_failure);
  alerts::AlertEvent event;
  event.event_id = event_id_of(m.incident_id, runtime.event_sequence + 1, State::Healthy);
  event.condition = "removed";
  event.component = name;
  event.from = m.state;
  event.to = State::Healthy;
  event.reason = t.reason;
  event.incident_id = m.incident_id;
  event.attempt = m.attempts;
  event.at = now;
  event.overall = overall_;
  event.incident_started = runtime.incident_started;
  if (runtime.last_action) event.action = *runtime.last_action;
  // Muted or not: the component is gone, nothing would send it later. Another replica leads?
  // Then that one closes it at the receivers.
  if (!leader_) {
    recorder_.note(m.incident_id, now, "alert", "suppressed (not_leader): " + event.event_id);
    return;
  }
  submit_alert(event, "queued");
  if (m.flap.flapping) {  // its FLAPPING alert closes too
    event.event_id = flap_incident_of(m) + "/2-SETTLED";
    event.incident_id = flap_incident_of(m);
    submit_alert(event, "queued", m.incident_id);
  }
}

std::vector<std::string> Engine::submit_alert(const alerts::AlertEvent& event,
                                              const std::string& how,
                                              const std::string& journal_incident) {
  const auto sinks = dispatcher_.submit(event);
  const auto list = joined(sinks);
  recorder_.note(journal_incident.empty() ? event.incident_id : journal_incident, event.at, "alert",
                 sinks.empty() ? "no route wants " + event.event_id
                               : how + ": " + event.event_id + " for " + list,
                 {{"event_id", event.event_id}, {"sinks", sinks}});
  return sinks;
}

// An acknowledgement goes out even while muted: it silences, it never pages.
void Engine::acknowledge_alerts(Runtime& runtime, const std::string& by, TimePoint now) {
  const auto& m = runtime.machine;
  alerts::AlertEvent event;
  event.event_id = event_id_of(m.incident_id, runtime.event_sequence, m.state) + "/ack";
  event.type = "acknowledge";
  event.component = m.name;
  event.from = m.state;
  event.to = m.state;
  event.reason = "acknowledged by " + by;
  event.incident_id = m.incident_id;
  event.attempt = m.attempts;
  event.at = now;
  event.incident_started = runtime.incident_started;
  const auto sinks = dispatcher_.acknowledge(event);
  const auto list = joined(sinks);
  recorder_.note(
      m.incident_id, now, "alert",
      sinks.empty() ? "acknowledgement: no sink to tell" : "queued acknowledgement for " + list,
      {{"event_id", event.event_id}, {"sinks", sinks}});
}

void Engine::send_reminders(TimePoint now) {
  if (now - last_reminders_ < kReminderCheck) return;
  last_reminders_ = now;
  poll_operator_requests_once();  // a pause the CLI just wrote silences them
  for (const auto& runtime : runtimes_) {
    const auto& m = runtime->machine;
    if (suppressed_because(leader_, runtime->hold) != nullptr) continue;
    if (runtime->held_flap) {  // it began or ended while suppressed
      submit_alert(*runtime->held_flap, "queued after the suppression ended", m.incident_id);
      runtime->held_flap.reset();
    }
    if (m.flap.flapping) {  // its FLAPPING alert is what stays open
      dispatcher_.remind(flap_incident_of(m) + "/1-FLAPPING", m.flap.worst,
                         runtime->acknowledged == m.incident_id);
      continue;
    }
    if (runtime->held_alert) {  // the pause ended, or this replica became the leader
      remember_sinks(*runtime, runtime->held_alert->incident_id,
                     submit_alert(*runtime->held_alert, "queued after the suppression ended"));
      runtime->held_alert.reset();
    }
    if (m.state == State::Healthy || m.incident_id.empty() || runtime->event_sequence == 0) {
      continue;
    }
    dispatcher_.remind(event_id_of(m.incident_id, runtime->event_sequence, m.state), m.state,
                       runtime->acknowledged == m.incident_id);
  }
}

}  // namespace watchdog::core
