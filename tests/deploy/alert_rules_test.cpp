// dashboards/alerts.yml: `promtool check rules` and the unit tests of alerts.test.yml pass, every
// (alert, severity) has a firing and a quiet unit test, every rule carries its texts and a
// runbook_url whose section exists in docs/runbooks.md with Meaning, Impact, Diagnosis and
// Mitigation. The live check (dashboards_live_test.cpp) runs the rules on a real Prometheus.
#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "tests/deploy/dashboards_support.h"
#include "tests/deploy/deploy_support.h"

namespace watchdog::testing::deploy {
namespace {

TEST(AlertRules, PassPromtoolCheckAndTheirUnitTests) {
  DEPLOY_REQUIRE_TOOL(promtool, "promtool");
  const auto check = run_command({promtool, "check", "rules", rules_file().string()});
  EXPECT_EQ(check.exit_code, 0) << describe(check);
  EXPECT_NE(check.out.find("SUCCESS"), std::string::npos) << check.out;
  const auto test = run_command({promtool, "test", "rules", rules_test_file().string()}, {},
                                std::chrono::seconds(60));
  EXPECT_EQ(test.exit_code, 0) << describe(test);
  EXPECT_NE(test.out.find("SUCCESS"), std::string::npos) << test.out;
}

TEST(AlertRules, CoverWhatOperatorsNeedInWarningCriticalPairs) {
  std::map<std::string, std::set<std::string>> severities;
  for (const auto& rule : alert_rules()) {
    EXPECT_TRUE(rule.name.starts_with("Watchdog"))
        << rule.name << " (the dashboards' alert lists filter on it)";
    EXPECT_TRUE(rule.severity == "warning" || rule.severity == "critical") << rule.name;
    EXPECT_TRUE(severities[rule.name].insert(rule.severity).second)
        << rule.name << ": two rules with severity " << rule.severity;
  }
  for (const auto* required :
       {"WatchdogDown", "WatchdogMetricsAbsent", "WatchdogComponentCritical",
        "WatchdogComponentFailed", "WatchdogRTOBreached", "WatchdogBackupRPOBreached",
        "WatchdogBackupFailing", "WatchdogRestoreDrillFailed", "WatchdogRestoreDrillOverdue",
        "WatchdogAlertDeliveryFailing", "WatchdogAlertOutboxNotDraining",
        "WatchdogConfigReloadFailed"}) {
    EXPECT_TRUE(severities.contains(required)) << required;
  }
  EXPECT_EQ(severities["WatchdogComponentFailed"], std::set<std::string>{"critical"}) << "a page";
  for (const auto* pair : {"WatchdogDown", "WatchdogComponentCritical", "WatchdogRTOBreached",
                           "WatchdogBackupRPOBreached", "WatchdogRestoreDrillOverdue"}) {
    EXPECT_EQ(severities[pair], (std::set<std::string>{"critical", "warning"})) << pair;
  }
  // A pair escalates: its rules differ in `for` or in the expression's threshold.
  for (const auto& a : alert_rules()) {
    for (const auto& b : alert_rules()) {
      if (a.name == b.name && a.severity == "warning" && b.severity == "critical") {
        EXPECT_TRUE(a.for_duration != b.for_duration || a.expr != b.expr) << a.name;
      }
    }
  }
}

TEST(AlertRules, EveryRuleHasTextsAndARunbookSection) {
  const auto anchors = runbook_anchors();
  for (const auto& rule : alert_rules()) {
    EXPECT_FALSE(text(rule.annotations["summary"]).empty()) << rule.name;
    EXPECT_FALSE(text(rule.annotations["description"]).empty()) << rule.name;
    const auto url = text(rule.annotations["runbook_url"]);
    ASSERT_TRUE(url.starts_with(kRunbookBase)) << rule.name << ": " << url;
    const auto anchor = url.substr(std::string(kRunbookBase).size());
    EXPECT_TRUE(anchors.contains(anchor)) << rule.name << ": docs/runbooks.md has no #" << anchor;
  }
}

TEST(AlertRules, TheDashboardsReadmeListsEveryAlertWithItsRunbook) {
  const auto readme = read_text(dashboards_dir() / "README.md");
  for (const auto& rule : alert_rules()) {
    const auto url = text(rule.annotations["runbook_url"]);
    const auto link = "../docs/runbooks.md#" + url.substr(url.find('#') + 1);
    EXPECT_NE(readme.find("| `" + rule.name + "` |"), std::string::npos) << rule.name;
    EXPECT_NE(readme.find(link), std::string::npos) << rule.name << ": " << link;
  }
}

TEST(AlertRules, RunbookSectionsSayMeaningImpactDiagnosisMitigation) {
  std::map<std::string, std::string> sections;  // "## Name" → its body
  std::ifstream in(repo() / "docs" / "runbooks.md");
  std::string current;
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("## ")) {
      current = line.substr(3);
    } else if (!current.empty()) {
      sections[current] += line + "\n";
    }
  }
  for (const auto& rule : alert_rules()) {
    ASSERT_TRUE(sections.contains(rule.name)) << rule.name;
    for (const auto* part : {"**Meaning.**", "**Impact.**", "**Diagnosis.**", "**Mitigation.**"}) {
      EXPECT_NE(sections[rule.name].find(part), std::string::npos) << rule.name << ": " << part;
    }
  }
}

TEST(AlertRules, EveryAlertAndSeverityHasAFiringAndAQuietUnitTest) {
  std::set<std::pair<std::string, std::string>> firing, quiet;
  const auto rules = alert_rules();
  for (const auto& test : YAML::LoadFile(rules_test_file().string())["tests"]) {
    for (const auto& check : test["alert_rule_test"]) {
      const auto name = text(check["alertname"]);
      std::set<std::string> expected;
      for (const auto& alert : check["exp_alerts"]) {
        expected.insert(text(alert["exp_labels"]["severity"]));
      }
      for (const auto& rule : rules) {
        if (rule.name != name) continue;
        (expected.contains(rule.severity) ? firing : quiet).insert({name, rule.severity});
      }
    }
  }
  for (const auto& rule : rules) {
    EXPECT_TRUE(firing.contains({rule.name, rule.severity}))
        << rule.name << " " << rule.severity << " never fires in alerts.test.yml";
    EXPECT_TRUE(quiet.contains({rule.name, rule.severity}))
        << rule.name << " " << rule.severity << " has no quiet case in alerts.test.yml";
  }
}

}  // namespace
}  // namespace watchdog::testing::deploy
