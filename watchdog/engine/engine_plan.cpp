// The engine's plan side: turning a Plan into one runtime per component (state machine, probe
// workers, metric handles), carrying state over a reload, and finding a component by name.
// Loop thread only (and start(), before the loop runs).
#include <tuple>
#include <utility>

#include "config/redaction.h"
#include "watchdog/engine/engine.h"
#include "watchdog/engine/engine_internal.h"
#include "watchdog/engine/probe_scheduler.h"

namespace watchdog::core {
namespace {

// Moves out of `component` what the engine reads after start (RuntimePlan).
RuntimePlan running_part(ComponentPlan& component) {
  auto& spec = component.spec;
  RuntimePlan plan;
  plan.spec.name = std::move(spec.name);
  plan.spec.name.shrink_to_fit();
  plan.spec.depends_on = std::move(spec.depends_on);
  plan.spec.rto = spec.rto;
  plan.spec.alert_on_manual_stop = spec.alert_on_manual_stop;
  if (spec.managed_by) {
    plan.spec.managed_by = std::make_shared<const config::ManagerSpec>(std::move(*spec.managed_by));
  }
  plan.probes.reserve(component.probes.size());
  for (auto& probe : component.probes) {
    plan.probes.push_back({std::move(probe.probe), probe.spec.timing});
  }
  plan.ladder = std::move(component.ladder);
  return plan;
}

}  // namespace

// A reload keeps what the previous runtime of the same component knew: its state, incident,
// acknowledgement and recovery progress, and each same-named probe's streaks, verdict and last
// result (with the new plan's thresholds), and its memory when its kind is the same.
void Engine::carry_over(const Runtime& previous, Runtime& next) {
  const auto& p = previous.machine;
  auto& m = next.machine;
  m.state = p.state;
  m.since = p.since;
  m.incident_id = p.incident_id;
  m.phase = p.phase;
  m.phase_deadline = p.phase_deadline;
  m.verify_since = p.verify_since;
  m.attempts = p.attempts;
  m.next_rung = p.next_rung;
  m.episode_starts = p.episode_starts;
  m.destructive_ran = p.destructive_ran;
  m.flap = p.flap;
  for (std::size_t n = 0; n < m.probes.size(); ++n) {
    for (std::size_t o = 0; o < p.probes.size(); ++o) {
      if (p.probes[o].name != m.probes[n].name) continue;
      const auto thresholds =
          std::pair(m.probes[n].failure_threshold, m.probes[n].success_threshold);
      m.probes[n] = p.probes[o];
      std::tie(m.probes[n].failure_threshold, m.probes[n].success_threshold) = thresholds;
      // The last result carries over, the kind is the new plan's: a probe whose kind changed
      // has its old series forgotten below instead of kept beside the new ones.
      const std::string kind = std::move(next.views[n].kind);
      next.views[n] = previous.views[o];
      next.views[n].kind = kind;
      next.probe_started[n] = previous.probe_started[o];
      if (previous.views[o].kind == kind) next.memories[n] = previous.memories[o];
    }
  }
  next.last_action = previous.last_action;
  next.event_sequence = previous.event_sequence;
  next.incident_started = previous.incident_started;
  next.held_alert = previous.held_alert;
  next.held_flap = previous.held_flap;
  next.alerted_sinks = previous.alerted_sinks;
  next.hold = previous.hold;
  m.hold = p.hold;
  next.first_failure = previous.first_failure;
  next.action_settle = previous.action_settle;
  next.queued = previous.queued;
  next.saved = previous.saved;
  next.acknowledged = previous.acknowledged;  // a SIGHUP must not bring the reminders back
  next.manager_hold = previous.manager_hold;
  next.manager_asked_for = previous.manager_asked_for;
}

void Engine::apply_plan(Plan plan) {
  // The journal's limits first: the save below may run a prune, which must never use the
  // built-in or the old limits (a longer configured retention would lose incidents).
  journal_limits_ = {std::chrono::duration_cast<std::chrono::milliseconds>(
                         plan.config.watchdog.journal_retention),
                     plan.config.watchdog.journal_max_incidents};
  dispatcher_.keep_finished_at_most(journal_limits_.max_age);
  // What this turn changed before the reload is saved now, and every probe memory not saved
  // yet: the new runtimes start clean.
  persist(/*flush_memories=*/true);
  next_journal_prune_ = {};  // by the new limits, at the next store check
  max_concurrent_ = plan.config.watchdog.max_concurrent_recoveries;
  record_dirty_ = true;  // a removed component's incident leaves the leader record
  external_url_ = plan.config.watchdog.external_url;
  maintenance_ = plan.config.maintenance;
  std::vector<std::unique_ptr<Runtime>> old;
  old.swap(runtimes_);
  for (auto& runtime : old) {
    for (auto& worker : runtime->workers) worker->stop();
  }
  ++generation_;
  dirty_.clear();
  recovering_.clear();
  holds_stale_ = true;
  for (auto& component : plan.components) {
    auto runtime = std::make_unique<Runtime>();
    runtime->index = runtimes_.size();
    auto& m = runtime->machine;
    const auto& spec = component.spec;
    m.name = spec.name;
    m.critical = spec.critical;
    std::vector<Rung> ladder;
    for (const auto& rung : component.ladder) {
      ladder.push_back({rung.action->name(), rung.when, rung.destructive});
    }
    m.policy = {std::move(ladder),           spec.recovery.max_attempts,
                spec.recovery.max_incidents, spec.recovery.backoff,
                spec.recovery.max_backoff,   spec.recovery.window,
                spec.recovery.verify_timeout};
    m.flap_policy = {spec.flapping.window, spec.flapping.start, spec.flapping.stop};
    m.since = Clock::now();
    const auto probe_count = component.probes.size();
    m.probes.reserve(probe_count);
    runtime->views.reserve(probe_count);
    runtime->probe_started.reserve(probe_count);
    runtime->memories.reserve(probe_count);
    for (const auto& probe : component.probes) {
      ProbeTrack track;
      track.name = probe.spec.name;
      track.failure_threshold = probe.spec.timing.failure_threshold;
      track.success_threshold = probe.spec.timing.success_threshold;
      m.probes.push_back(track);
      ProbeView view;
      view.name = probe.spec.name;
      view.kind = probe.spec.kind;
      runtime->views.push_back(view);
      runtime->probe_started.push_back(TimePoint{});
      runtime->memories.emplace_back();
    }
    for (const auto& previous : old) {
      if (previous->plan.spec.name == spec.name) carry_over(*previous, *runtime);
    }
    runtime->plan = running_part(component);
    metrics_.set_component_state(m.name, m.state, m.since);
    recovery_metrics_.set_flapping(m.name, m.flap.flapping);
    incident_metrics_.add_component(
        m.name, std::chrono::duration_cast<std::chrono::milliseconds>(runtime->plan.spec.rto));
    if (m.state == State::Recovering) recovering_.insert(runtime->index);
    runtimes_.push_back(std::move(runtime));
  }
  for (auto& runtime : runtimes_) {
    for (const auto& dependency : runtime->plan.spec.depends_on) {
      if (Runtime* depended_on = find(dependency)) depended_on->has_dependents = true;
    }
  }
  // Forget the metrics of what the new plan no longer has.
  for (auto& previous : old) {
    bool kept = false;
    for (auto& runtime : runtimes_) {
      if (runtime->plan.spec.name != previous->plan.spec.name) continue;
      kept = true;
      for (const auto& view : previous->views) {
        bool probe_kept = false;
        for (const auto& v : runtime->views)
          probe_kept |= v.name == view.name && v.kind == view.kind;
        if (!probe_kept) metrics_.forget_probe(previous->plan.spec.name, view.name, view.kind);
      }
    }
    if (!kept) {
      close_removed(*previous, Clock::now());  // before its series are forgotten
      metrics_.forget_component(previous->plan.spec.name);
      recovery_metrics_.forget_component(previous->plan.spec.name);
      incident_metrics_.forget_component(previous->plan.spec.name);
    }
  }
  watch_managers(old);
  const auto max_blocking = static_cast<std::size_t>(plan.config.watchdog.max_blocking_checks);
  if (!scheduler_) scheduler_ = std::make_unique<ProbeScheduler>(max_blocking);
  scheduler_->set_max_blocking_checks(max_blocking);
  restore_probe_memories();  // before any check of the new probes is scheduled
  for (std::size_t i = 0; i < runtimes_.size(); ++i) start_workers(*runtimes_[i], i);
  refresh_status(true);
}

void Engine::start_workers(Runtime& runtime, std::size_t index) {
  runtime.series.reserve(runtime.plan.probes.size());
  runtime.workers.reserve(runtime.plan.probes.size());
  for (std::size_t p = 0; p < runtime.plan.probes.size(); ++p) {
    const auto& probe = runtime.plan.probes[p];
    const auto& view = runtime.views[p];  // the probe's name, and its kind in this plan
    // After the reload forgot removed series: these handles stay valid for this plan.
    runtime.series.push_back(metrics_.probe_series(runtime.plan.spec.name, view.name, view.kind));
    auto report = [queue = queue_, generation = generation_, index, p](
                      const probes::ProbeResult& result, TimePoint started, double seconds) {
      ProbeEvent event{generation, index, p, result, started, seconds};
      config::redact_in_place(event.result.detail);  // foreign text: secrets never go further
      queue->push(Event{std::move(event)});
    };
    auto worker = std::make_unique<ProbeWorker>(*scheduler_, probe.probe, probe.timing, report,
                                                options_.seed + index * 1000 + p);
    worker->set_fast(wants_fast_recheck(runtime.machine, p));
    // Only the first plan checks everything at once (every state known within one check
    // time). A reload starts no burst: a probe it carried over keeps to its grid (no second
    // check beside one of the old plan that may still run), and a new one starts on its grid.
    const bool first_plan = generation_ == 1;
    worker->start(/*check_at_once=*/first_plan && runtime.probe_started[p] == TimePoint{});
    runtime.workers.push_back(std::move(worker));
  }
}

Engine::Runtime* Engine::find(const std::string& component) {
  for (auto& runtime : runtimes_) {
    if (runtime->plan.spec.name == component) return runtime.get();
  }
  return nullptr;
}

}  // namespace watchdog::core
