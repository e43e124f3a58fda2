// dashboards/*.json: Grafana cannot run here, so the dashboards' structure is checked instead —
// three dashboards with fixed, unique uids; every panel and query on the `datasource` variable
// and filtered by the `job` and `instance` variables (nothing hard-coded); the panels each one
// promises; every query valid PromQL. The provisioning files and the kustomization point at
// them. The live check (dashboards_live_test.cpp) runs every query on a real Prometheus.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "tests/deploy/dashboards_support.h"
#include "tests/deploy/deploy_support.h"

namespace watchdog::testing::deploy {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::map<std::string, std::string> kUids = {{"watchdog-overview.json", "watchdog-overview"},
                                                  {"watchdog-dr.json", "watchdog-dr"},
                                                  {"watchdog-self.json", "watchdog-self"}};

const json* variable(const json& dashboard, const std::string& name) {
  for (const auto& v : dashboard["templating"]["list"]) {
    if (v.value("name", "") == name) return &v;
  }
  return nullptr;
}

// The panel with this title (null when there is none).
json panel_titled(const json& dashboard, const std::string& title) {
  for (const auto& panel : panels_of(dashboard)) {
    if (panel.value("title", "") == title) return panel;
  }
  return nullptr;
}

// Every `datasource` reference anywhere below `node` is the variable (the built-in Grafana
// annotation source excepted): no data source uid or name is hard-coded.
void expect_datasource_variable(const json& node, const std::string& where) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "datasource" && value.is_object() && value.value("type", "") != "grafana") {
        EXPECT_EQ(value.value("uid", ""), "${datasource}") << where << ": " << value.dump();
      } else if (key == "datasource" && value.is_string()) {
        EXPECT_EQ(value.get<std::string>(), "${datasource}") << where;
      } else {
        expect_datasource_variable(value, where);
      }
    }
  } else if (node.is_array()) {
    for (const auto& item : node) expect_datasource_variable(item, where);
  }
}

TEST(Dashboards, ThreeDashboardsWithFixedUniqueUids) {
  std::map<std::string, std::string> uids;
  std::set<std::string> distinct;
  for (const auto& [file, dashboard] : dashboards()) {
    uids[file.filename().string()] = dashboard.value("uid", "");
    EXPECT_TRUE(distinct.insert(dashboard.value("uid", "")).second) << file;
  }
  EXPECT_EQ(uids, kUids) << "uids are what links and bookmarks keep: never change them";
}

TEST(Dashboards, EveryDashboardIsWellFormed) {
  for (const auto& [file, dashboard] : dashboards()) {
    const auto name = file.filename().string();
    EXPECT_GE(dashboard.value("schemaVersion", 0), 36) << name;
    EXPECT_FALSE(dashboard.contains("__inputs")) << name << ": file provisioning cannot fill it";
    EXPECT_EQ(dashboard.value("refresh", ""), "30s") << name;
    const auto* ds = variable(dashboard, "datasource");
    ASSERT_NE(ds, nullptr) << name;
    EXPECT_EQ(ds->value("type", ""), "datasource") << name;
    EXPECT_EQ(ds->value("query", ""), "prometheus") << name;
    std::set<std::string> defined;
    for (const auto& v : dashboard["templating"]["list"]) defined.insert(v.value("name", ""));
    for (const auto* wanted : {"job", "instance"}) {
      const auto* v = variable(dashboard, wanted);
      ASSERT_NE(v, nullptr) << name << " has no $" << wanted;
      EXPECT_EQ(v->value("type", ""), "query") << name;
    }
    std::set<int> ids;
    std::set<std::string> titles;
    for (const auto& panel : panels_of(dashboard)) {
      const auto title = name + " / " + panel.value("title", "");
      EXPECT_TRUE(ids.insert(panel.value("id", 0)).second) << "duplicate panel id: " << title;
      EXPECT_TRUE(titles.insert(panel.value("title", "")).second) << "duplicate title: " << title;
      EXPECT_LE(panel["gridPos"].value("x", 0) + panel["gridPos"].value("w", 0), 24) << title;
      if (panel.value("type", "") != "row") {
        EXPECT_FALSE(panel.value("description", "").empty()) << title << ": say how to read it";
      }
      for (const auto& target : panel.value("targets", json::array())) {
        for (const auto& used : grafana_variables(target.value("expr", ""))) {
          EXPECT_TRUE(defined.contains(used)) << title << " uses undefined $" << used;
        }
      }
    }
  }
}

TEST(Dashboards, EveryPanelAndQueryUsesTheDatasourceVariable) {
  for (const auto& [file, dashboard] : dashboards()) {
    const auto name = file.filename().string();
    for (const auto& panel : panels_of(dashboard)) {
      if (!panel.contains("targets")) continue;
      const auto title = name + " / " + panel.value("title", "");
      EXPECT_EQ(panel["datasource"].value("uid", ""), "${datasource}") << title;
      for (const auto& target : panel["targets"]) {
        EXPECT_EQ(target["datasource"].value("uid", ""), "${datasource}") << title;
      }
    }
    expect_datasource_variable(dashboard, name);
  }
}

