#pragma once
// Turns what the engine sees (transitions, probe results that mattered, actions, holds, alerts)
// into the incident journal and the incident metrics. A store error (disk full, say) is logged
// and never stops the engine: the journal is a record, not a dependency of recovery.
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
#include "watchdog/store/incident_journal.h"

namespace watchdog::core {

class IncidentRecorder {
 public:
  // `store` may be null (no state dir: nothing is journaled, metrics still move).
  IncidentRecorder(store::StateStore* store, RecoveryMetrics& metrics,
                   IncidentMetrics& incident_metrics);

  // Picks up incidents left open by a previous run, so that they close properly, and restores
  // the incident and action counters and each component's last recovery from the journal —
  // for the `configured` components only (a removed one gets no series back).
  void load(const std::set<std::string>& configured);

  // `first_failure`: the first failing probe result of this episode, for time to detect.
  void transition(const std::string& component, const Transition& t, TimePoint at, const Hold& hold,
                  std::chrono::milliseconds rto, std::optional<TimePoint> first_failure);
  // One timeline entry of an open incident (ignored for an empty id).
  void note(const std::string& incident_id, TimePoint at, const std::string& kind,
            const std::string& summary, const nlohmann::json& data = nlohmann::json::object());

 private:
  template <typename Fn>
  void safely(const char* what, Fn&& fn);

  store::StateStore* store_;
  std::optional<store::IncidentJournal> journal_;
  RecoveryMetrics& metrics_;
  IncidentMetrics& incident_metrics_;
  std::map<std::string, store::IncidentRecord> open_;  // by component
};

}  // namespace watchdog::core
