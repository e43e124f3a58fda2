// Metrics: the config reload gauges and the restored action counter.
#include "watchdog/metrics.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <thread>

#include "tests/support/prometheus_text.h"

namespace watchdog::core {
namespace {

using testing::metric_sum;

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

TEST(Metrics, StartCountsAsTheFirstSuccessfulConfigLoad) {
  const double before = now_seconds();
  Metrics metrics;
  const auto text = metrics.render();
  EXPECT_EQ(metric_sum(text, "watchdog_config_last_reload_successful"), 1);
  const auto at = metric_sum(text, "watchdog_config_last_reload_success_timestamp_seconds");
  ASSERT_TRUE(at);
  EXPECT_GE(*at, before - 0.01);
  EXPECT_LE(*at, now_seconds() + 0.01);
  EXPECT_EQ(metric_sum(text, "watchdog_config_reloads_total"), 0);
}

TEST(Metrics, FailedReloadKeepsTheLastSuccessTime) {
  Metrics metrics;
  const auto first =
      metric_sum(metrics.render(), "watchdog_config_last_reload_success_timestamp_seconds");
  metrics.count_reload(false);
  auto text = metrics.render();
  EXPECT_EQ(metric_sum(text, "watchdog_config_last_reload_successful"), 0);
  EXPECT_EQ(metric_sum(text, "watchdog_config_last_reload_success_timestamp_seconds"), first);
  EXPECT_EQ(metric_sum(text, "watchdog_config_reloads_total", {{"result", "failure"}}), 1);

  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  metrics.count_reload(true);
  text = metrics.render();
  EXPECT_EQ(metric_sum(text, "watchdog_config_last_reload_successful"), 1);
  EXPECT_GT(metric_sum(text, "watchdog_config_last_reload_success_timestamp_seconds"), first);
}

TEST(Metrics, ActionCountCanStartFromAPreviousRun) {
  Metrics metrics;
  metrics.count_action("db", "restart", true, 4);
  metrics.count_action("db", "restart", true);
  EXPECT_EQ(metric_sum(metrics.render(), "watchdog_recovery_actions_total",
                       {{"component", "db"}, {"action", "restart"}, {"result", "success"}}),
            5);
}

// A measurement a later result leaves out disappears instead of freezing at its old value;
// a *_total counter stays.
TEST(Metrics, MeasurementALaterResultLeavesOutIsRemoved) {
  Metrics metrics;
  auto series = metrics.probe_series("backups", "nightly", "backup");
  const std::map<std::string, std::string> labels = {{"component", "backups"},
                                                     {"probe", "nightly"}};
  probes::ProbeResult all_good;
  all_good.status = probes::ProbeStatus::Healthy;
  all_good.measurements = {{"backup_age_seconds", 60},
                           {"backup_oldest_restorable_timestamp_seconds", 1700000000},
                           {"backup_verify_failures_total", 2}};
  series.observe(all_good, 0.01);
  auto text = metrics.render();
  EXPECT_EQ(metric_sum(text, "watchdog_backup_age_seconds", labels), 60);
  EXPECT_EQ(metric_sum(text, "watchdog_backup_oldest_restorable_timestamp_seconds", labels),
            1700000000);

  probes::ProbeResult all_corrupt;
  all_corrupt.status = probes::ProbeStatus::Unhealthy;
  all_corrupt.measurements = {{"backup_verify_failures_total", 3}};
  series.observe(all_corrupt, 0.01);
  text = metrics.render();
  EXPECT_FALSE(metric_sum(text, "watchdog_backup_age_seconds", labels)) << text;
  EXPECT_FALSE(metric_sum(text, "watchdog_backup_oldest_restorable_timestamp_seconds", labels));
  EXPECT_EQ(metric_sum(text, "watchdog_backup_verify_failures_total", labels), 3);

  series.observe(all_good, 0.01);  // back once reported again
  EXPECT_EQ(metric_sum(metrics.render(), "watchdog_backup_age_seconds", labels), 60);
}

// A check that timed out says nothing about the backups: the last known figures stay, so an
// RPO alert does not resolve because one check hung.
TEST(Metrics, UnknownResultKeepsTheLastKnownMeasurements) {
  Metrics metrics;
  auto series = metrics.probe_series("backups", "nightly", "backup");
  const std::map<std::string, std::string> labels = {{"component", "backups"},
                                                     {"probe", "nightly"}};
  probes::ProbeResult known;
  known.status = probes::ProbeStatus::Unhealthy;
  known.measurements = {{"backup_age_seconds", 7200}};
  series.observe(known, 0.01);
  probes::ProbeResult timed_out;
  timed_out.status = probes::ProbeStatus::Unknown;
  series.observe(timed_out, 5.0);
  EXPECT_EQ(metric_sum(metrics.render(), "watchdog_backup_age_seconds", labels), 7200);
}

// A component a reload removed leaves no watchdog_recovery_actions_total series behind.
TEST(Metrics, ForgetComponentRemovesItsActionCounts) {
  Metrics metrics;
  metrics.count_action("db", "restart", true, 3);
  metrics.count_action("db", "restore", false);
  metrics.count_action("api", "restart", true);
  metrics.forget_component("db");
  const auto text = metrics.render();
  EXPECT_FALSE(metric_sum(text, "watchdog_recovery_actions_total", {{"component", "db"}})) << text;
  EXPECT_EQ(metric_sum(text, "watchdog_recovery_actions_total", {{"component", "api"}}), 1);
  metrics.count_action("db", "restart", true);  // re-added later: starts again
  EXPECT_EQ(metric_sum(metrics.render(), "watchdog_recovery_actions_total", {{"component", "db"}}),
            1);
}

}  // namespace
}  // namespace watchdog::core
