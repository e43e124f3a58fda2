// dashboards/: the alert rules pass `promtool check rules` and their unit tests
// (`promtool test rules dashboards/alerts.test.yml`); the Grafana dashboard is well formed and
// its queries are valid PromQL. The live check (dashboards_live_test.cpp) runs them against a
// real watchdog and a real Prometheus.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/deploy/dashboards_support.h"
#include "tests/deploy/deploy_support.h"

namespace watchdog::testing::deploy {
namespace {

namespace fs = std::filesystem;

TEST(Dashboards, RulesPassPromtoolCheckAndTheirUnitTests) {
  DEPLOY_REQUIRE_TOOL(promtool, "promtool");
  const auto check = run_command({promtool, "check", "rules", rules_file().string()});
  EXPECT_EQ(check.exit_code, 0) << describe(check);
  EXPECT_NE(check.out.find("SUCCESS"), std::string::npos) << check.out;
  const auto test =
      run_command({promtool, "test", "rules", (repo() / "dashboards" / "alerts.test.yml").string()},
                  {}, std::chrono::seconds(60));
  EXPECT_EQ(test.exit_code, 0) << describe(test);
  EXPECT_NE(test.out.find("SUCCESS"), std::string::npos) << test.out;
}

TEST(Dashboards, EveryRuleIsAnAlertWithSeverityAndText) {
  const auto rules = rules_expressions();
  EXPECT_GE(rules.size(), 5u);
  for (const auto& group : YAML::LoadFile(rules_file().string())["groups"]) {
    for (const auto& rule : group["rules"]) {
      const auto name = text(rule["alert"]);
      EXPECT_TRUE(name.starts_with("Watchdog"))
          << name << " (the dashboard's alert list filters on it)";
      const auto severity = text(rule["labels"]["severity"]);
      EXPECT_TRUE(severity == "warning" || severity == "critical") << name;
      EXPECT_FALSE(text(rule["annotations"]["summary"]).empty()) << name;
      EXPECT_FALSE(text(rule["annotations"]["description"]).empty()) << name;
    }
  }
}

TEST(Dashboards, OverviewIsAWellFormedGrafanaDashboard) {
  const auto dashboard = load_dashboard();
  EXPECT_EQ(dashboard.value("uid", ""), "watchdog-overview");
  EXPECT_GE(dashboard.value("schemaVersion", 0), 36);
  EXPECT_FALSE(dashboard.contains("__inputs")) << "file provisioning cannot fill __inputs";

  std::set<std::string> variables;
  bool datasource_variable = false;
  for (const auto& v : dashboard["templating"]["list"]) {
    variables.insert(v.value("name", ""));
    if (v.value("name", "") == "DS_PROMETHEUS") {
      datasource_variable =
          v.value("type", "") == "datasource" && v.value("query", "") == "prometheus";
    }
  }
  EXPECT_TRUE(datasource_variable) << "a DS_PROMETHEUS variable of type datasource (prometheus)";

  std::set<int> ids;
  std::set<std::string> titles;
  bool alert_list_on_top = false;
  for (const auto& panel : dashboard["panels"]) {
    const auto title = panel.value("title", "");
    titles.insert(title);
    EXPECT_TRUE(ids.insert(panel.value("id", 0)).second) << "duplicate panel id in " << title;
    const auto& grid = panel["gridPos"];
    EXPECT_LE(grid.value("x", 0) + grid.value("w", 0), 24) << title;
    if (panel.value("type", "") == "alertlist" && grid.value("y", 1) == 0) alert_list_on_top = true;
    if (!panel.contains("targets")) continue;
    EXPECT_EQ(panel["datasource"].value("uid", ""), "${DS_PROMETHEUS}") << title;
    for (const auto& target : panel["targets"]) {
      EXPECT_EQ(target["datasource"].value("uid", ""), "${DS_PROMETHEUS}") << title;
      for (const auto& name : grafana_variables(target.value("expr", ""))) {
        EXPECT_TRUE(variables.contains(name)) << title << " uses undefined $" << name;
      }
    }
  }
  for (const auto& v : dashboard["templating"]["list"]) {
    if (v.value("type", "") == "query") {
      EXPECT_EQ(v["datasource"].value("uid", ""), "${DS_PROMETHEUS}") << v.value("name", "");
    }
  }
  EXPECT_TRUE(alert_list_on_top);
  for (const auto* wanted : {"Component state", "Backup age vs RPO", "Recovery actions"}) {
    EXPECT_TRUE(titles.contains(wanted)) << wanted;
  }
  EXPECT_TRUE(std::any_of(titles.begin(), titles.end(),
                          [](const std::string& t) { return t.starts_with("Time to recover"); }));
}

TEST(Dashboards, DashboardQueriesAreValidPromQL) {
  DEPLOY_REQUIRE_TOOL(promtool, "promtool");
  // promtool has no query linter; recording rules are checked by the same parser.
  std::string rules = "groups:\n  - name: dashboard\n    rules:\n";
  int n = 0;
  for (const auto& [title, expr] : dashboard_expressions()) {
    rules += "      - record: dashboard:query_" + std::to_string(++n) + "\n        expr: " +
             nlohmann::json(substitute_grafana_variables(expr, "watchdog")).dump() + "\n";
  }
  ASSERT_GT(n, 5);
  TempDir dir;
  const auto file = dir.write("dashboard.rules.yml", rules);
  const auto result = run_command({promtool, "check", "rules", file.string()});
  EXPECT_EQ(result.exit_code, 0) << describe(result) << "\n" << rules;
}

}  // namespace
}  // namespace watchdog::testing::deploy
