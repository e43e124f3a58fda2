// Replicas under one leader lock (handover.h): the engine publishes its open incidents as the
// leader record (the lock stores it with its next renewal), reads the record another holder
// published, continues that holder's incidents under their ids and — once it leads — closes at
// the receivers the ones nothing here continues. When it stops leading, the command actions it
// started in that tenure are killed (actions/action.h, Incident::revoked). Loop thread only.
#include <spdlog/spdlog.h>

#include <algorithm>

#include "watchdog/engine/engine_internal.h"
#include "watchdog/leader/leader_lock.h"
#include "watchdog/logging.h"

namespace watchdog::core {

using logging::kv;

namespace {

// The lock publishes at each renewal (seconds apart): building the record more often is waste.
constexpr auto kPublishSpacing = std::chrono::seconds(1);

bool every_probe_ran(const std::vector<ProbeView>& views) {
  return std::all_of(views.begin(), views.end(),
                     [](const ProbeView& view) { return view.last_run.has_value(); });
}

std::string id_or_none(const std::string& id) { return id.empty() ? "none" : id; }

}  // namespace

void Engine::hand_over(TimePoint now, bool became_leader) {
  if (!options_.publish_record || !options_.seen_record) return;  // one replica
  publish_record();
  bool fresh = false;
  if (auto seen = options_.seen_record(record_generation_)) {  // only when it changed
    record_generation_ = seen->first;
    if (auto record = decode_leader_record(seen->second)) {
      // Our own record coming back (we led before) changes nothing: what we still had to
      // decide of an earlier holder's stays in handed_.
      if (record->holder != options_.identity) {
        fresh = true;
        record_holder_ = record->holder;
        handed_ = std::move(record->incidents);
      }
    } else {
      spdlog::warn("leader_record_unreadable {}",
                   kv("detail", "ignored: not a record of this version, or damaged"));
    }
  }
  if (became_leader) take_over_alerts();
  // Planned when the record changed or this replica became the leader; a leader also while
  // handed incidents wait for their first check here (once a second: it walks every component).
  // An incident opened here later adopts the record's id as it opens (adopt_on_open).
  const auto steady = std::chrono::steady_clock::now();
  const bool waiting = leader_ && !handed_.empty() && steady >= next_pending_plan_;
  if (!fresh && !became_leader && !waiting) return;
  next_pending_plan_ = steady + std::chrono::seconds(1);
  if (handed_.empty()) return;

  std::vector<LocalIncident> local;
  local.reserve(runtimes_.size());
  for (const auto& runtime : runtimes_) {
    const auto& probes = runtime->machine.probes;
    local.push_back({runtime->plan.spec.name, runtime->machine.incident_id,
                     every_probe_ran(runtime->views),
                     std::any_of(probes.begin(), probes.end(),
                                 [](const ProbeTrack& t) { return t.fail_streak > 0; })});
  }
  const HandoverPlan plan = plan_handover(local, handed_, leader_);
  for (const auto& adoption : plan.adopt) {
    adopt_incident(*runtimes_[adoption.local], adoption.incident, now);
  }
  for (const auto& incident : plan.resolve) {
    const bool configured = std::any_of(local.begin(), local.end(), [&](const LocalIncident& l) {
      return l.component == incident.component;
    });
    resolve_handed(incident,
                   configured ? "HEALTHY here after the leadership change"
                              : "not configured on the new leader",
                   now);
  }
  // Leading: what was decided is done (an adopted incident now closes the normal way).
  if (leader_) {
    handed_ = plan.pending;
    record_dirty_ = true;  // the pending ones are published with ours
  }
}

// This replica just became the leader: the alerts it held back as a follower go out at its
// next reminder round (engine_alerts.cpp). A held resolution is stale unless the previous
// holder still had that incident open: then it is THE resolution (and no second one is sent by
// the plan); otherwise the old leader resolved it already, or nobody was ever told of it. The
// sinks the old leader alerted are given to the dispatcher now, not while following: a
// follower's memory of them must not turn a later stale resolution into a sent one.
void Engine::take_over_alerts() {
  for (const auto& runtime : runtimes_) {
    auto& held = runtime->held_alert;
    if (held && held->to == State::Healthy) {
      const auto it = std::find_if(handed_.begin(), handed_.end(), [&](const HandedIncident& h) {
        return h.id == held->incident_id;
      });
      if (it == handed_.end()) {
        held.reset();
      } else {
        dispatcher_.adopt_incident(it->id, it->sinks);
        handed_.erase(it);
      }
    }
    const auto& m = runtime->machine;
    if (!m.incident_id.empty() && !runtime->alerted_sinks.empty()) {
      dispatcher_.adopt_incident(m.incident_id, runtime->alerted_sinks);
    }
  }
}

std::string Engine::adopt_on_open(Runtime& runtime, const StepResult& result) {
  if (handed_.empty()) return "";
  auto& m = runtime.machine;
  const bool opened = std::any_of(result.transitions.begin(), result.transitions.end(),
                                  [](const Transition& t) { return t.from == State::Healthy; });
  if (!opened || m.incident_id.empty()) return "";
  const auto it = std::find_if(handed_.begin(), handed_.end(),
                               [&](const HandedIncident& h) { return h.component == m.name; });
  if (it == handed_.end() || it->id == m.incident_id) return "";
  std::string opened_as = m.incident_id;
  spdlog::warn("incident_handed_over {} {} {} {}", kv("component", m.name), kv("incident", it->id),
               kv("was", opened_as), kv("from", record_holder_));
  m.incident_id = it->id;
  recorder_.note(
      it->id, Clock::now(), "handover",
      "continues incident " + it->id + " of " + record_holder_ + " (" + it->state + " there)",
      {{"from", record_holder_}, {"was", opened_as}, {"sinks", it->sinks}});
  runtime.alerted_sinks = it->sinks;
  if (leader_) {
    dispatcher_.adopt_incident(it->id, it->sinks);
    handed_.erase(it);  // decided: it closes here the normal way
  }
  return opened_as;
}

void Engine::adopt_incident(Runtime& runtime, const HandedIncident& incident, TimePoint now) {
  auto& m = runtime.machine;
  const std::string before = m.incident_id;
  spdlog::warn("incident_handed_over {} {} {} {}", kv("component", m.name),
               kv("incident", incident.id), kv("was", id_or_none(before)),
               kv("from", record_holder_));
  recorder_.rename(m.name, before, incident.id);
  m.incident_id = incident.id;
  recorder_.note(incident.id, now, "handover",
                 "continues incident " + incident.id + " of " + record_holder_ + " (" +
                     incident.state + " there; opened here as " + id_or_none(before) + ")",
                 {{"from", record_holder_}, {"was", before}, {"sinks", incident.sinks}});
  if (runtime.held_alert && runtime.held_alert->incident_id == before) {
    auto& held = *runtime.held_alert;
    held.incident_id = incident.id;
    held.event_id = incident.id + held.event_id.substr(before.size());
    if (!external_url_.empty()) held.link = external_url_ + "/incidents/" + incident.id;
  }
  if (runtime.acknowledged == before) runtime.acknowledged = incident.id;
  remember_sinks(runtime, incident.id, incident.sinks);
  if (leader_) dispatcher_.adopt_incident(incident.id, incident.sinks);
  if (runtime.in_dependency_graph()) holds_stale_ = true;  // dependents name its incident
  touch(runtime);
  record_dirty_ = true;
}

void Engine::resolve_handed(const HandedIncident& incident, const std::string& why, TimePoint now) {
  alerts::AlertEvent event;
  event.event_id = incident.id + "/handover-HEALTHY";
  event.component = incident.component;
  event.from = state_from_string(incident.state).value_or(State::Critical);
  event.to = State::Healthy;
  event.reason =
      "resolved by " + options_.identity + ": " + why + " (the incident of " + record_holder_ + ")";
  event.incident_id = incident.id;
  event.at = now;
  event.overall = overall_;
  spdlog::warn("incident_closed {} {} {}", kv("component", incident.component),
               kv("incident", incident.id), kv("reason", event.reason));
  dispatcher_.adopt_incident(incident.id, incident.sinks);
  submit_alert(event, "queued");
}

void Engine::observe_leadership() {
  const bool leader = !options_.is_leader || options_.is_leader();
  if (leader == leader_) return;
  holds_stale_ = true;
  if (leader) {
    became_leader_ = true;
  } else {
    end_tenure();
  }
  leader_ = leader;
  recovery_metrics_.set_leader(leader_);
}

void Engine::end_tenure() {
  tenure_over_->store(true);
  tenure_over_ = std::make_shared<std::atomic<bool>>(false);
  if (running_actions_ > 0) {
    spdlog::warn("actions_revoked {} {}", kv("running", std::to_string(running_actions_)),
                 kv("why", "this replica lost the leader lease: its command actions are killed"));
  }
}

void Engine::publish_record(bool now) {
  const auto steady = std::chrono::steady_clock::now();
  if (!record_dirty_ || (!now && steady < next_publish_)) return;
  record_dirty_ = false;
  next_publish_ = steady + kPublishSpacing;
  LeaderRecord record;
  record.holder = options_.identity;
  for (const auto& runtime : runtimes_) {
    const auto& m = runtime->machine;
    if (m.state == State::Healthy || m.incident_id.empty()) continue;
    record.incidents.push_back(
        {m.name, m.incident_id, std::string(to_string(m.state)), runtime->alerted_sinks});
  }
  // Leading, the previous holder's incidents still waiting for a first check here: if this
  // replica dies before deciding them, the next leader decides.
  if (leader_) record.incidents.insert(record.incidents.end(), handed_.begin(), handed_.end());
  std::size_t dropped = 0;
  options_.publish_record(encode_leader_record(record, kMaxLeaderRecordBytes, &dropped));
  if (dropped > 0) {
    spdlog::warn("leader_record_truncated {} {}",
                 kv("open", std::to_string(record.incidents.size())),
                 kv("left_out", std::to_string(dropped)));
  }
}

void Engine::remember_sinks(Runtime& runtime, const std::string& incident_id,
                            const std::vector<std::string>& sinks) {
  if (incident_id.empty() || incident_id != runtime.machine.incident_id) return;
  for (const auto& sink : sinks) {
    auto& known = runtime.alerted_sinks;
    if (std::find(known.begin(), known.end(), sink) == known.end()) {
      known.push_back(sink);
      record_dirty_ = true;
      touch(runtime);  // saved with its snapshot (engine_durable.cpp)
    }
  }
}

}  // namespace watchdog::core
