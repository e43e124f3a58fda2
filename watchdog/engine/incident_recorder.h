#pragma once
// Turns what the engine sees (transitions, probe results that mattered, actions, holds, alerts)
// into the incident journal and the incident metrics. A store error (disk full, say) never stops
// the engine: the journal is a record, not a dependency of recovery. A write the store refuses
// waits in memory (store/write_backlog.h, bounded) with the writes after it, and goes in when
// flush() finds the store taking writes again; StoreHealth logs and counts the failures.
//
// Thread-safety: none; the engine's loop thread only.

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "watchdog/engine/holds.h"
#include "watchdog/engine/incident_metrics.h"
#include "watchdog/engine/recovery_metrics.h"
#include "watchdog/engine/state_machine.h"
#include "watchdog/engine/store_health.h"
#include "watchdog/store/incident_journal.h"
#include "watchdog/store/journal_retention.h"
#include "watchdog/store/write_backlog.h"

namespace watchdog::core {

class IncidentRecorder {
 public:
  // `store` may be null (no state dir: nothing is journaled, metrics still move).
  IncidentRecorder(store::StateStore* store, RecoveryMetrics& metrics,
                   IncidentMetrics& incident_metrics, StoreHealth& health);

  // Restores the incident and action counters and each component's last recovery from the
  // journal — for the `configured` components only (a removed one gets no series back) — and
  // reads the incidents a previous run left open. Called before the plan creates any series,
  // so that no scrape ever sees a counter below what the journal holds.
  void load(const std::set<std::string>& configured);
  // Once the component's state machine is restored: continues the open incident whose id is
  // the machine's (the one that closes properly) and sets watchdog_incidents_open and
  // _open_since from it; a component that is HEALTHY or whose incident the journal does not
  // hold open shows none.
  void resume(const std::string& component, const std::string& incident_id, State state);

  // `first_failure`: the first failing probe result of this episode, for time to detect.
  void transition(const std::string& component, const Transition& t, TimePoint at, const Hold& hold,
                  std::chrono::milliseconds rto, std::optional<TimePoint> first_failure);
  // The component's open incident continues under another replica's id (handover.h).
  void rename(const std::string& component, const std::string& from, const std::string& to);
  // One timeline entry of an open incident (ignored for an empty id).
  void note(const std::string& incident_id, TimePoint at, const std::string& kind,
            const std::string& summary, const nlohmann::json& data = nlohmann::json::object());

  // Writes the entries waiting for the store, if any (the engine calls it every second or so).
  void flush();
  // Applies the journal's retention (store/journal_retention.h), one batch; true when more
  // remain. Not while journal writes wait: the store refuses writes, and a waiting write may
  // reopen an incident the file still shows closed.
  bool prune(TimePoint now, const store::JournalLimits& limits);
  // Writes every open incident's record again (into a state file just recreated: the engine's
  // memory is the newest word on them).
  void rewrite_open();

 private:
  template <typename Fn>
  void safely(const char* what, Fn&& fn);
  void write(store::WriteBacklog::Write write);

  store::StateStore* store_;
  std::optional<store::IncidentJournal> journal_;
  std::optional<store::WriteBacklog> backlog_;
  StoreHealth& health_;
  RecoveryMetrics& metrics_;
  IncidentMetrics& incident_metrics_;
  std::map<std::string, store::IncidentRecord> open_;  // by component
  std::map<std::string, store::IncidentRecord> left_open_;  // by id: load() until resume()
};

}  // namespace watchdog::core
