// The status page: escaping, what it shows, and what it must not contain.
#include "watchdog/http/status_page.h"

#include <gtest/gtest.h>

namespace watchdog::core {
namespace {

using namespace std::chrono_literals;

TimePoint at(int s) { return TimePoint(std::chrono::seconds(1'800'000'000 + s)); }

TEST(HtmlEscape, EscapesEveryCharacterThatCouldOpenMarkup) {
  EXPECT_EQ(html_escape("plain text 123"), "plain text 123");
  EXPECT_EQ(html_escape("<script>alert('x')</script>"),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
  EXPECT_EQ(html_escape("a & b \"q\""), "a &amp; b &quot;q&quot;");
  EXPECT_EQ(html_escape("&amp;"), "&amp;amp;");
  EXPECT_EQ(html_escape("caf\xC3\xA9"), "caf\xC3\xA9");  // UTF-8 passes through
}

StatusView sample() {
  StatusView status;
  status.overall = State::Critical;
  ComponentView api;
  api.name = "api";
  api.state = State::Critical;
  api.since = at(0);
  api.incident_id = "api-1";
  api.probes.push_back({"api-http", "http", "unhealthy", "connection_refused",
                        "<img src=x onerror=alert(1)> refused", at(290), 0.01});
  ComponentView db;
  db.name = "db";
  db.state = State::Healthy;
  db.since = at(-100);
  db.muted = true;
  db.hold = "paused until later: \"deploy\"";
  status.components = {api, db};
  return status;
}

std::vector<store::IncidentRecord> incidents() {
  store::IncidentRecord open;
  open.id = "api-1";
  open.component = "api";
  open.opened = at(0);
  open.critical = at(0);
  open.worst_state = "CRITICAL";
  open.rto = 120s;
  store::IncidentRecord closed;
  closed.id = "db-1";
  closed.component = "db";
  closed.opened = at(-1000);
  closed.critical = at(-1000);
  closed.closed = at(-940);
  closed.worst_state = "CRITICAL";
  closed.rto = 300s;
  return {open, closed};
}

TEST(StatusPage, ShowsStatesIncidentsAndRtoVerdicts) {
  const auto page = render_status_page(sample(), incidents(), at(300));
  EXPECT_NE(page.find("<title>watchdog: CRITICAL</title>"), std::string::npos);
  EXPECT_NE(page.find("http-equiv=\"refresh\""), std::string::npos);
  EXPECT_NE(page.find("name=\"viewport\""), std::string::npos);
  EXPECT_NE(page.find("<h3>api</h3>"), std::string::npos);
  EXPECT_NE(page.find("RTO breached by 3m"), std::string::npos);  // 300 s open, RTO 120 s
  EXPECT_NE(page.find("1m 00s (met)"), std::string::npos);        // db: 60 s within 300 s
  EXPECT_NE(page.find("href=\"/incidents/api-1\""), std::string::npos);
  EXPECT_NE(page.find("muted: paused until later: &quot;deploy&quot;"), std::string::npos);
}

// A flapping component says so beside its state (its alerts are folded into one FLAPPING
// alert, so the page is where an operator sees why the pages stopped); a steady one does not.
TEST(StatusPage, MarksAFlappingComponent) {
  auto status = sample();
  status.components[0].flapping = true;
  const auto page = render_status_page(status, incidents(), at(300));
  const auto api = page.find("id=\"c-api\"");
  const auto db = page.find("id=\"c-db\"");
  ASSERT_NE(api, std::string::npos);
  ASSERT_NE(db, std::string::npos);
  const std::string badge = "<span class=\"s FLAPPING\">FLAPPING</span>";
  const auto flapping = page.find(badge);
  ASSERT_NE(flapping, std::string::npos) << page;
  EXPECT_GT(flapping, api);
  EXPECT_LT(flapping, db);
  EXPECT_EQ(page.find(badge, flapping + badge.size()), std::string::npos) << "db is steady";
  EXPECT_EQ(render_status_page(sample(), incidents(), at(300)).find(">FLAPPING<"),
            std::string::npos);
}

TEST(StatusPage, EscapesProbeDetailsAndLoadsNothingFromElsewhere) {
  const auto page = render_status_page(sample(), incidents(), at(300));
  EXPECT_EQ(page.find("<img"), std::string::npos);
  EXPECT_NE(page.find("&lt;img src=x onerror=alert(1)&gt; refused"), std::string::npos);
  EXPECT_EQ(page.find("<script"), std::string::npos);
  EXPECT_EQ(page.find("<link"), std::string::npos);
  EXPECT_EQ(page.find("http://"), std::string::npos);
  EXPECT_EQ(page.find("https://"), std::string::npos);
  EXPECT_EQ(page.find("@import"), std::string::npos);
  EXPECT_LT(page.size(), 8u * 1024);  // a few KB
}

TEST(StatusPage, NoIncidentsSaysSo) {
  StatusView status;
  const auto page = render_status_page(status, {}, at(0));
  EXPECT_NE(page.find("<title>watchdog: HEALTHY</title>"), std::string::npos);
  EXPECT_NE(page.find("<h2>Open incidents</h2><p class=\"meta\">none</p>"), std::string::npos);
}

}  // namespace
}  // namespace watchdog::core
