#include "watchdog/engine/engine.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <future>
#include <random>
#include <utility>
#include <variant>

#include "watchdog/engine/component_codec.h"
#include "watchdog/engine/engine_internal.h"
#include "watchdog/engine/probe_worker.h"
#include "watchdog/logging.h"
#include "watchdog/thread_name.h"

namespace watchdog::core {

using logging::kv;

namespace {

constexpr auto kTurnSpacing = std::chrono::milliseconds(10);

Level level_of(probes::ProbeStatus status) {
  switch (status) {
    case probes::ProbeStatus::Healthy:
      return Level::Ok;
    case probes::ProbeStatus::Degraded:
      return Level::Warn;
    default:
      return Level::Fail;
  }
}

}  // namespace

Engine::Engine(Metrics& metrics, alerts::Dispatcher& dispatcher, EngineOptions options)
    : metrics_(metrics),
      dispatcher_(dispatcher),
      options_(options),
      queue_(std::make_shared<Queue>()),
      recovery_metrics_(metrics),
      local_exhaustion_(metrics),
      incident_metrics_(metrics),
      store_health_(metrics),
      recorder_(options_.store, recovery_metrics_, incident_metrics_, store_health_),
      manager_metrics_(metrics) {
  if (options_.seed == 0) options_.seed = std::random_device{}();
}

Engine::~Engine() { stop(); }

void Engine::start(Plan plan) {
  // Counters from the journal before apply_plan creates the series: /metrics already answers,
  // and a scrape must never see watchdog_incidents_total below what a previous run counted.
  std::set<std::string> configured;
  for (const auto& component : plan.components) configured.insert(component.spec.name);
  recorder_.load(configured);
  apply_plan(std::move(plan));
  restore_from_store();
  poll_operator_requests();  // pauses set while the watchdog was down apply from the start
  update_holds(Clock::now());
  thread_ = std::thread([this] { loop(); });
}

void Engine::reload(Plan plan) {
  ReloadEvent event{std::move(plan), {}};
  auto done = event.done.get_future();
  queue_->push(Event{std::move(event)});
  done.wait();
}

void Engine::stop() {
  if (!thread_.joinable()) return;
  queue_->push(Event{StopEvent{}});
  thread_.join();
  for (auto& runtime : runtimes_) {
    for (auto& worker : runtime->workers) worker->stop();
  }
  scheduler_.reset();  // its threads end; a hung check's thread is left to finish on its own
}

StatusView Engine::status() const {
  std::lock_guard lock(status_mutex_);
  return status_;
}

std::chrono::steady_clock::time_point Engine::heartbeat() const {
  std::lock_guard lock(status_mutex_);
  return status_.heartbeat;
}

void Engine::loop() {
  name_this_thread("wd-engine");
  auto last_turn = std::chrono::steady_clock::time_point{};
  std::deque<Event> batch;  // swapped with the queue's: neither is rebuilt every turn
  while (true) {
    // Results arrive one by one (a thousand a second at 10,000 probes): a turn at most every
    // kTurnSpacing lets them queue up and be handled together, so the turn's fixed costs
    // (operator poll, holds, the save's transaction, the status view, the thread's wake-up)
    // are paid per batch, not per result. Deadlines and alerts are late by that much at most.
    std::this_thread::sleep_until(last_turn + kTurnSpacing);
    last_turn = std::chrono::steady_clock::now();
    batch.clear();
    {
      std::unique_lock lock(queue_->mutex);
      queue_->wake.wait_until(lock, next_wake(), [&] { return !queue_->events.empty(); });
      batch.swap(queue_->events);
    }
    // Pauses and resets from the CLI first, so that the events below are judged with them: a
    // result that arrives after `watchdog pause` printed "paused" never starts an action. The
    // store is asked (PRAGMA data_version; the rows only when it changed) before whatever can
    // act, alert or change a hold: a batch with more than routine results (operator_poll_due:
    // also a RequestsQueuedEvent, answered at once), a recovery deadline, reminders, holds
    // recomputed. Else every kOperatorPollInterval, for requests another process wrote without
    // telling (the CLI): asked at every turn, that one query was ~9 % of all CPU at 1,000 probes.
    operator_polled_ = false;
    if (operator_poll_due(batch, std::chrono::steady_clock::now())) poll_operator_requests();
    // Holds as of now before any event is judged: leadership is an atomic read, so a replica
    // that lost the lease stops acting and alerting within this turn.
    observe_leadership();
    poll_managers(Clock::now());  // a new answer or an old one gone stale: holds_stale_
    update_holds_if_due();
    // Before this turn's transitions are alerted: a new leader continues (or closes) the old
    // leader's incidents first, so its alerts carry their ids.
    hand_over(Clock::now(), std::exchange(became_leader_, false));
    for (auto& event : batch) {
      if (std::holds_alternative<StopEvent>(event.body)) {
        persist(/*flush_memories=*/true);
        // The last record now, not a second later: the elector publishes it before it
        // releases the lock, so the next leader does not resolve, once more, an incident that
        // closed here in the last second.
        if (options_.publish_record) publish_record(/*now=*/true);
        return;
      }
      handle(event);
    }
    update_holds_if_due();
    const auto now = Clock::now();
    step_due_deadlines(now);
    send_reminders(now);
    persist();
    refresh_status(false);
    for (std::size_t i : dirty_) runtimes_[i]->dirty = false;
    dirty_.clear();
  }
}

// The next recovery deadline, or a second from now at the latest (heartbeat, holds).
std::chrono::system_clock::time_point Engine::next_wake() const {
  const auto now = Clock::now();
  auto wake_at = now + std::chrono::seconds(1);
  const auto holds_in = next_holds_ - std::chrono::steady_clock::now();  // a pause that ends
  if (holds_in < std::chrono::seconds(1))
    wake_at = now + std::chrono::duration_cast<Clock::duration>(
                        std::max(holds_in, std::chrono::steady_clock::duration::zero()));
  for (std::size_t i : recovering_) {
    if (auto deadline = next_deadline(runtimes_[i]->machine))
      wake_at = std::min(wake_at, *deadline);
  }
  return wake_at;
}

void Engine::step_due_deadlines(TimePoint now) {
  // apply() edits recovering_: walk a copy.
  for (std::size_t i : std::vector<std::size_t>(recovering_.begin(), recovering_.end())) {
    auto& runtime = *runtimes_[i];
    auto due = [&] {
      const auto deadline = next_deadline(runtime.machine);
      return deadline && *deadline <= now;
    };
    if (!due()) continue;
    poll_operator_requests_once();  // a tick may start the next rung: never past a new pause
    if (due()) apply(runtime, step(runtime.machine, Tick{}, now));
  }
}

void Engine::touch(Runtime& runtime) {
  if (runtime.dirty) return;
  runtime.dirty = true;
  dirty_.push_back(runtime.index);
}

void Engine::handle(Event& event) {
  if (auto* probe = std::get_if<ProbeEvent>(&event.body)) {
    on_probe_result(*probe);
  } else if (auto* done = std::get_if<ActionEvent>(&event.body)) {
    on_action_done(*done);
  } else if (auto* reload = std::get_if<ReloadEvent>(&event.body)) {
    apply_plan(std::move(reload->plan));
    reload->done.set_value();
  }
}

void Engine::on_probe_result(const ProbeEvent& probe) {
  if (probe.generation != generation_) return;  // from before a reload
  auto& runtime = *runtimes_[probe.component];
  auto& view = runtime.views[probe.probe];
  const auto& result = probe.result;
  const std::string status(probes::to_string(result.status));
  const auto& component = runtime.plan.spec.name;
  runtime.series[probe.probe].observe(result, probe.seconds);
  touch(runtime);
  keep_memory(runtime, probe.probe, result);
  const bool status_changed = status != view.status;
  // Logged when the status changes; a steady result at debug level only, so its line is not
  // even built otherwise (that was an allocation or four per result).
  const auto log_level = status_changed ? spdlog::level::info : spdlog::level::debug;
  if (spdlog::default_logger_raw()->should_log(log_level)) {
    spdlog::log(log_level, "probe_result {} {} {} {}", kv("component", component),
                kv("probe", view.name), kv("status", status), kv("detail", result.detail));
  }
  view.status = status;
  view.failure = probes::to_string(result.failure);
  view.detail = result.detail;  // assigned, not rebuilt: the string keeps its capacity
  view.last_run = Clock::now();
  view.seconds = probe.seconds;
  if (result.failure == probes::FailureKind::LocalResource) {
    // The watchdog was starved, not the target: its streaks stay as they were.
    local_exhaustion_.note(component, view.name, result.detail, std::chrono::steady_clock::now());
    return;
  }
  const auto level = level_of(result.status);
  auto& m = runtime.machine;
  runtime.probe_started[probe.probe] = probe.started;
  // A fresh check of something others depend on may lift their "checking … first" hold.
  if (runtime.has_dependents) holds_stale_ = true;
  if (level == Level::Fail && !runtime.first_failure) {
    runtime.first_failure = probe.started;
    // "checking <dependency> first", or the manager asked again before acting
    if (runtime.first_failure_matters()) holds_stale_ = true;
  }
  // Before deciding: a dependency may have to be checked first.
  refresh_holds_if_stale(Clock::now());
  const bool was_suspect = std::any_of(m.probes.begin(), m.probes.end(),
                                       [](const ProbeTrack& t) { return t.fail_streak > 0; });
  const auto stepped =
      step(m, ProbeReported{probe.probe, level, result.detail, probe.started, view.failure},
           Clock::now());
  apply(runtime, stepped);
  // Results that matter: a change of status, or the one that moved the component.
  if (status_changed || !stepped.transitions.empty()) {
    recorder_.note(m.incident_id, probe.started, "probe",
                   view.name + " " + status + ": " + result.detail,
                   {{"probe", view.name},
                    {"kind", view.kind},
                    {"status", status},
                    {"failure", view.failure},
                    {"detail", result.detail},
                    {"seconds", probe.seconds}});
  }
  // A failure that healed before any incident is not the start of the next one.
  const bool all_clear = std::all_of(m.probes.begin(), m.probes.end(),
                                     [](const ProbeTrack& t) { return t.bad_streak == 0; });
  if (m.state == State::Healthy && all_clear && runtime.first_failure) {
    runtime.first_failure.reset();
    if (runtime.first_failure_matters()) holds_stale_ = true;
  }
  // A probe that starts or stops failing holds or frees what depends on this component.
  const bool suspect = std::any_of(m.probes.begin(), m.probes.end(),
                                   [](const ProbeTrack& t) { return t.fail_streak > 0; });
  if (suspect != was_suspect && runtime.has_dependents) holds_stale_ = true;
}

void Engine::apply(Runtime& runtime, const StepResult& result) {
  touch(runtime);
  // Before the transitions: a FLAPPING alert comes before what it stands for, and a flap's
  // resolution before the next transition is alerted again.
  if (result.flap != FlapEdge::None) on_flapping(runtime, result, Clock::now());
  // Skipped rungs go into the timeline before the attempt (or the give-up) they led to.
  bool skips_noted = result.skipped.empty();
  // An incident another holder has open for it continues under that id from its first
  // transition on (engine_handover.cpp).
  const std::string opened_as = adopt_on_open(runtime, result);
  for (auto transition : result.transitions) {
    if (!opened_as.empty() && transition.incident_id == opened_as) {
      transition.incident_id = runtime.machine.incident_id;
    }
    if (!skips_noted && (transition.to == State::Recovering || transition.to == State::Failed)) {
      note_skipped_rungs(runtime, result.skipped);
      skips_noted = true;
    }
    on_transition(runtime, transition);
  }
  if (!skips_noted) note_skipped_rungs(runtime, result.skipped);
  if (result.run_action) launch_action(runtime, *result.run_action);
  if (result.reprobe) {
    for (auto& worker : runtime.workers) worker->run_now();
  }
  for (std::size_t p = 0; p < runtime.workers.size(); ++p) {
    runtime.workers[p]->set_fast(wants_fast_recheck(runtime.machine, p));
  }
  if (runtime.machine.state == State::Recovering) {
    recovering_.insert(runtime.index);
  } else {
    recovering_.erase(runtime.index);
  }
}

void Engine::on_transition(Runtime& runtime, const Transition& t) {
  const auto& name = runtime.plan.spec.name;
  spdlog::log(t.to == State::Healthy ? spdlog::level::info : spdlog::level::warn,
              "state_change {} {} {} {} {}", kv("component", name), kv("from", to_string(t.from)),
              kv("to", to_string(t.to)), kv("incident", t.incident_id), kv("reason", t.reason));
  metrics_.set_component_state(name, t.to, runtime.machine.since);
  recorder_.transition(name, t, runtime.machine.since, runtime.hold,
                       std::chrono::duration_cast<std::chrono::milliseconds>(runtime.plan.spec.rto),
                       runtime.first_failure);
  if (t.to == State::Healthy) runtime.first_failure.reset();
  if (runtime.in_dependency_graph()) holds_stale_ = true;  // dependents held or freed by it
  record_dirty_ = true;  // the leader record lists open incidents (engine_handover.cpp)

  std::vector<State> states;
  for (const auto& r : runtimes_) states.push_back(r->machine.state);
  set_overall(worst(states));

  alert_transition(runtime, t, overall_);
}

// The status view: rebuilt when the plan changes, else only the components this turn touched,
// assigned in place (their strings keep their capacity: no allocation for a steady probe).
void Engine::refresh_status(bool everything) {
  auto copy_into = [](const Runtime& runtime, ComponentView& view) {
    const auto& m = runtime.machine;
    view.name = m.name;
    view.state = m.state;
    view.since = m.since;
    view.incident_id = m.incident_id;
    view.attempts = m.attempts;
    view.hold = runtime.hold.reason;
    view.muted = runtime.hold.muted;
    view.flapping = m.flap.flapping;
    view.probes = runtime.views;
  };
  if (everything) {
    std::vector<State> states;
    for (const auto& runtime : runtimes_) states.push_back(runtime->machine.state);
    set_overall(worst(states));
  }
  std::vector<ComponentView> all;
  if (everything) {
    all.resize(runtimes_.size());
    for (std::size_t i = 0; i < runtimes_.size(); ++i) copy_into(*runtimes_[i], all[i]);
  }
  std::lock_guard lock(status_mutex_);
  if (everything) status_.components = std::move(all);
  if (!everything) {
    for (std::size_t i : dirty_) copy_into(*runtimes_[i], status_.components[i]);
  }
  status_.overall = overall_;
  status_.heartbeat = std::chrono::steady_clock::now();
}

void Engine::set_overall(State overall) {
  if (overall == overall_ && overall_known_) return;
  overall_ = overall;
  overall_known_ = true;
  metrics_.set_overall_state(overall);
}

}  // namespace watchdog::core
