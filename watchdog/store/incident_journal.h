#pragma once
// The incident journal (tables `incidents` and `incident_events` of the state store). An
// incident opens when a component leaves HEALTHY and closes when it is HEALTHY again; its
// timeline holds every state change, the probe results that mattered, every action (what ran,
// outcome, duration, output tail), holds and mutes, and every alert queued.
//
// Measured per incident:
//   time to detect   = first failing probe result → CRITICAL
//   time to recover  = CRITICAL → HEALTHY (the real RTO, compared with the component's `rto`)
//
// Thread-safety: none (used from the engine's loop thread or a CLI process).

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "watchdog/store/state_store.h"

namespace watchdog::store {

struct IncidentRecord {
  std::string id;
  std::string component;
  TimePoint opened;                        // left HEALTHY
  std::optional<TimePoint> first_failure;  // first failing probe result of the episode
  std::optional<TimePoint> critical;       // first reached CRITICAL
  std::optional<TimePoint> closed;         // HEALTHY again
  std::string worst_state;                 // "DEGRADED", "CRITICAL", "FAILED", …
  std::string reason;                      // why it opened
  std::string root_cause;                  // "postgres" when a dependency caused it
  std::string root_incident;               // that dependency's incident id
  int attempts = 0;                        // recovery actions started
  std::chrono::milliseconds rto{0};        // the component's target; 0 = none

  std::optional<std::chrono::milliseconds> time_to_detect() const;
  std::optional<std::chrono::milliseconds> time_to_recover() const;
};

struct IncidentEvent {
  std::int64_t seq = 0;
  TimePoint at;
  std::string kind;     // state_change, probe, action_start, action_done, alert, hold, operator
  std::string summary;  // one safe line
  std::string data;     // JSON object with the details
};

// Recovery actions that ran (action_done events of started actions), for the counter restored
// at start.
struct ActionCount {
  std::string component;
  std::string action;
  bool ok = false;
  std::int64_t count = 0;
};

class IncidentJournal {
 public:
  explicit IncidentJournal(Database& db) : db_(db) {}

  // Inserts, or (same id seen again, e.g. after a restart) reopens and updates.
  void upsert(const IncidentRecord& incident);
  // An incident this replica continues under another replica's id (leader handover): its row
  // and timeline move to `to`. Already journaled under `to` (continued once before, closed here
  // since), the two merge into that row, open again.
  void rename(const std::string& from, const std::string& to);
  void append(const std::string& incident_id, TimePoint at, const std::string& kind,
              const std::string& summary, const std::string& data = "{}");

  std::optional<IncidentRecord> find(const std::string& id);
  std::vector<IncidentRecord> list(std::size_t limit, bool open_only);
  std::vector<IncidentEvent> timeline(const std::string& id);
  // The first incident of `component` opened at or after `since` (a game day's fault).
  std::optional<IncidentRecord> first_opened_since(const std::string& component, TimePoint since);

  // What the metrics restore at start, so a restart is not a reset to nothing:
  // incidents ever opened, by component;
  std::map<std::string, std::int64_t> incident_counts();
  // actions run, by component, action and outcome;
  std::vector<ActionCount> action_counts();
  // the newest closed incident of each component that has a time to recover (reached CRITICAL).
  std::vector<IncidentRecord> last_recovered();

 private:
  Database& db_;
};

}  // namespace watchdog::store
