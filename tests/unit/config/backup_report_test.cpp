// `backup_report:`: its keys, the defaults, and the mistakes an operator can make.
#include "config/backup_report.h"

#include <gtest/gtest.h>

#include "config/loader.h"
#include "config/time_zone.h"

namespace watchdog::config {
namespace {

using namespace std::chrono_literals;

const std::string kBase =
    "components:\n  - name: c\n    probes:\n      - {name: p, kind: disk}\n"
    "alerts:\n"
    "  - {name: chat, kind: slack, url: 'https://hooks.example/x'}\n"
    "  - {name: hook, kind: webhook, url: 'https://hooks.example/y'}\n"
    "  - {name: pager, kind: pagerduty, routing_key: abcdefabcdefabcdefabcdefabcdefab}\n";

Config load(const std::string& report) {
  return load_config_text(kBase + "backup_report:\n" + report, "test.yaml");
}

std::string error_of(const std::string& report) {
  try {
    load(report);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "no error";
}

TEST(BackupReportConfig, AbsentMeansNoSchedule) {
  EXPECT_FALSE(load_config_text(kBase, "test.yaml").backup_report.has_value());
}

TEST(BackupReportConfig, ReadsEveryKey) {
  const auto config =
      load("  daily_at: \"07:30\"\n  time_zone: Europe/Berlin\n  since: 12h\n  alerts: [chat]\n");
  ASSERT_TRUE(config.backup_report);
  const auto& spec = *config.backup_report;
  EXPECT_EQ(spec.daily_at_text, "07:30");
  EXPECT_EQ(spec.daily.zone->name(), "Europe/Berlin");
  EXPECT_EQ(spec.daily.schedule->text(), "30 7 * * *");
  EXPECT_EQ(spec.since, Duration(12h));
  EXPECT_EQ(spec.alerts, std::vector<std::string>{"chat"});
}

TEST(BackupReportConfig, RepeatedAlertNamesCountOnce) {
  const auto spec = *load("  daily_at: \"07:30\"\n  alerts: [chat, chat]\n").backup_report;
  EXPECT_EQ(spec.alerts, std::vector<std::string>{"chat"});
}

TEST(BackupReportConfig, Defaults) {
  const auto spec = *load("  daily_at: \"00:05\"\n").backup_report;
  EXPECT_EQ(spec.daily.zone->name(), "UTC");
  EXPECT_EQ(spec.since, Duration(24h));
  EXPECT_TRUE(spec.alerts.empty());
}

TEST(BackupReportConfig, Mistakes) {
  const struct {
    std::string yaml;
    std::string error;
  } cases[] = {
      {"  since: 24h\n", "backup_report.daily_at: missing required key"},
      {"  daily_at: \"7:00\"\n", "expected HH:MM, got '7:00'"},
      {"  daily_at: \"24:00\"\n", "expected HH:MM"},
      {"  daily_at: \"07:60\"\n", "expected HH:MM"},
      {"  daily_at: \"07:00x\"\n", "expected HH:MM"},
      {"  daily_at: \" 7:00\"\n", "expected HH:MM"},
      {"  daily_at: \"+7:00\"\n", "expected HH:MM"},
      {"  daily_at: \"07:+5\"\n", "expected HH:MM"},
      {"  daily_at: \"07-00\"\n", "expected HH:MM"},
      {"  daily_at: \"07:00\"\n  alerts: []\n", "alerts: name at least one alert"},
      {"  daily_at: \"07:00\"\n  time_zone: Mars/Olympus\n", "unknown time zone"},
      {"  daily_at: \"07:00\"\n  since: 10s\n", "since: must be at least 1m"},
      {"  daily_at: \"07:00\"\n  alerts: [nope]\n", "unknown alert 'nope'"},
      {"  daily_at: \"07:00\"\n  alerts: [pager]\n",
       "alert 'pager' is pagerduty: a report never pages"},
      {"  daily_at: \"07:00\"\n  daily: yes\n", "daily"},
  };
  for (const auto& c : cases) {
    EXPECT_NE(error_of(c.yaml).find(c.error), std::string::npos)
        << c.yaml << " → " << error_of(c.yaml);
  }
}

TEST(BackupReportConfig, KindsThatTakeReports) {
  for (const char* kind : {"webhook", "slack", "discord", "teams"}) {
    EXPECT_TRUE(alert_kind_takes_reports(kind)) << kind;
  }
  for (const char* kind : {"pagerduty", "alertmanager", ""}) {
    EXPECT_FALSE(alert_kind_takes_reports(kind)) << kind;
  }
  for (const char* kind : {"slack", "discord", "teams"}) {
    EXPECT_TRUE(alert_kind_gets_reports_by_default(kind)) << kind;
  }
  for (const char* kind : {"webhook", "pagerduty", "alertmanager"}) {
    EXPECT_FALSE(alert_kind_gets_reports_by_default(kind)) << kind;
  }
}

}  // namespace
}  // namespace watchdog::config
