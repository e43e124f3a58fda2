#pragma once
// The end of every recorded game day (a finished run, or one reverted after its process died):
// measured from the daemon's journal, judged, marked on the fault's incident (an event of kind
// "gameday", so the incident's timeline shows it was a game day) and stored as done.

#include <nlohmann/json.hpp>
#include <string>

#include "config/config.h"
#include "watchdog/gameday/gameday_store.h"
#include "watchdog/gameday/result.h"

namespace watchdog::gameday {

// "gd-20261205T214055Z-postgres-database-dropped"
std::string gameday_id(TimePoint started, const std::string& component,
                       const std::string& scenario);

// The sink outage an alert-sink-down scenario left in its memory, if any (judged by judge()).
void read_sink_outage(const nlohmann::json& memory, Result& result);

// A journal read error still records the result (without the journal's figures, the reason
// says why); a store write error throws.
void conclude(store::StateStore& store, GamedayStore& rows, const config::Config& config,
              Result& result);

// The "gameday" journal event that marks `incident_id` as a game day's fault (at discovery).
void mark_incident(store::StateStore& store, const std::string& incident_id, const Result& result);

}  // namespace watchdog::gameday
