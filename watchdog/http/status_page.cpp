#include "watchdog/http/status_page.h"

#include <algorithm>
#include <sstream>

#include "config/time_text.h"

namespace watchdog::core {
namespace {

constexpr std::size_t kRecentClosed = 10;

// Colours carry the state, and so does the word beside them (colour-blind readers, printouts).
constexpr const char* kStyle = R"css(
*{box-sizing:border-box}
body{margin:0;font:15px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2430;background:#f3f5f8}
main{max-width:60rem;margin:0 auto;padding:.75rem}
header{display:flex;flex-wrap:wrap;align-items:center;gap:.5rem 1rem;margin-bottom:.75rem}
h1{font-size:1.3rem;margin:0}
h2{font-size:1.05rem;margin:1.2rem 0 .4rem}
.s{white-space:nowrap;display:inline-block;padding:.1rem .5rem;border-radius:.3rem;font-weight:700;color:#fff;font-size:.85rem;letter-spacing:.02em}
.big{font-size:1.1rem;padding:.25rem .7rem}
.HEALTHY{background:#1a7f37}.DEGRADED{background:#9a6700}.CRITICAL{background:#cf222e}
.RECOVERING{background:#0969da}.FAILED{background:#6e0b12}.FLAPPING{background:#8250df}
.card{background:#fff;border:1px solid #d5dae1;border-radius:.4rem;padding:.6rem .75rem;margin:.5rem 0}
.card h3{font-size:1rem;margin:0 .5rem 0 0;display:inline}
.meta{color:#57606a;font-size:.85rem;margin:.25rem 0}
.note{color:#9a6700;font-size:.85rem;margin:.25rem 0}
ul{margin:.3rem 0 0;padding-left:1.1rem}li{margin:.15rem 0;overflow-wrap:anywhere}
.ok{color:#1a7f37}.bad{color:#cf222e;font-weight:700}
.wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;background:#fff;font-size:.9rem}
th,td{text-align:left;padding:.3rem .45rem;border-bottom:1px solid #e3e7ec;vertical-align:top}
td{overflow-wrap:anywhere}.n,.ok,.bad{white-space:nowrap}
a{color:#0969da}
footer{color:#57606a;font-size:.8rem;margin:1rem 0}
)css";

std::string when(TimePoint at) { return config::format_rfc3339(at); }

std::string ago(TimePoint at, TimePoint now) {
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(now - at);
  return config::coarse_duration(std::max(seconds, std::chrono::seconds(0)));
}

std::string badge(std::string_view state, const char* extra = "") {
  const auto text = html_escape(state);
  return "<span class=\"s " + text + extra + "\">" + text + "</span>";
}

std::string last_check(const ComponentView& c) {
  std::optional<TimePoint> latest;
  for (const auto& p : c.probes) {
    if (p.last_run && (!latest || *p.last_run > *latest)) latest = p.last_run;
  }
  return latest ? when(*latest) : "not yet";
}

void component_card(const ComponentView& c, TimePoint now, std::ostream& out) {
  out << "<div class=\"card\" id=\"c-" << html_escape(c.name) << "\"><h3>" << html_escape(c.name)
      << "</h3>" << badge(to_string(c.state));
  // Flapping is not a state but why its alerts went quiet: one FLAPPING alert stands for them.
  if (c.flapping) out << " " << badge("FLAPPING");
  out << "<p class=\"meta\">since " << when(c.since) << " (" << ago(c.since, now)
      << ") &middot; last check " << last_check(c);
  if (c.attempts > 0) out << " &middot; attempts " << c.attempts;
  out << "</p>";
  if (c.muted || !c.hold.empty()) {
    out << "<p class=\"note\">" << (c.muted ? "muted: " : "held: ") << html_escape(c.hold)
        << "</p>";
  }
  out << "<ul>";
  for (const auto& p : c.probes) {
    const bool ok = p.status == "healthy" || p.status == "pending";
    out << "<li><b>" << html_escape(p.name) << "</b> (" << html_escape(p.kind) << ") <span class=\""
        << (ok ? "ok" : "bad") << "\">" << html_escape(p.status) << "</span>";
    if (!p.detail.empty()) out << ": " << html_escape(p.detail);
    out << "</li>";
  }
  out << "</ul></div>";
}

std::string incident_link(const store::IncidentRecord& r) {
  const auto id = html_escape(r.id);
  return "<a href=\"/incidents/" + id + "\">" + id + "</a>";
}

std::string rto_text(std::chrono::milliseconds rto) {
  return rto.count() > 0
             ? config::coarse_duration(std::chrono::duration_cast<std::chrono::seconds>(rto))
             : "none";
}

// The RTO clock runs from CRITICAL (time to recover); before that, nothing is due.
std::string rto_verdict_open(const store::IncidentRecord& r, TimePoint now) {
  if (r.rto.count() <= 0) return "";
  if (!r.critical) return "<span class=\"ok\">not critical</span>";
  const auto left =
      r.rto - std::chrono::duration_cast<std::chrono::milliseconds>(now - *r.critical);
  if (left.count() >= 0) {
    return "<span class=\"ok\">" +
           config::coarse_duration(std::chrono::duration_cast<std::chrono::seconds>(left)) +
           " left</span>";
  }
  return "<span class=\"bad\">RTO breached by " +
         config::coarse_duration(std::chrono::duration_cast<std::chrono::seconds>(-left)) +
         "</span>";
}

std::string rto_verdict_closed(const store::IncidentRecord& r) {
  const auto took = r.time_to_recover();
  if (!took) return "&ndash;";
  std::string text =
      config::coarse_duration(std::chrono::duration_cast<std::chrono::seconds>(*took));
  if (r.rto.count() <= 0) return text;
  return *took <= r.rto ? "<span class=\"ok\">" + text + " (met)</span>"
                        : "<span class=\"bad\">" + text + " (missed)</span>";
}

void open_incidents(const std::vector<store::IncidentRecord>& incidents, TimePoint now,
                    std::ostream& out) {
  out << "<h2>Open incidents</h2>";
  const bool any =
      std::any_of(incidents.begin(), incidents.end(), [](const auto& r) { return !r.closed; });
  if (!any) {
    out << "<p class=\"meta\">none</p>";
    return;
  }
  out << "<div class=\"wrap\"><table><tr><th>incident</th><th>component</th>"
         "<th>open for</th><th>RTO</th></tr>";
  for (const auto& r : incidents) {
    if (r.closed) continue;
    out << "<tr><td>" << incident_link(r) << "</td><td>" << html_escape(r.component) << "<br>"
        << badge(r.worst_state) << "</td><td class=\"n\">" << ago(r.opened, now)
        << "</td><td class=\"n\">" << rto_text(r.rto) << "<br>" << rto_verdict_open(r, now)
        << "</td></tr>";
  }
  out << "</table></div>";
}

void recent_incidents(const std::vector<store::IncidentRecord>& incidents, std::ostream& out) {
  out << "<h2>Recent incidents</h2>";
  std::size_t shown = 0;
  std::ostringstream rows;
  for (const auto& r : incidents) {
    if (!r.closed || shown == kRecentClosed) continue;
    ++shown;
    rows << "<tr><td>" << incident_link(r) << "</td><td>" << html_escape(r.component) << "<br>"
         << badge(r.worst_state) << "</td><td>" << when(r.opened) << "</td><td class=\"n\">"
         << rto_verdict_closed(r) << "<br>RTO " << rto_text(r.rto) << "</td></tr>";
  }
  if (shown == 0) {
    out << "<p class=\"meta\">none</p>";
    return;
  }
  out << "<div class=\"wrap\"><table><tr><th>incident</th><th>component</th>"
         "<th>opened</th><th>recovered in</th></tr>"
      << rows.str() << "</table></div>";
}

}  // namespace

std::string html_escape(std::string_view text) {
  static constexpr std::pair<char, std::string_view> kEntities[] = {
      {'&', "&amp;"}, {'<', "&lt;"}, {'>', "&gt;"}, {'"', "&quot;"}, {'\'', "&#39;"}};
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto* entity = std::find_if(std::begin(kEntities), std::end(kEntities),
                                      [c](const auto& e) { return e.first == c; });
    if (entity == std::end(kEntities)) {
      out += c;
    } else {
      out += entity->second;
    }
  }
  return out;
}

std::string render_status_page(const StatusView& status,
                               const std::vector<store::IncidentRecord>& incidents, TimePoint now) {
  const std::string overall(to_string(status.overall));
  std::ostringstream out;
  out << "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
         "<meta http-equiv=\"refresh\" content=\""
      << kStatusPageRefreshSeconds << "\"><title>watchdog: " << overall << "</title><style>"
      << kStyle << "</style></head><body><main><header><h1>watchdog</h1>" << badge(overall, " big")
      << "<span class=\"meta\">" << status.components.size() << " component(s) &middot; "
      << when(now) << "</span></header><h2>Components</h2>";
  for (const auto& c : status.components) component_card(c, now, out);
  open_incidents(incidents, now, out);
  recent_incidents(incidents, out);
  out << "<footer>Refreshes every " << kStatusPageRefreshSeconds
      << " s. JSON: <a href=\"/api/v1/status\">/api/v1/status</a>, "
         "<a href=\"/api/v1/incidents\">/api/v1/incidents</a>.</footer></main></body></html>\n";
  return out.str();
}

}  // namespace watchdog::core
