#pragma once
// Measuring and judging a game day from what the daemon itself recorded: the incident the fault
// opened (incident journal), the alerts it queued for that incident (alert outbox), and the
// component's targets and probe settings (config). The runner calls, after the outcome:
//
//   result.fault = …; result.outcome = …;   // its own part, and its timeline (source "gameday")
//   measure(store, config, result);         // the journal's figures, alerts and timeline
//   judge(result);                          // checks, passed, advice
//
// measure() reads only (a CLI process beside the daemon); judge() is pure. Both may be called
// again on the same result (the runner re-measures after the revert): they replace what they
// filled before.

#include <optional>
#include <string>

#include "config/config.h"
#include "watchdog/gameday/result.h"
#include "watchdog/store/incident_journal.h"
#include "watchdog/store/state_store.h"

namespace watchdog::gameday {

// How far before the fault an incident may have opened and still be the fault's: the journal's
// clock is the daemon's wall clock, read in another process, and the fault may take hold while
// inject() is still returning.
inline constexpr std::chrono::seconds kFaultClockSlack{2};

// The first incident of `component` opened at or after fault - 2 s (the journal's clock is the
// daemon's wall clock), or nothing.
std::optional<store::IncidentRecord> find_fault_incident(store::StateStore& store,
                                                         const std::string& component,
                                                         TimePoint fault);

// Fills result's journal figures for that incident (result.incident_id when the runner already
// knows it, otherwise find_fault_incident): incident_id, worst_state, attempts, first_failure,
// detected (CRITICAL, or the first DEGRADED for a non-critical component or a Detect scenario),
// first_action (the first action_start event that ran), recovered (closed), alerts (the
// incident's state_change rows of the alert outbox), and the timeline: the journal's events
// (source "journal") merged with the runner's own (source "gameday") in time order. Also rto,
// probe_interval (the fastest probe) and its failure_threshold from the config's component.
// Throws store::SqliteError when the store cannot be read.
void measure(store::StateStore& store, const config::Config& config, Result& result);

// The expectations as Checks, `passed` (every check passed), and advice lines. Pure.
void judge(Result& result);

}  // namespace watchdog::gameday
