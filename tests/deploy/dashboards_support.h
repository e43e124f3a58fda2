#pragma once
// What dashboards/ holds, for the deploy tests: the alert rules (alerts.yml) and their unit tests
// (alerts.test.yml), the Grafana dashboards (*.json) and the runbooks they link to
// (docs/runbooks.md).

#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "tests/deploy/deploy_support.h"

namespace watchdog::testing::deploy {

inline std::filesystem::path dashboards_dir() { return repo() / "dashboards"; }
inline std::filesystem::path rules_file() { return dashboards_dir() / "alerts.yml"; }
inline std::filesystem::path rules_test_file() { return dashboards_dir() / "alerts.test.yml"; }

// The base every runbook_url starts with; the anchor after it names a docs/runbooks.md section.
inline constexpr const char* kRunbookBase =
    "https://github.com/your-org/watchdog/blob/main/docs/runbooks.md#";

struct AlertRule {
  std::string name, severity, expr, for_duration;  // for_duration "" when the rule has none
  YAML::Node annotations;
};
std::vector<AlertRule> alert_rules();

// (alert name, expr) of every rule.
std::vector<std::pair<std::string, std::string>> rules_expressions();

struct Dashboard {
  std::filesystem::path file;
  nlohmann::json json;
};
// Every dashboards/*.json, by file name.
std::vector<Dashboard> dashboards();

// Every panel of a dashboard, those nested in collapsed rows included.
std::vector<nlohmann::json> panels_of(const nlohmann::json& dashboard);

// ("dashboard title / panel title", expr) of every query of every panel of every dashboard.
std::vector<std::pair<std::string, std::string>> dashboard_expressions();

// The vector selectors inside every dashboard's query variables (label_values(...)).
std::vector<std::string> variable_selectors();

// GitHub's anchors of the headings of docs/runbooks.md ("## WatchdogDown" → "watchdogdown").
std::set<std::string> runbook_anchors();

// Prometheus' rule file with every `for:` replaced by `for_duration`, so that a live test does
// not wait minutes for an alert to fire; returns the copy's path.
std::filesystem::path rules_with_short_for(const TempDir& dir, const std::string& for_duration);

}  // namespace watchdog::testing::deploy
