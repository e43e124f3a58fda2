#pragma once
// The expressions of dashboards/alerts.yml and dashboards/watchdog-overview.json.

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "tests/deploy/deploy_support.h"

namespace watchdog::testing::deploy {

inline std::filesystem::path rules_file() { return repo() / "dashboards" / "alerts.yml"; }

inline nlohmann::json load_dashboard() {
  return nlohmann::json::parse(read_text(repo() / "dashboards" / "watchdog-overview.json"));
}

// (alert name, expr) of every rule.
inline std::vector<std::pair<std::string, std::string>> rules_expressions() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& group : YAML::LoadFile(rules_file().string())["groups"]) {
    for (const auto& rule : group["rules"])
      out.emplace_back(text(rule["alert"]), text(rule["expr"]));
  }
  return out;
}

// (panel title, expr) of every query of every panel.
inline std::vector<std::pair<std::string, std::string>> dashboard_expressions() {
  std::vector<std::pair<std::string, std::string>> out;
  const auto dashboard = load_dashboard();
  for (const auto& panel : dashboard["panels"]) {
    for (const auto& target : panel.value("targets", nlohmann::json::array())) {
      out.emplace_back(panel.value("title", ""), target.value("expr", ""));
    }
  }
  return out;
}

// The vector selectors inside the query variables' label_values(...) definitions.
inline std::vector<std::string> variable_selectors() {
  std::vector<std::string> out;
  for (const auto& v : load_dashboard()["templating"]["list"]) {
    if (v.value("type", "") != "query") continue;
    for (auto& s : vector_selectors(v.value("definition", ""))) out.push_back(std::move(s));
  }
  return out;
}

}  // namespace watchdog::testing::deploy
