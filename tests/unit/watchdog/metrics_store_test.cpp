// The compact series store: rows per component and per probe, families rendered from them.
#include "watchdog/metrics_store.h"

#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <string_view>
#include <thread>

#include "tests/support/prometheus_text.h"

namespace watchdog::core {
namespace {

using testing::metric_sum;

constexpr std::array<double, 3> kBounds = {0.1, 1, 10};
constexpr std::array<std::string_view, 2> kColours = {"red", "green"};

std::string render(const MetricsStore& store) {
  std::string out;
  store.render(out);
  return out;
}

TEST(MetricsStore, ComponentSeriesRenderOnePerVariantUnderOneHeader) {
  MetricsStore store;
  const auto colour = store.add_component("w_colour", "C", MetricType::Gauge, "colour", kColours);
  store.set(colour, "db", 1, 0);
  store.set(colour, "db", 0, 1);
  store.set(colour, "api", 0, 0);
  store.set(colour, "api", 1, 1);
  EXPECT_EQ(render(store),
            "# HELP w_colour C\n# TYPE w_colour gauge\n"
            "w_colour{component=\"api\",colour=\"red\"} 0\n"
            "w_colour{component=\"api\",colour=\"green\"} 1\n"
            "w_colour{component=\"db\",colour=\"red\"} 1\n"
            "w_colour{component=\"db\",colour=\"green\"} 0\n");
}

TEST(MetricsStore, AFamilyWithoutSeriesIsLeftOutAndARemovedComponentLeavesNothing) {
  MetricsStore store;
  const auto up = store.add_component("w_up", "U", MetricType::Gauge);
  const auto runs = store.add_component("w_runs_total", "R", MetricType::Counter);
  store.set(up, "db", 1);
  EXPECT_EQ(render(store), "# HELP w_up U\n# TYPE w_up gauge\nw_up{component=\"db\"} 1\n");
  store.remove(up, "db");
  EXPECT_EQ(render(store), "");
  store.add(runs, "db", 2);  // the row came back without the removed series
  EXPECT_EQ(
      render(store),
      "# HELP w_runs_total R\n# TYPE w_runs_total counter\nw_runs_total{component=\"db\"} 2\n");
}

TEST(MetricsStore, FamiliesAddedAfterARowExistsKeepItsValues) {
  MetricsStore store;
  const auto first = store.add_component("w_first", "F", MetricType::Gauge);
  store.set(first, "db", 7);
  const auto later = store.add_component("w_later", "L", MetricType::Gauge);
  store.set(later, "db", 8);
  const auto text = render(store);
  EXPECT_EQ(metric_sum(text, "w_first", {{"component", "db"}}), 7) << text;
  EXPECT_EQ(metric_sum(text, "w_later", {{"component", "db"}}), 8) << text;
}

TEST(MetricsStore, HistogramBucketsAreCumulativeAndIncludeTheirBound) {
  MetricsStore store;
  const auto wait = store.add_component_histogram("w_wait_seconds", "W", kBounds);
  for (double v : {0.1, 0.5, 20.0}) store.observe(wait, "db", v);
  EXPECT_EQ(render(store),
            "# HELP w_wait_seconds W\n# TYPE w_wait_seconds histogram\n"
            "w_wait_seconds_count{component=\"db\"} 3\n"
            "w_wait_seconds_sum{component=\"db\"} 20.6\n"
            "w_wait_seconds_bucket{component=\"db\",le=\"0.1\"} 1\n"
            "w_wait_seconds_bucket{component=\"db\",le=\"1\"} 2\n"
            "w_wait_seconds_bucket{component=\"db\",le=\"10\"} 2\n"
            "w_wait_seconds_bucket{component=\"db\",le=\"+Inf\"} 3\n");
  store.remove(wait, "db");
  EXPECT_EQ(render(store), "");
}

TEST(MetricsStore, TaggedSeriesAddUpPerLabelSetAndGoTogether) {
  MetricsStore store;
  const auto actions = store.add_component_tagged("w_actions_total", "A", MetricType::Counter);
  store.add_tagged(actions, "db", "result=\"ok\"", 2);
  store.add_tagged(actions, "db", "result=\"ok\"", 1);
  store.add_tagged(actions, "db", "result=\"bad\"", 1);
  auto text = render(store);
  EXPECT_EQ(metric_sum(text, "w_actions_total", {{"result", "ok"}}), 3) << text;
  EXPECT_EQ(metric_sum(text, "w_actions_total", {{"result", "bad"}}), 1) << text;
  store.remove(actions, "db");
  EXPECT_EQ(render(store), "");
}

TEST(MetricsStore, ProbeRowsAreFoundAgainAndForgotten) {
  MetricsStore store;
  store.add_probe("w_probe_up", "P", MetricType::Gauge, ProbeField::Success);
  auto row = store.probe("db", "ping", "tcp", kBounds);
  row->success.set(1);
  store.add_measurement(*row, "tcp_connect_seconds", MetricType::Gauge, "M").set(0.5);
  EXPECT_EQ(store.probe("db", "ping", "tcp", kBounds), row) << "a new plan keeps the values";
  EXPECT_NE(store.probe("db", "ping", "http", kBounds), row) << "another kind is another series";
  auto text = render(store);
  EXPECT_EQ(
      metric_sum(text, "w_probe_up", {{"component", "db"}, {"probe", "ping"}, {"kind", "tcp"}}), 1)
      << text;
  EXPECT_EQ(
      metric_sum(text, "watchdog_tcp_connect_seconds", {{"component", "db"}, {"probe", "ping"}}),
      0.5)
      << text;
  EXPECT_EQ(text.find("kind=\"tcp\"}", text.find("watchdog_tcp_connect_seconds{")),
            std::string::npos)
      << "measurements carry no kind label";
  store.forget_probe("db", "ping", "tcp");
  store.forget_probe("db", "ping", "http");
  EXPECT_EQ(render(store), "");
  row->success.set(0);  // a stale handle writes to a row no longer rendered
  EXPECT_EQ(render(store), "");
}

// Observation never waits for a scrape for long and a counter read mid-update never goes back.
TEST(MetricsStore, CountersReadWhileAnotherThreadCountsNeverDecrease) {
  MetricsStore store;
  store.add_probe("w_runs_total", "R", MetricType::Counter, ProbeField::Runs, "status",
                  std::array<std::string_view, 4>{"a", "b", "c", "d"});
  auto row = store.probe("db", "ping", "tcp", kBounds);
  std::atomic<bool> done = false;
  std::thread writer([&] {
    for (int i = 0; i < 20000; ++i) {
      row->runs[0].add(1);
      row->duration.observe(0.05);
    }
    done = true;
  });
  double last = 0;
  while (!done) {
    const double now = metric_sum(render(store), "w_runs_total").value_or(0);
    EXPECT_GE(now, last);
    last = now;
  }
  writer.join();
  EXPECT_EQ(metric_sum(render(store), "w_runs_total"), 20000);
}

}  // namespace
}  // namespace watchdog::core
