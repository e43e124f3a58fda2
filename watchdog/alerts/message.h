#pragma once
// What a human reads, built once from an event and rendered by each chat/paging provider in
// its own format: a title, one summary line, facts (component, state, root cause, action and
// its outcome, incident, outage), the probe lines and the incident link. Plus the text helpers
// every provider needs to respect its receiver's limits without breaking UTF-8.

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "watchdog/alerts/event.h"

namespace watchdog::alerts {

struct Message {
  // "api is CRITICAL", "api recovered after 3m 12s" ("api is HEALTHY again" without a known
  // start), "Reminder: api is still CRITICAL (for 4h 00m)" (at − incident_started).
  std::string title;
  std::string summary;  // headline(event): state, cause, reason on one line
  // Ordered label → value: Component, State ("RECOVERING (was CRITICAL)"), Root cause
  // ("postgres (incident …)"), Action ("restart-api (docker_restart): ok — detail"), Attempt,
  // Incident, Outage. Absent facts are left out (no "Root cause: -").
  std::vector<std::pair<std::string, std::string>> facts;
  std::vector<std::string> probe_lines;  // "api-http (http): unhealthy — connection refused"
  std::string link;                      // event.link, "" when none
  Severity severity = Severity::Info;
  bool resolved = false;  // to HEALTHY
};

Message compose(const AlertEvent& event);

// At most `max_chars` code points; when cut, the kept text (trailing blanks dropped) is
// followed by "…" (which counts). Never splits a UTF-8 sequence; each invalid byte is replaced
// by U+FFFD first (so the result is always valid UTF-8, cut or not).
std::string truncate_text(std::string_view text, std::size_t max_chars);
// Number of code points (after the same U+FFFD repair).
std::size_t text_length(std::string_view text);
// Valid UTF-8 (invalid bytes → U+FFFD), so that nlohmann::json::dump never throws on it.
std::string valid_utf8(std::string_view text);

}  // namespace watchdog::alerts
