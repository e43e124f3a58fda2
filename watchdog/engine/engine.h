#pragma once
// The engine: owns one state machine per component and one ProbeWorker per probe (a handle on
// the shared ProbeScheduler: a fixed set of threads, not one per probe), and runs the
// recovery coordinator. Everything that changes component state happens on the engine's own
// loop thread, fed by an event queue:
//   probe result (scheduler)      ─┐
//   action finished (action thread) ├─▶ loop: state_machine::step → log, metrics, alerts,
//   reload, deadline ticks         ─┘          start actions (on their own threads), re-checks
// Probe checks never run actions and never wait for alert delivery.
//
// Cost: each turn of the loop drains every queued event at once and works only on the
// components those events touched ("dirty"): only they are stepped, saved (one transaction per
// turn) and copied into the status view. Deadlines are looked up among RECOVERING components
// only; holds are recomputed when one of their inputs changed (a transition, a first failure,
// a pause, leadership), when a pause or maintenance window ends, and once a second for windows
// that open. The state store is asked for pauses and operator requests only by a turn that
// can act, alert or change a hold, and every 250 ms (Engine::loop). So a turn costs O(changed),
// not O(components), and 10,000 healthy probes cost what their checks cost.
//
// Thread-safety: public methods may be called from any thread.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "watchdog/alerts/dispatcher.h"
#include "watchdog/engine/handover.h"
#include "watchdog/engine/holds.h"
#include "watchdog/engine/incident_recorder.h"
#include "watchdog/engine/manager_metrics.h"
#include "watchdog/engine/manager_watch.h"
#include "watchdog/metrics.h"
#include "watchdog/plan.h"
#include "watchdog/engine/local_exhaustion.h"
#include "watchdog/engine/recovery_metrics.h"
#include "watchdog/engine/state_machine.h"
#include "watchdog/engine/store_health.h"
#include "watchdog/store/state_store.h"

namespace watchdog::core {

class ProbeScheduler;

struct EngineOptions {
  bool dry_run = false;    // log the actions it would take, take none
  std::uint64_t seed = 0;  // jitter randomness; 0 = from std::random_device
  // Durable state, incident journal, pauses and operator requests. Null = nothing persists
  // (unit tests). Used only from the engine's loop thread once started.
  store::StateStore* store = nullptr;
  // Whether this replica may act and alert (leader lock); empty = always.
  std::function<bool()> is_leader;
  // Replicas (leader lock, handover.h): this replica's identity, the leader record it hands
  // the lock to publish (its open incidents), the last record another holder published
  // (generation, text) and this tenure's fencing token for the actions. Empty = one replica.
  std::string identity;
  std::function<void(std::string)> publish_record;
  // seen_record(generation known) → the newer (generation, text), or nullopt when unchanged.
  std::function<std::optional<std::pair<std::uint64_t, std::string>>(std::uint64_t)> seen_record;
  std::function<std::uint64_t()> fencing_token;
  // A probe's memory (probes/probe.h) is saved at most this often (and at a reload or stop):
  // the disk probe's is ~20 KiB, sent with every result.
  std::chrono::milliseconds probe_memory_save_interval = std::chrono::minutes(5);
};

struct ProbeView {
  std::string name;
  std::string kind;
  std::string status = "pending";  // probes::to_string(ProbeStatus), or "pending" before a run
  std::string failure = "none";
  std::string detail;
  std::optional<TimePoint> last_run;
  double seconds = 0;
};

struct ComponentView {
  std::string name;
  State state = State::Healthy;
  TimePoint since{};
  std::string incident_id;
  int attempts = 0;  // recovery attempts of the current incident
  std::string hold;  // why actions are held back, "" = free
  bool muted = false;
  bool flapping = false;  // its alerts are folded into one FLAPPING alert (flapping.h)
  std::vector<ProbeView> probes;
};

struct StatusView {
  State overall = State::Healthy;
  std::vector<ComponentView> components;
  std::chrono::steady_clock::time_point heartbeat{};  // the loop's last turn
};

// The engine's answer to an operator request (stored with it; the API maps it to a status).
struct OperatorAnswer {
  std::string outcome;  // store::kRequestDone, kRequestRefused, … (store::kRequest*)
  std::string result;   // one line for the operator
};

class Engine {
 public:
  Engine(Metrics& metrics, alerts::Dispatcher& dispatcher, EngineOptions options = {});
  ~Engine();
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  void start(Plan plan);
  // Swaps in a new plan on the loop thread; component states, counters and recovery progress
  // carry over by component and probe name. Returns once applied.
  void reload(Plan plan);
  void stop();
  StatusView status() const;
  // The loop's last turn (time_point{} before the first): what /healthz and /readyz need,
  // without copying every component's view.
  std::chrono::steady_clock::time_point heartbeat() const;
  // An operator request was just added to the state store (operator API): the loop turns now
  // instead of at its next event or deadline (at most a second later).
  void requests_queued() const;

