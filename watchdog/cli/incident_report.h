#pragma once
// Renders incidents from the journal for `watchdog incidents`: a table, one incident with its
// timeline, a post-incident report (timeline, root cause, actions, RTO vs target), and JSON.

#include <nlohmann/json.hpp>
#include <ostream>
#include <vector>

#include "watchdog/store/incident_journal.h"

namespace watchdog::core {

void print_incident_table(const std::vector<store::IncidentRecord>& incidents, store::TimePoint now,
                          std::ostream& out);
void print_incident(const store::IncidentRecord& incident,
                    const std::vector<store::IncidentEvent>& timeline, std::ostream& out);
// The post-incident summary: what happened, why, what was done, and the measured RTO against
// the component's target.
void print_incident_report(const store::IncidentRecord& incident,
                           const std::vector<store::IncidentEvent>& timeline, std::ostream& out);

nlohmann::json incident_json(const store::IncidentRecord& incident);
nlohmann::json timeline_json(const std::vector<store::IncidentEvent>& timeline);

}  // namespace watchdog::core
