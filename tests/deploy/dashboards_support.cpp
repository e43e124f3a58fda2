#include "tests/deploy/dashboards_support.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>

namespace watchdog::testing::deploy {

namespace fs = std::filesystem;

std::vector<AlertRule> alert_rules() {
  std::vector<AlertRule> out;
  for (const auto& group : YAML::LoadFile(rules_file().string())["groups"]) {
    for (const auto& rule : group["rules"]) {
      out.push_back({text(rule["alert"]), text(rule["labels"]["severity"]), text(rule["expr"]),
                     text(rule["for"]), rule["annotations"]});
    }
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> rules_expressions() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& rule : alert_rules()) out.emplace_back(rule.name, rule.expr);
  return out;
}

std::vector<Dashboard> dashboards() {
  std::vector<Dashboard> out;
  for (const auto& entry : fs::directory_iterator(dashboards_dir())) {
    if (entry.path().extension() != ".json") continue;
    out.push_back({entry.path(), nlohmann::json::parse(read_text(entry.path()))});
  }
  std::sort(out.begin(), out.end(),
            [](const Dashboard& a, const Dashboard& b) { return a.file < b.file; });
  return out;
}

std::vector<nlohmann::json> panels_of(const nlohmann::json& dashboard) {
  std::vector<nlohmann::json> out;
  for (const auto& panel : dashboard.value("panels", nlohmann::json::array())) {
    out.push_back(panel);
    for (const auto& nested : panel.value("panels", nlohmann::json::array())) out.push_back(nested);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> dashboard_expressions() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [file, dashboard] : dashboards()) {
    for (const auto& panel : panels_of(dashboard)) {
      for (const auto& target : panel.value("targets", nlohmann::json::array())) {
        out.emplace_back(dashboard.value("title", "") + " / " + panel.value("title", ""),
                         target.value("expr", ""));
      }
    }
  }
  return out;
}

std::vector<std::string> variable_selectors() {
  std::vector<std::string> out;
  for (const auto& [file, dashboard] : dashboards()) {
    for (const auto& v : dashboard["templating"]["list"]) {
      if (v.value("type", "") != "query") continue;
      for (auto& s : vector_selectors(v.value("definition", ""))) out.push_back(std::move(s));
    }
  }
  return out;
}

std::set<std::string> runbook_anchors() {
  std::set<std::string> anchors;
  std::ifstream in(repo() / "docs" / "runbooks.md");
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("#")) continue;
    const auto title = line.substr(line.find_first_not_of('#'));
    std::string anchor;  // GitHub: lower case, spaces to '-', other punctuation dropped
    for (const char c : title) {
      if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') {
        anchor += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      } else if (c == ' ' && !anchor.empty()) {
        anchor += '-';
      }
    }
    anchors.insert(anchor);
  }
  return anchors;
}

fs::path rules_with_short_for(const TempDir& dir, const std::string& for_duration) {
  std::istringstream in(read_text(rules_file()));
  std::string rewritten;
  for (std::string line; std::getline(in, line);) {
    const auto indent = line.find_first_not_of(' ');
    if (indent != std::string::npos && line.compare(indent, 5, "for: ") == 0) {
      line = line.substr(0, indent) + "for: " + for_duration;
    }
    rewritten += line + "\n";
  }
  return dir.write("alerts.yml", rewritten);
}

}  // namespace watchdog::testing::deploy
