// The game-day series on /metrics: shown from the newest results, replaced, removed.
#include "watchdog/gameday/gameday_metrics.h"

#include <gtest/gtest.h>

#include "watchdog/gameday/report.h"

namespace watchdog::gameday {
namespace {

using namespace std::chrono_literals;

const TimePoint kStart = TimePoint(std::chrono::seconds(1'796'000'123));

Result result(const std::string& scenario, const std::string& component, bool recovered,
              bool passed) {
  Result r;
  r.scenario = scenario;
  r.component = component;
  r.started = kStart;
  r.fault = kStart + 2s;
  if (recovered) r.recovered = kStart + 2s + 221500ms;
  r.passed = passed;
  return r;
}

bool has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(GamedayMetrics, NewestResultPerScenarioAndComponent) {
  core::Metrics metrics;
  GamedayMetrics figures(metrics);
  EXPECT_EQ(metrics.render().find("watchdog_gameday_"), std::string::npos);  // none yet

  figures.show({result("database-stopped", "postgres", true, true),
                result("container-crash-loop", "api", false, false)});
  auto text = metrics.render();
  EXPECT_TRUE(has(text,
                  "watchdog_gameday_last_run_timestamp_seconds{scenario=\"database-stopped\","
                  "component=\"postgres\"} 1796000123"))
      << text;
  EXPECT_TRUE(has(text,
                  "watchdog_gameday_last_time_to_recover_seconds{scenario=\"database-"
                  "stopped\",component=\"postgres\"} 221.5"));
  EXPECT_TRUE(has(text,
                  "watchdog_gameday_last_passed{scenario=\"database-stopped\",component="
                  "\"postgres\"} 1"));
  EXPECT_TRUE(has(text,
                  "watchdog_gameday_last_passed{scenario=\"container-crash-loop\","
                  "component=\"api\"} 0"));
  // A run that did not recover has no time to recover: absent, not NaN or a stale figure.
  EXPECT_EQ(text.find("last_time_to_recover_seconds{scenario=\"container-crash-loop\""),
            std::string::npos);
  EXPECT_EQ(text.find("NaN"), std::string::npos);

  // A newer run of postgres that failed; the api pair is gone (its component was removed).
  figures.show({result("database-stopped", "postgres", false, false)});
  text = metrics.render();
  EXPECT_TRUE(has(text,
                  "watchdog_gameday_last_passed{scenario=\"database-stopped\",component="
                  "\"postgres\"} 0"));
  EXPECT_EQ(text.find("watchdog_gameday_last_time_to_recover_seconds"), std::string::npos);
  EXPECT_EQ(text.find("component=\"api\""), std::string::npos) << text;
}

TEST(GamedayMetrics, ADetectScenarioHasNoTimeToRecover) {
  core::Metrics metrics;
  GamedayMetrics figures(metrics);
  auto detect = result("disk-filling", "postgres", true, true);  // closed after the revert
  detect.expect = config::GamedayExpect::Detect;
  figures.show({detect});
  const auto text = metrics.render();
  EXPECT_TRUE(has(text,
                  "watchdog_gameday_last_passed{scenario=\"disk-filling\",component="
                  "\"postgres\"} 1"))
      << text;
  EXPECT_EQ(text.find("watchdog_gameday_last_time_to_recover_seconds{"), std::string::npos)
      << text;
}

TEST(GamedayMetrics, ReadableResultsSkipsBadRowsAndOtherComponents) {
  const auto good = to_json(result("redis-down", "redis", true, true)).dump();
  const auto removed = to_json(result("redis-down", "old-redis", true, true)).dump();
  const auto results =
      readable_results({good, "{not json", R"({"outcome":"exploded"})", removed}, {"redis"});
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].component, "redis");
  EXPECT_EQ(results[0].time_to_recover(), 221500ms);
}

}  // namespace
}  // namespace watchdog::gameday
