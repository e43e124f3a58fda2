#pragma once
// A game day's result for people and for machines:
//   render_markdown  the report an operator pastes into the DR document: title (scenario on
//                    component, date, PASS/FAIL), the figures against the targets (RTO, RPO),
//                    the checks (✓/✗), the alerts, the timeline (UTC, +mm:ss from the fault) and
//                    what to improve (report.cpp)
//   to_json          `watchdog gameday --json`, and what the store keeps (report_json.cpp):
//                    times as RFC 3339 UTC with milliseconds, durations as *_ms integers, the
//                    derived figures (time_to_*_ms, rows_lost, backup_age_ms) beside them
//   result_from_json reads to_json's output back (the derived figures are recomputed, not read);
//                    missing keys take their defaults so that results of older versions still
//                    read. Throws std::invalid_argument (a bad time or enum name) or
//                    nlohmann::json::exception (a wrong type) for a document it cannot read.
// Pure and thread-safe.

#include <nlohmann/json.hpp>
#include <string>

#include "watchdog/gameday/result.h"

namespace watchdog::gameday {

std::string render_markdown(const Result& result);  // pasteable into a DR document
nlohmann::json to_json(const Result& result);
Result result_from_json(const nlohmann::json& json);  // round-trips to_json (the store keeps it)

// "recover", "detect", "give_up": the YAML spelling of `expect:`.
const char* expect_text(config::GamedayExpect expect);

}  // namespace watchdog::gameday
