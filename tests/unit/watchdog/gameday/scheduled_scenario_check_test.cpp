// A scheduled game day whose scenario cannot apply to its component is a configuration error
// when the plan is built (file and key), not a failure at its first start weeks later.
#include <gtest/gtest.h>

#include "config/loader.h"
#include "config/options.h"
#include "watchdog/plan.h"

namespace watchdog::core {
namespace {

std::string yaml(const std::string& scenario) {
  return "components:\n"
         "  - name: db\n"
         "    staging: true\n"
         "    probes:\n"
         "      - {name: p, kind: tcp, host: 127.0.0.1, port: 1}\n"
         "    gameday:\n"
         "      volume: /tmp\n"
         "gamedays:\n"
         "  - component: db\n"
         "    scenario: " +
         scenario +
         "\n"
         "    schedule: \"0 10 * * 3\"\n";
}

TEST(GamedayScheduledScenario, OneThatDoesNotApplyIsAConfigError) {
  try {
    build_plan(config::load_config_text(yaml("database-dropped"), "test.yaml"));
    FAIL() << "database-dropped without gameday.backup_target was accepted";
  } catch (const config::ConfigError& error) {
    const std::string text = error.what();
    // The entry's line: the YAML above puts `gamedays:` after the component.
    EXPECT_TRUE(text.starts_with("test.yaml:")) << text;
    EXPECT_NE(text.find(": gamedays[0].scenario: database-dropped needs gameday.backup_target"),
              std::string::npos)
        << text;
    EXPECT_NE(text.substr(0, text.find(": gamedays")), "test.yaml") << "no line: " << text;
  }
}

TEST(GamedayScheduledScenario, OneThatAppliesLoads) {
  const auto plan = build_plan(config::load_config_text(yaml("disk-filling"), "test.yaml"));
  EXPECT_EQ(plan.config.gamedays.size(), 1u);
}

}  // namespace
}  // namespace watchdog::core
