#pragma once
// The wait for the watchdog's answer once the fault is in place: every 250 ms the scenario's
// tick(), then the incident the fault opened (read from the daemon's journal), judged by what
// the scenario expects. The decision itself is pure (decide()), the loop around it is not.

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "watchdog/gameday/result.h"
#include "watchdog/gameday/scenario.h"
#include "watchdog/store/incident_journal.h"
#include "watchdog/store/state_store.h"

namespace watchdog::gameday {

// What to do after one look at the incident.
enum class WaitStep {
  KeepWaiting,
  Revert,  // Detect scenarios: the fault was seen; mend it, then wait for HEALTHY
  Done,
};

struct Decision {
  WaitStep step = WaitStep::KeepWaiting;
  Outcome outcome = Outcome::Error;  // when Done
  std::string reason;                // when Done
};

// `incident`: the fault's incident as the journal has it now (nothing before it opens);
// `reverted`: a Detect scenario's revert already ran.
//   Recover  closed → Recovered; FAILED → Failed (recovery gave up)
//   Detect   detected → Revert; after the revert, closed → Detected
//   GiveUp   FAILED → Failed (what it expects); closed → Recovered (it did not give up)
Decision decide(config::GamedayExpect expect, const std::optional<store::IncidentRecord>& incident,
                bool reverted);

// The loop's answer at the end: nothing found by the deadline, or still open.
Decision at_deadline(config::GamedayExpect expect,
                     const std::optional<store::IncidentRecord>& incident, bool reverted,
                     std::chrono::milliseconds timeout);

struct WaitEnd {
  Outcome outcome = Outcome::Error;
  std::string reason;
  std::string incident_id;  // "" when none was found
  bool reverted = false;    // revert() already ran (Detect scenarios)
};

struct WaitHooks {
  std::function<bool()> interrupted;
  std::function<void()> revert;                  // runs the scenario's revert (and records it)
  std::function<void(const store::IncidentRecord&)> found;  // the fault's incident, once
  std::function<void(const std::string&)> progress;
};

// Throws what tick() or revert() throws (a ScenarioError; the runner records it as Error).
WaitEnd wait_for_outcome(store::StateStore& store, Scenario& scenario, Context& ctx,
                         TimePoint fault, std::chrono::milliseconds timeout,
                         const WaitHooks& hooks);

// After the outcome: the incident's alerts may still sit in the outbox (a sink that was down
// is retried with backoff, 32–64 s apart). Waits until none of them is pending, at most
// `limit`, checking `interrupted` twice a second; returns whether none is pending. An outbox
// that cannot be read ends the wait (the judge then sees what there is).
bool wait_for_alerts(store::StateStore& store, const std::string& incident_id,
                     std::chrono::milliseconds limit, const std::function<bool()>& interrupted);

}  // namespace watchdog::gameday