 private:
  struct Queue;
  struct Runtime;
  struct Event;
  struct ProbeEvent;
  struct ActionEvent;

  void loop();
  std::chrono::system_clock::time_point next_wake() const;
  void handle(Event& event);
  void touch(Runtime& runtime);  // mark dirty: save and show it at the end of this turn
  void step_due_deadlines(TimePoint now);
  void on_probe_result(const ProbeEvent& probe);
  void on_action_done(const ActionEvent& done);
  void apply_plan(Plan plan);
  static void carry_over(const Runtime& previous, Runtime& next);
  void restore_from_store();
  // flush_memories: also the probe memories not due yet, of every component (reload, stop).
  void persist(bool flush_memories = false);
  // Every couple of seconds (from persist): a state file deleted or replaced under the daemon is
  // recreated (StateStore::recreate_file), journal entries waiting for the store are retried.
  void tend_store();
  // engine_durable.cpp: probe memories (probes/probe.h), kept, saved, handed back.
  void keep_memory(Runtime& runtime, std::size_t probe, const probes::ProbeResult& result);
  void restore_probe_memories();
  // engine_operator.cpp: requests from the CLI and the operator API (store `requests`).
  void poll_operator_requests();
  void poll_operator_requests_once();  // unless this turn has polled already
  bool operator_poll_due(const std::deque<Event>& batch,
                         std::chrono::steady_clock::time_point now) const;
  void complete(const store::Request& request);
  void refresh_mutes_and_holds(TimePoint now);
  OperatorAnswer answer_request(const store::Request& request);
  OperatorAnswer operator_reset(Runtime& runtime);
  OperatorAnswer operator_pause(Runtime& runtime, const nlohmann::json& data, TimePoint now);
  OperatorAnswer operator_resume(Runtime& runtime);
  OperatorAnswer operator_recover(Runtime& runtime, TimePoint now);
  OperatorAnswer operator_acknowledge(Runtime& runtime, const std::string& incident_id,
                                      const std::string& by, TimePoint now);
  void acknowledge_alerts(Runtime& runtime, const std::string& by, TimePoint now);
  void update_holds(TimePoint now);
  void refresh_holds_if_stale(TimePoint now);
  void update_holds_if_due();  // stale, or a pause or window may have ended
  std::string mute_of(const std::string& component, TimePoint now) const;
  void start_action(Runtime& runtime, const RunAction& run);
  void start_queued_actions();
  Runtime* find(const std::string& component);
  void start_workers(Runtime& runtime, std::size_t index);
  void apply(Runtime& runtime, const StepResult& result);
  void on_transition(Runtime& runtime, const Transition& transition);
  void note_skipped_rungs(Runtime& runtime, const std::vector<SkippedRung>& skipped);
  // engine_alerts.cpp: the alert of a transition, and reminders of open incidents.
  void alert_transition(Runtime& runtime, const Transition& transition, State overall);
  void send_reminders(TimePoint now);
  // `journal_incident`: the incident whose timeline notes it, when not the event's own. Returns
  // the sinks it was queued for.
  std::vector<std::string> submit_alert(const alerts::AlertEvent& event, const std::string& how,
                    const std::string& journal_incident = "");
  // It started or stopped flapping in this step: the FLAPPING alert, or its resolution.
  void on_flapping(Runtime& runtime, const StepResult& result, TimePoint now);
  // A reload removed it: its open incident (and FLAPPING alert) close, "removed from
  // configuration", in the journal and at every receiver that had them.
  void close_removed(Runtime& runtime, TimePoint now);
  void launch_action(Runtime& runtime, const RunAction& run);
  // engine_handover.cpp: the leader record out, another holder's in (handover.h); running
  // actions stopped when the lease is lost.
  void hand_over(TimePoint now, bool became_leader);
  // The step opened an incident that the last record has open: continues under the record's
  // id; returns the id it had opened under ("" when nothing changed).
  std::string adopt_on_open(Runtime& runtime, const StepResult& result);
  void take_over_alerts();
  void adopt_incident(Runtime& runtime, const HandedIncident& incident, TimePoint now);
  void resolve_handed(const HandedIncident& incident, const std::string& why, TimePoint now);
  // At most once per kPublishSpacing (the lock publishes at each renewal), unless `now`: stop.
  void publish_record(bool now = false);
  // Reads leadership (an atomic read of the elector) and acts on a change: holds recomputed,
  // the tenure's actions killed when it ended, the handover when it began. The only writer of
  // leader_, so no edge is missed whichever path asks first.
  void observe_leadership();
  void end_tenure();  // lost the lease: the actions started as leader are killed
  void remember_sinks(Runtime& runtime, const std::string& incident_id,
                      const std::vector<std::string>& sinks);
  // engine_managers.cpp: the HA managers of `managed_by` components (holds.h).
  void watch_managers(const std::vector<std::unique_ptr<Runtime>>& old);
  void poll_managers(TimePoint now);
  void copy_manager_readings();
  std::string manager_hold_of(Runtime& runtime, TimePoint now);
  void note_acting_despite_manager(const Runtime& runtime);
  void refresh_status(bool everything);
  void set_overall(State overall);

