#pragma once
// GET / : the status page a person opens in a browser, phone included. Rendered on the server
// into one small HTML document (a few KB): inline CSS, no scripts, fonts or anything fetched
// from elsewhere, a <meta refresh> to stay current. It shows the overall state, each component
// (state, since when, last check, hold or pause, each probe's safe detail line), open incidents
// with their age against the component's RTO, and the latest closed incidents. Every text that
// comes from the outside (names, probe details, reasons) is HTML-escaped; nothing here is a
// secret (details are the probes' safe lines, the same as /status).

#include <string>
#include <string_view>
#include <vector>

#include "watchdog/engine/engine.h"
#include "watchdog/store/incident_journal.h"

namespace watchdog::core {

inline constexpr int kStatusPageRefreshSeconds = 10;

// & < > " ' escaped for element text and quoted attribute values alike.
std::string html_escape(std::string_view text);

// `incidents`: every open incident, then the latest closed ones (each group newest first);
// empty when the state store is not available.
std::string render_status_page(const StatusView& status,
                               const std::vector<store::IncidentRecord>& incidents, TimePoint now);

}  // namespace watchdog::core
