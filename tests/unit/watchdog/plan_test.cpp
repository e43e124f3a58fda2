// What a built plan keeps (issue #15): parsed values only. The Options views (whose YAML nodes
// would keep the whole document alive for the life of the process) are dropped once the
// factories have read them, and each spec is kept once.
#include <gtest/gtest.h>

#include "config/loader.h"
#include "watchdog/plan.h"

namespace watchdog::core {
namespace {

const char* kConfig = R"(
watchdog:
  leader: {kind: redis, address: 127.0.0.1:9}
components:
  - name: db
    probes:
      - {name: db-up, kind: tcp, host: 127.0.0.1, port: 9, interval: 20s}
    recovery:
      actions:
        - {kind: command, argv: [/bin/true]}
alerts:
  - {name: ops, kind: webhook, url: "http://127.0.0.1:9/hook"}
)";

TEST(Plan, KeepsParsedValuesAndNoOptionViews) {
  Plan plan = build_plan(config::load_config_text(kConfig, "t.yaml"));
  ASSERT_EQ(plan.components.size(), 1u);
  const auto& component = plan.components[0];
  EXPECT_EQ(component.spec.name, "db");
  ASSERT_EQ(component.probes.size(), 1u);
  const auto& probe = component.probes[0];
  EXPECT_EQ(probe.spec.name, "db-up");
  EXPECT_EQ(probe.spec.kind, "tcp");
  EXPECT_EQ(probe.spec.timing.interval, std::chrono::seconds(20));
  EXPECT_FALSE(probe.spec.options.has("host"));  // read by the factory, then dropped
  EXPECT_EQ(probe.probe->name(), "db-up");
  ASSERT_EQ(component.ladder.size(), 1u);
  EXPECT_EQ(component.ladder[0].action->kind(), "command");
  // Kept once: as probes/ladder/alerts, not also in the specs they came from.
  EXPECT_TRUE(component.spec.probes.empty());
  EXPECT_TRUE(component.spec.recovery.actions.empty());
  EXPECT_TRUE(plan.config.components.empty());
  EXPECT_TRUE(plan.config.alerts.empty());
  EXPECT_EQ(plan.alerts.size(), 1u);
  // The leader lock's view stays until the daemon has built its own lock.
  EXPECT_TRUE(plan.config.watchdog.leader.options.has("address"));
  drop_leader_options(plan);
  EXPECT_FALSE(plan.config.watchdog.leader.options.has("address"));
}

TEST(Plan, ErrorsStillNameFileLineAndKey) {
  const std::string broken =
      "components:\n  - name: db\n    probes:\n      - {name: up, kind: tcp, host: h, port: 0}\n";
  try {
    build_plan(config::load_config_text(broken, "t.yaml"));
    FAIL() << "expected a ConfigError";
  } catch (const config::ConfigError& error) {
    EXPECT_EQ(std::string(error.what()).rfind("t.yaml:4:", 0), 0u) << error.what();
    EXPECT_NE(std::string(error.what()).find("components[0].probes[0].port"), std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace watchdog::core