  Metrics& metrics_;
  alerts::Dispatcher& dispatcher_;
  EngineOptions options_;
  std::shared_ptr<Queue> queue_;                    // shared with worker and action threads
  std::unique_ptr<ProbeScheduler> scheduler_;       // runs every probe; outlives the workers
  std::vector<std::unique_ptr<Runtime>> runtimes_;  // loop thread only (after start)
  std::uint64_t generation_ = 0;                    // bumps on reload; stale results dropped
  std::thread thread_;

  mutable std::mutex status_mutex_;
  StatusView status_;  // components in the order of runtimes_

  // Loop thread only: what this turn changed (see "Cost" above).
  std::vector<std::size_t> dirty_;      // indices into runtimes_, each once
  std::set<std::size_t> recovering_;    // components whose Tick deadlines can fire
  bool holds_stale_ = true;             // an input of compute_holds changed
  std::chrono::steady_clock::time_point next_holds_{};  // recompute holds by then at the latest
  State overall_ = State::Healthy;
  bool overall_known_ = false;  // overall_ has been exported once

  // Loop thread only (after start).
  RecoveryMetrics recovery_metrics_;
  LocalExhaustion local_exhaustion_;
  IncidentMetrics incident_metrics_;
  StoreHealth store_health_;  // before recorder_, which reports to it
  IncidentRecorder recorder_;
  bool save_backlog_ = false;  // a save failed: retry every component whose snapshot differs
  std::chrono::steady_clock::time_point next_save_retry_{};
  std::chrono::steady_clock::time_point next_store_check_{};
  std::chrono::steady_clock::time_point next_journal_prune_{};  // at the first check
  store::JournalLimits journal_limits_;                          // from the plan
  ManagerMetrics manager_metrics_;
  std::unique_ptr<ManagerWatch> managers_;  // made when a plan has a managed component
  std::uint64_t managers_seen_ = 0;         // the ManagerWatch::version() copied last
  std::vector<std::size_t> managed_;        // indices into runtimes_ with managed_by
  std::vector<store::Mute> mutes_;
  bool requests_pending_ = false;  // a poll failed half-way: poll again next turn
  bool operator_polled_ = false;   // this turn has asked the store (poll_operator_requests)
  std::chrono::steady_clock::time_point last_operator_poll_{};
  int running_actions_ = 0;
  std::deque<std::string> queued_actions_;  // component names, first come first served
  bool leader_ = true;
  // Handover (engine_handover.cpp), loop thread only.
  std::uint64_t record_generation_ = 0;  // of the last record handled
  std::string record_holder_;            // who published it
  // Its incidents not settled yet: all of them while following; leading, those whose
  // component had not been checked here yet.
  std::vector<HandedIncident> handed_;
  bool became_leader_ = false;  // since the last hand_over
  bool record_dirty_ = true;    // the open incidents changed since the last publish
  std::chrono::steady_clock::time_point next_publish_{};
  std::chrono::steady_clock::time_point next_pending_plan_{};  // leading, with handed_ left
  // Set when this replica stops leading: the actions of that tenure are killed (command
  // actions poll it, probes/clients/process_runner.h).
  std::shared_ptr<std::atomic<bool>> tenure_over_ = std::make_shared<std::atomic<bool>>(false);
  int max_concurrent_ = 2;                                  // from the plan
  std::string external_url_;                                // from the plan
  TimePoint last_reminders_{};
  std::vector<config::MaintenanceWindowSpec> maintenance_;  // from the plan
};

}  // namespace watchdog::core
