// The Markdown report's contents and the JSON round trip the store relies on.
#include "watchdog/gameday/report.h"

#include <gtest/gtest.h>

#include "config/time_text.h"
#include "watchdog/gameday/measure.h"

namespace watchdog::gameday {
namespace {

using namespace std::chrono_literals;

TimePoint at(const char* text) { return *config::parse_rfc3339(text); }

Result sample() {
  Result r;
  r.id = "gd-20261205T100000Z-postgres-database-dropped";
  r.scenario = "database-dropped";
  r.component = "postgres";
  r.trigger = "schedule";
  r.staging = true;
  r.expect = config::GamedayExpect::Recover;
  r.started = at("2026-12-05T10:00:00.125Z");
  r.fault = at("2026-12-05T10:00:03.500Z");
  r.outcome = Outcome::Recovered;
  r.reason = "HEALTHY again";
  r.incident_id = "inc-42";
  r.worst_state = "RECOVERING";
  r.attempts = 1;
  r.first_failure = at("2026-12-05T10:00:20.000Z");
  r.detected = at("2026-12-05T10:01:05.500Z");
  r.first_action = at("2026-12-05T10:01:06.000Z");
  r.recovered = at("2026-12-05T10:03:44.500Z");
  r.reverted = at("2026-12-05T10:03:50.000Z");
  r.ended = at("2026-12-05T10:03:51.000Z");
  r.rto = 15min;
  r.probe_interval = 60s;
  r.failure_threshold = 3;
  r.alerts = {{"ops", "CRITICAL", "delivered", at("2026-12-05T10:01:05.600Z"),
               at("2026-12-05T10:01:06.000Z")},
              {"pager|night", "CRITICAL", "pending", at("2026-12-05T10:01:05.600Z"), std::nullopt}};
  r.data_loss = DataLoss{1234,
                         1186,
                         at("2026-12-05T09:59:58.000Z"),
                         at("2026-12-05T08:00:00.000Z"),
                         "main-20261205T080000Z",
                         25h};
  r.data_loss->writer_started = at("2026-12-05T09:57:00.000Z");
  r.timeline = {{r.started, "gameday", "prepare: writer started"},
                {*r.fault, "gameday", "inject: DROP DATABASE shop"},
                {*r.detected, "journal", "DEGRADED -> CRITICAL: pg | not_found"},
                {at("2026-12-06T00:00:01.000Z"), "journal", "after midnight"}};
  judge(r);
  return r;
}

TEST(GamedayReport, MarkdownHasEverySection) {
  const auto md = render_markdown(sample());
  for (const char* part : {
           "# Game day: database-dropped on postgres — FAIL\n",  // the pager alert is pending
           "- **When:** 2026-12-05 10:00 UTC (3m 50s)\n",
           "**Expected:** recover · **Outcome:** recovered — HEALTHY again",
           "trigger schedule · staging",
           "| Time to detect | 1m 02s | 1m interval, failure_threshold 3 |\n",
           "| Time to first action | 1m 02s | |\n",
           "| Time to recover | 3m 41s | RTO 15m (11m 19s to spare) |\n",
           "| Data loss | 48 of 1,234 rows | |\n",
           "| Backup age at the fault | 2h 00m (main-20261205T080000Z) | RPO 1d1h |\n",
           "| Incident | inc-42 | worst state RECOVERING, 1 recovery attempt |\n",
           "- ✓ detected — incident inc-42, 1m 02s after the fault",
           "- ✓ within the RTO (15m) — took 3m 41s, 11m 19s to spare\n",
           "- ✗ alerts delivered — ops CRITICAL after 400ms, pager|night CRITICAL: pending\n",
           "| ops | CRITICAL | delivered | 400ms |\n",
           "| pager\\|night | CRITICAL | pending | — |\n",
           "| 10:00:00 | -00:03 | gameday | prepare: writer started |\n",
           "| 10:00:03 | +00:00 | gameday | inject: DROP DATABASE shop |\n",
           "| 10:01:05 | +01:02 | journal | DEGRADED -> CRITICAL: pg \\| not_found |\n",
           "| 2026-12-06 00:00:01 | +13:59:57 | journal | after midnight |\n",
           "## What to improve\n",
           "- RTO 15m met with 11m 19s to spare\n",
           "- alert to pager|night (CRITICAL) was still pending when the game day ended: check "
           "the sink\n",
       }) {
    EXPECT_NE(md.find(part), std::string::npos) << "missing: " << part << "\n" << md;
  }
}

TEST(GamedayReport, MarkdownOfAPassAndOfAnError) {
  Result pass = sample();
  pass.alerts.pop_back();
  pass.data_loss.reset();
  judge(pass);
  const auto md = render_markdown(pass);
  EXPECT_NE(md.find("— PASS\n"), std::string::npos) << md;
  EXPECT_EQ(md.find("Data loss"), std::string::npos);

  Result error;
  error.scenario = "database-stopped";
  error.component = "db";
  error.outcome = Outcome::Error;
  error.reason = "docker stop db: no such container";
  error.started = error.ended = at("2026-12-05T10:00:00Z");
  judge(error);
  const auto text = render_markdown(error);
  EXPECT_NE(text.find("— FAIL\n"), std::string::npos);
  EXPECT_NE(text.find("- ✗ ran to the end — error: docker stop db: no such container"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("| Time to recover | — | no rto set |"), std::string::npos) << text;
  EXPECT_NE(text.find("No alert was queued"), std::string::npos);
  EXPECT_NE(text.find("From the start"), std::string::npos);
}

TEST(GamedayReport, JsonRoundTrips) {
  const Result original = sample();
  const auto json = to_json(original);
  EXPECT_EQ(json["fault"], "2026-12-05T10:00:03.500Z");
  EXPECT_EQ(json["time_to_recover_ms"], 221000);
  EXPECT_EQ(json["data_loss"]["rows_lost"], 48);
  EXPECT_EQ(json["data_loss"]["backup_age_ms"], 7203500);
  EXPECT_EQ(json["alerts"][1]["latency_ms"], nullptr);
  EXPECT_EQ(json["expect"], "recover");
  EXPECT_EQ(json["outcome"], "recovered");

  const Result back = result_from_json(nlohmann::json::parse(json.dump()));
  EXPECT_EQ(to_json(back), json);  // every field, through the text the store keeps
  EXPECT_EQ(back.started, original.started);
  EXPECT_EQ(back.recovered, original.recovered);
  EXPECT_EQ(back.data_loss->backup_started, original.data_loss->backup_started);
  EXPECT_EQ(back.data_loss->writer_started, original.data_loss->writer_started);
  EXPECT_EQ(back.checks.size(), original.checks.size());
  EXPECT_EQ(back.passed, original.passed);
  EXPECT_EQ(render_markdown(back), render_markdown(original));
}

TEST(GamedayReport, JsonOfAMinimalResultAndBadInput) {
  Result minimal;
  minimal.expect = config::GamedayExpect::GiveUp;
  minimal.outcome = Outcome::Interrupted;
  const auto json = to_json(minimal);
  EXPECT_EQ(json["fault"], nullptr);
  EXPECT_EQ(json["data_loss"], nullptr);
  const auto back = result_from_json(json);
  EXPECT_EQ(back.expect, config::GamedayExpect::GiveUp);
  EXPECT_EQ(back.outcome, Outcome::Interrupted);
  EXPECT_FALSE(back.fault.has_value());
  EXPECT_FALSE(back.data_loss.has_value());

  EXPECT_THROW(result_from_json(nlohmann::json::array()), std::invalid_argument);
  EXPECT_THROW(result_from_json({{"outcome", "exploded"}}), std::invalid_argument);
  EXPECT_THROW(result_from_json({{"fault", "yesterday"}}), std::invalid_argument);
  // Keys a newer version adds are ignored; missing ones take their defaults.
  const auto older = result_from_json({{"scenario", "redis-down"}, {"future_key", 1}});
  EXPECT_EQ(older.scenario, "redis-down");
  EXPECT_EQ(older.outcome, Outcome::Error);
}

}  // namespace
}  // namespace watchdog::gameday