TEST(Dashboards, EveryQueryIsFilteredByJobAndInstance) {
  // A job or instance matcher whose value is not a variable is a hard-coded one.
  const std::regex literal(R"re(\b(job|instance)\s*(=|!=|=~|!~)\s*"[^$])re");
  const auto expressions = dashboard_expressions();
  ASSERT_GT(expressions.size(), 40u);
  for (const auto& [where, expr] : expressions) {
    const auto selectors = vector_selectors(expr);
    EXPECT_FALSE(selectors.empty()) << where << ": " << expr;
    for (const auto& selector : selectors) {
      EXPECT_NE(selector.find(R"(job=~"$job")"), std::string::npos) << where << ": " << selector;
      EXPECT_NE(selector.find(R"(instance=~"$instance")"), std::string::npos)
          << where << ": " << selector;
    }
    EXPECT_FALSE(std::regex_search(expr, literal)) << where << ": " << expr;
  }
  for (const auto& [file, dashboard] : dashboards()) {
    const auto dumped = dashboard.dump();
    EXPECT_EQ(dumped.find(":9187"), std::string::npos) << file << ": a hard-coded instance";
    for (const auto& panel : panels_of(dashboard)) {
      if (panel.value("type", "") != "alertlist") continue;
      const auto filter = panel["options"].value("alertInstanceLabelFilter", "");
      EXPECT_NE(filter.find(R"(job=~"$job")"), std::string::npos) << file;
      EXPECT_NE(filter.find(R"(instance=~"$instance")"), std::string::npos) << file;
    }
    const auto* instance = variable(dashboard, "instance");
    EXPECT_NE(instance->value("definition", "").find(R"(job=~"$job")"), std::string::npos);
  }
}

TEST(Dashboards, EachDashboardHasThePanelsItPromises) {
  std::map<std::string, json> by_file;
  for (const auto& [file, dashboard] : dashboards()) by_file[file.filename()] = dashboard;
  const std::map<std::string, std::vector<std::pair<std::string, std::string>>> wanted = {
      {"watchdog-overview.json",
       {{"Firing watchdog alerts", "alertlist"},
        {"Overall state", "state-timeline"},
        {"Component state", "state-timeline"},
        {"Open incidents", "table"},
        {"Probe success", "timeseries"},
        {"Probe latency (p95)", "timeseries"}}},
      {"watchdog-dr.json",
       {{"Newest backup age vs RPO", "bargauge"},
        {"Backup targets", "table"},
        {"Recovery window", "timeseries"},
        {"Last restore drill", "table"},
        {"Time to recover per incident vs RTO", "timeseries"},
        {"Last incident per component", "table"},
        {"Recovery actions", "timeseries"},
        {"WAL archive age vs RPO", "timeseries"},
        {"Disk time to full", "timeseries"}}},
      {"watchdog-self.json",
       {{"Probe duration (all probes)", "heatmap"},
        {"Probe runs per second", "timeseries"},
        {"Alert deliveries", "timeseries"},
        {"Outbox depth", "timeseries"},
        {"Leader", "state-timeline"},
        {"Configuration reloads", "timeseries"},
        {"Resident memory", "timeseries"},
        {"CPU", "timeseries"}}}};
  for (const auto& [file, panels] : wanted) {
    for (const auto& [title, type] : panels) {
      const auto panel = panel_titled(by_file[file], title);
      ASSERT_FALSE(panel.is_null()) << file << ": no panel " << title;
      EXPECT_EQ(panel.value("type", ""), type) << file << ": " << title;
    }
  }
  // The alert list is on top of the overview.
  const auto alerts = panel_titled(by_file["watchdog-overview.json"], "Firing watchdog alerts");
  EXPECT_EQ(alerts["gridPos"].value("y", -1), 0);
  // Backup age vs RPO: green under the RPO, amber to 1.25 times it, red beyond.
  const auto rpo = panel_titled(by_file["watchdog-dr.json"], "Newest backup age vs RPO");
  const auto steps = rpo["fieldConfig"]["defaults"]["thresholds"]["steps"];
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0].value("color", ""), "green");
  EXPECT_EQ(steps[1]["value"], 1);
  EXPECT_EQ(steps[2].value("color", ""), "red");
  EXPECT_EQ(steps[2]["value"], 1.25);
}

TEST(Dashboards, DashboardQueriesAreValidPromQL) {
  DEPLOY_REQUIRE_TOOL(promtool, "promtool");
  // promtool has no query linter; recording rules are checked by the same parser.
  std::string rules = "groups:\n  - name: dashboard\n    rules:\n";
  int n = 0;
  for (const auto& [title, expr] : dashboard_expressions()) {
    rules += "      - record: dashboard:query_" + std::to_string(++n) +
             "\n        expr: " + json(substitute_grafana_variables(expr, "watchdog")).dump() +
             "\n";
  }
  TempDir dir;
  const auto file = dir.write("dashboard.rules.yml", rules);
  const auto result = run_command({promtool, "check", "rules", file.string()});
  EXPECT_EQ(result.exit_code, 0) << describe(result) << "\n" << rules;
}

TEST(Dashboards, ProvisioningAndKustomizationShipEveryDashboard) {
  const auto provisioning = dashboards_dir() / "provisioning";
  const auto providers = YAML::LoadFile((provisioning / "dashboards" / "watchdog.yml").string());
  EXPECT_EQ(text(providers["providers"][0]["type"]), "file");
  EXPECT_FALSE(text(providers["providers"][0]["options"]["path"]).empty());
  const auto sources = YAML::LoadFile((provisioning / "datasources" / "prometheus.yml").string());
  EXPECT_EQ(text(sources["datasources"][0]["type"]), "prometheus");

  const auto kustomization = YAML::LoadFile((dashboards_dir() / "kustomization.yaml").string());
  const auto generator = kustomization["configMapGenerator"][0];
  std::set<std::string> listed, files;
  for (const auto& f : generator["files"]) listed.insert(text(f));
  for (const auto& [file, dashboard] : dashboards()) files.insert(file.filename().string());
  EXPECT_EQ(listed, files);
  EXPECT_EQ(text(generator["options"]["labels"]["grafana_dashboard"]), "1");
}

}  // namespace
}  // namespace watchdog::testing::deploy
