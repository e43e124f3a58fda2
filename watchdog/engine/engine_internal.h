#pragma once
// Private to the engine's sources (engine*.cpp): its event types and the
// per-component runtime. Not part of the public interface; include only from those files.

#include <condition_variable>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "watchdog/engine/engine.h"
#include "watchdog/engine/probe_worker.h"

namespace watchdog::core {

struct Engine::ProbeEvent {
  std::uint64_t generation;
  std::size_t component;
  std::size_t probe;
  probes::ProbeResult result;
  TimePoint started;
  double seconds;
};
struct Engine::ActionEvent {
  std::string component;
  std::string action;
  std::string kind;
  actions::ActionOutcome outcome;
  bool started = true;  // false: never ran (dry run, or held when its slot came)
  // The incident it was started for: journaled under it even when the component has left
  // that incident meanwhile (operator reset, healed), so the journal and the counter agree.
  std::string incident_id;
  // Its replica's leader tenure ended while it ran (lease lost): a failure then is not the
  // target's (the action was killed, or stopped between steps) and costs no attempt.
  bool revoked = false;
};
struct ReloadEvent {
  Plan plan;
  std::promise<void> done;
};
struct StopEvent {};
// An operator request was queued in the state store: turn now, so that it is answered at once
// (the turn's poll_operator_requests does the work; the event itself carries nothing).
struct RequestsQueuedEvent {};

struct Engine::Event {
  std::variant<ProbeEvent, ActionEvent, ReloadEvent, StopEvent, RequestsQueuedEvent> body;
};

struct Engine::Queue {
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<Event> events;
  void push(Event event) {
    {
      std::lock_guard lock(mutex);
      events.push_back(std::move(event));
    }
    wake.notify_one();
  }
};

// An optional kept off its owner's layout, for a large value that is rarely there: a pointer's
// 8 bytes per component instead of the value's hundreds. Copies copy the value.
template <class T>
class BoxedOptional {
 public:
  BoxedOptional() = default;
  BoxedOptional(const BoxedOptional& other) { *this = other; }
  BoxedOptional(BoxedOptional&&) noexcept = default;
  BoxedOptional& operator=(const BoxedOptional& other) {
    value_ = other.value_ ? std::make_unique<T>(*other.value_) : nullptr;
    return *this;
  }
  BoxedOptional& operator=(BoxedOptional&&) noexcept = default;
  BoxedOptional& operator=(T value) {
    value_ = std::make_unique<T>(std::move(value));
    return *this;
  }
  explicit operator bool() const { return value_ != nullptr; }
  T& operator*() const { return *value_; }
  T* operator->() const { return value_.get(); }
  void reset() { value_.reset(); }

 private:
  std::unique_ptr<T> value_;
};

// What the engine reads of a component's plan once it is applied. The rest of its spec (the
// recovery settings, copied into the state machine's policy; game-day keys; each probe's name
// and kind, kept in its view) goes with the Plan: with 10,000 components the whole
// ComponentSpec per runtime was most of the engine's memory.
struct RuntimePlan {
  struct Spec {
    std::string name;
    std::vector<std::string> depends_on;
    config::Duration rto = config::Duration::zero();
    bool alert_on_manual_stop = true;
    std::shared_ptr<const config::ManagerSpec> managed_by;  // null = the watchdog owns recovery
  };
  struct Probe {
    std::shared_ptr<probes::Probe> probe;
    config::ProbeTiming timing;
  };
  Spec spec;
  std::vector<Probe> probes;
  std::vector<RungPlan> ladder;  // recovery.actions, in order
};

struct Engine::Runtime {
  std::size_t index = 0;  // in runtimes_ and status_.components
  RuntimePlan plan;
  Component machine;
  std::vector<std::unique_ptr<ProbeWorker>> workers;
  std::vector<ProbeView> views;
  BoxedOptional<alerts::ActionSnapshot> last_action;
  int event_sequence = 0;                     // per incident, for stable event ids
  std::optional<TimePoint> incident_started;  // left HEALTHY (for the outage duration)
  // The latest transition's alert while suppressed (paused, maintenance, not the leader): it
  // goes out once that ends, so an incident that outlives a pause is still announced.
  BoxedOptional<alerts::AlertEvent> held_alert;
  // A FLAPPING alert, or its resolution, held back by a mute or by not leading: sent once that
  // ends (held_alert keeps the transitions it stands for).
  BoxedOptional<alerts::AlertEvent> held_flap;
  // The give-up (FAILED) already paged during the current flapping episode: later ones fold into
  // the FLAPPING alert like every other transition (reset when a flap starts).
  bool flap_gave_up_paged = false;
  // The sinks the current incident's alerts went to (by this replica or, handed over, by the
  // leader before it): published in the leader record so a new leader's resolution finds them.
  std::vector<std::string> alerted_sinks;
  Hold hold;                                      // what holds actions back now
  std::optional<TimePoint> first_failure;         // first failing result of this episode
  std::optional<TimePoint> action_settle;         // start + timeout of the action in flight
  BoxedOptional<RunAction> queued;                // waiting for a free recovery slot
  std::vector<TimePoint> probe_started;           // start of each probe's latest check
  std::optional<TimePoint> checks_requested_for;  // first_failure we asked dependencies about
  std::string saved;         // fingerprint of the snapshot last written to the store (persist())
  std::string acknowledged;  // the incident an operator acknowledged: no reminders for it
  std::vector<ProbeSeries> series;  // metric handles, one per probe
  // Each probe's latest memory (probes/probe.h "Probe memory"), and whether the store has it:
  // unsaved with no blob = the probe forgot it, the store still has to.
  struct ProbeMemory {
    std::optional<std::string> blob;
    bool unsaved = false;
    std::optional<std::chrono::steady_clock::time_point> saved_at;  // by this process
    bool refused = false;  // the latest one was too large (logged once per run of them)
  };
  std::vector<ProbeMemory> memories;  // one per probe
  // managed_by: the manager's latest answer, the hold it implies (manager_hold_reason), and the
  // failure it was asked again for (once per failure, before acting).
  std::optional<ManagerReading> manager_reading;
  std::string manager_hold;
  std::optional<TimePoint> manager_asked_for;
  bool dirty = false;               // in Engine::dirty_ this turn
  bool hold_exported = false;       // watchdog_component_muted/held set once
  bool has_dependents = false;      // its results can lift a dependent's "checking … first" hold
  // Only then can its results change a hold: a component outside every depends_on edge is held
  // by leadership and mutes alone, so its failures cost no recomputation of all holds (with
  // 10,000 independent components failing at once that was O(N) per result).
  bool in_dependency_graph() const { return has_dependents || !plan.spec.depends_on.empty(); }
  // A first failure can change its hold: a dependency is checked first, or its manager asked.
  bool first_failure_matters() const { return in_dependency_graph() || plan.spec.managed_by; }
};

}  // namespace watchdog::core
