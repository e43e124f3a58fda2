// `staging:`, a component's `gameday:` and the top-level `gamedays:`: every key, the defaults,
// and the mistakes an operator can make (each error names the file, line and key).
#include "config/gameday.h"

#include <gtest/gtest.h>

#include "config/loader.h"
#include "config/time_zone.h"

namespace watchdog::config {
namespace {

using namespace std::chrono_literals;

// A staging component `db` whose `gameday:` section is the test's, a production `prod`, one
// alert sink and one backup target.
std::string yaml(const std::string& gameday, const std::string& tail = "") {
  return "components:\n"
         "  - name: db\n"
         "    staging: true\n"
         "    probes:\n      - {name: p, kind: disk}\n" +
         (gameday.empty() ? "" : "    gameday:\n" + gameday) +
         "  - name: prod\n"
         "    probes:\n      - {name: q, kind: disk}\n"
         "alerts:\n"
         "  - {name: ops, kind: webhook, url: 'https://hooks.example/x'}\n"
         "backups:\n"
         "  - name: main\n"
         "    kind: files\n"
         "    source: /srv/data\n"
         "    directory: /backups\n" +
         tail;
}

Config load(const std::string& gameday, const std::string& tail = "") {
  return load_config_text(yaml(gameday, tail), "test.yaml");
}

std::string error_of(const std::string& gameday, const std::string& tail = "") {
  try {
    load(gameday, tail);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "no error";
}

TEST(GamedayConfig, StagingDefaultsToFalse) {
  const auto config = load("");
  EXPECT_TRUE(config.components[0].staging);
  EXPECT_FALSE(config.components[1].staging);
  EXPECT_FALSE(config.components[1].gameday.service.configured());
  EXPECT_TRUE(config.gamedays.empty());
}

TEST(GamedayConfig, ReadsEveryKey) {
  const auto config = load(
      "      stop: [pg_ctl, -D, /data, stop]\n"
      "      start: [pg_ctl, -D, /data, start]\n"
      "      docker_host: tcp://127.0.0.1:2375\n"
      "      backup_target: main\n"
      "      fresh_backup: true\n"
      "      writer_interval: 50ms\n"
      "      data_dir: /data\n"
      "      volume: /var/lib/postgresql\n"
      "      fill_to: 90%\n"
      "      alert_sink: {name: ops, container: relay}\n"
      "      timeout: 20m\n"
      "      scenarios:\n"
      "        - name: config-broken\n"
      "          inject: [cp, bad, app.env]\n"
      "          revert: [cp, good, app.env]\n"
      "          expect: give_up\n"
      "        - {name: other, inject: [x], revert: [y]}\n");
  const auto& g = config.components[0].gameday;
  EXPECT_EQ(g.service.stop, (std::vector<std::string>{"pg_ctl", "-D", "/data", "stop"}));
  EXPECT_EQ(g.service.start, (std::vector<std::string>{"pg_ctl", "-D", "/data", "start"}));
  EXPECT_TRUE(g.service.container.empty());
  EXPECT_TRUE(g.service.configured());
  EXPECT_EQ(g.docker_host, "tcp://127.0.0.1:2375");
  EXPECT_EQ(g.backup_target, "main");
  EXPECT_TRUE(g.fresh_backup);
  EXPECT_EQ(g.writer_interval, Duration(50ms));
  EXPECT_EQ(g.data_dir, "/data");
  EXPECT_EQ(g.volume, "/var/lib/postgresql");
  EXPECT_DOUBLE_EQ(g.fill_to, 0.90);
  ASSERT_TRUE(g.alert_sink);
  EXPECT_EQ(g.alert_sink->name, "ops");
  EXPECT_EQ(g.alert_sink->how.container, "relay");
  EXPECT_EQ(g.timeout, Duration(20min));
  ASSERT_EQ(g.scenarios.size(), 2u);
  EXPECT_EQ(g.scenarios[0].name, "config-broken");
  EXPECT_EQ(g.scenarios[0].inject, (std::vector<std::string>{"cp", "bad", "app.env"}));
  EXPECT_EQ(g.scenarios[0].revert, (std::vector<std::string>{"cp", "good", "app.env"}));
  EXPECT_EQ(g.scenarios[0].expect, GamedayExpect::GiveUp);
  EXPECT_EQ(g.scenarios[1].expect, GamedayExpect::Recover);
}

TEST(GamedayConfig, Defaults) {
  const auto g = load("      container: app-db\n").components[0].gameday;
  EXPECT_EQ(g.service.container, "app-db");
  EXPECT_EQ(g.docker_socket, "/var/run/docker.sock");
  EXPECT_TRUE(g.docker_host.empty());
  EXPECT_FALSE(g.fresh_backup);
  EXPECT_EQ(g.writer_interval, Duration(100ms));
  EXPECT_DOUBLE_EQ(g.fill_to, 0.95);
  EXPECT_FALSE(g.alert_sink);
  EXPECT_EQ(g.timeout, Duration::zero());
}

TEST(GamedayConfig, FillToTakesAPlainRatioToo) {
  EXPECT_DOUBLE_EQ(load("      fill_to: 0.8\n").components[0].gameday.fill_to, 0.8);
}

TEST(GamedayConfig, ExpectNames) {
  EXPECT_STREQ(expect_name(GamedayExpect::Recover), "recover");
  EXPECT_STREQ(expect_name(GamedayExpect::Detect), "detect");
  EXPECT_STREQ(expect_name(GamedayExpect::GiveUp), "give_up");
}

TEST(GamedayConfig, Schedule) {
  const auto config = load("", "gamedays:\n"
                               "  - scenario: database-dropped\n"
                               "    component: db\n"
                               "    schedule: \"0 10 * * 3\"\n"
                               "    time_zone: Europe/Berlin\n"
                               "  - {scenario: disk-filling, component: db, schedule: \"0 3 * * *\"}\n");
  ASSERT_EQ(config.gamedays.size(), 2u);
  EXPECT_EQ(config.gamedays[0].scenario, "database-dropped");
  EXPECT_EQ(config.gamedays[0].component, "db");
  EXPECT_EQ(config.gamedays[0].schedule_text, "0 10 * * 3");
  EXPECT_EQ(config.gamedays[0].schedule.zone->name(), "Europe/Berlin");
  EXPECT_EQ(config.gamedays[1].schedule.zone->name(), "UTC");
}

TEST(GamedayConfig, ScheduleOfACustomScenario) {
  const auto config = load("      scenarios:\n        - {name: mine, inject: [a], revert: [b]}\n",
                           "gamedays:\n  - {scenario: mine, component: db, schedule: \"* * * * *\"}\n");
  EXPECT_EQ(config.gamedays.at(0).scenario, "mine");
}

TEST(GamedayConfig, Mistakes) {
  const struct {
    std::string gameday;
    std::string error;
  } cases[] = {
      {"      containr: x\n", "test.yaml:7:7: components[0].gameday.containr: unknown key"},
      {"      stop: [a]\n", "components[0].gameday.start: stop and start go together"},
      {"      start: [a]\n", "components[0].gameday.stop: stop and start go together"},
      {"      container: c\n      stop: [a]\n      start: [b]\n",
       "components[0].gameday.stop: give either container or stop/start, not both"},
      {"      container: ''\n", "gameday.container: must not be empty"},
      {"      fill_to: 100%\n", "gameday.fill_to: must be between 0% and 100%"},
      {"      fill_to: 0\n", "gameday.fill_to: must be between 0% and 100%"},
      {"      fill_to: 1.0\n", "gameday.fill_to: must be between 0% and 100%"},
      {"      fill_to: 150%\n", "gameday.fill_to"},
      {"      fill_to: lots\n", "gameday.fill_to"},
      {"      timeout: 0s\n", "gameday.timeout: must be greater than 0"},
      {"      writer_interval: 1ms\n", "gameday.writer_interval: must be at least 10ms"},
      {"      docker_host: unix:///x\n", "gameday.docker_host: must start with tcp://"},
      {"      docker_socket: /s\n      docker_host: tcp://h:1\n",
       "gameday.docker_host: give either docker_socket or docker_host"},
      {"      backup_target: nope\n",
       "test.yaml:7:22: components[0].gameday.backup_target: unknown backup target 'nope'"},
      {"      alert_sink: {name: nope, container: x}\n",
       "components[0].gameday.alert_sink.name: unknown alert 'nope'"},
      {"      alert_sink: {name: ops}\n",
       "gameday.alert_sink.container: give the sink's container or its stop/start commands"},
      {"      alert_sink: {name: ops, stop: [a]}\n", "gameday.alert_sink.start: stop and start go"},
      {"      alert_sink: {container: x}\n", "gameday.alert_sink.name: missing required key"},
      {"      scenarios:\n        - {name: container-crash, inject: [a], revert: [b]}\n",
       "components[0].gameday.scenarios[0].name: 'container-crash' is a built-in scenario"},
      {"      scenarios:\n        - {name: a, inject: [a], revert: [b]}\n"
       "        - {name: a, inject: [a], revert: [b]}\n",
       "gameday.scenarios[1].name: duplicate scenario 'a'"},
      {"      scenarios:\n        - {name: a, revert: [b]}\n",
       "gameday.scenarios[0].inject: missing required key"},
      {"      scenarios:\n        - {name: a, inject: [a]}\n",
       "gameday.scenarios[0].revert: missing required key"},
      {"      scenarios:\n        - {name: a, inject: [a], revert: [b], expect: heal}\n",
       "gameday.scenarios[0].expect: expected recover, detect or give_up, got 'heal'"},
      {"      scenarios:\n        - {name: 'a b', inject: [a], revert: [b]}\n",
       "gameday.scenarios[0].name: invalid name 'a b'"},
      {"      scenarios:\n        - {name: a, inject: [a], revert: [b], expct: detect}\n",
       "gameday.scenarios[0].expct: unknown key"},
      {"      scenarios: {name: a}\n", "gameday.scenarios: expected a list"},
  };
  for (const auto& c : cases) {
    EXPECT_NE(error_of(c.gameday).find(c.error), std::string::npos)
        << c.gameday << "\n  got: " << error_of(c.gameday);
  }
}

TEST(GamedayConfig, ScheduleMistakes) {
  const struct {
    std::string tail;
    std::string error;
  } cases[] = {
      {"gamedays:\n  - {scenario: disk-filling, component: prod, schedule: \"0 3 * * *\"}\n",
       "gamedays[0].component: component 'prod' is not `staging: true`"},
      {"gamedays:\n  - {scenario: disk-filling, component: nope, schedule: \"0 3 * * *\"}\n",
       "gamedays[0].component: unknown component 'nope'"},
      {"gamedays:\n  - {scenario: melt-down, component: db, schedule: \"0 3 * * *\"}\n",
       "gamedays[0].scenario: unknown scenario 'melt-down'"},
      {"gamedays:\n  - {scenario: disk-filling, component: db}\n",
       "gamedays[0].schedule: missing required key"},
      {"gamedays:\n  - {scenario: disk-filling, component: db, schedule: \"0 3 * *\"}\n",
       "gamedays[0].schedule"},
      {"gamedays:\n  - {scenario: disk-filling, component: db, schedule: \"0 3 * * *\", "
       "time_zone: Mars/Base}\n",
       "gamedays[0].time_zone: unknown time zone"},
      {"gamedays:\n  - {scenario: disk-filling, component: db, schedule: \"0 3 * * *\", cron: x}\n",
       "gamedays[0].cron: unknown key"},
      {"gamedays:\n  - {scenario: disk-filling, component: db, schedule: \"0 3 * * *\"}\n"
       "gameday: {}\n",
       "gameday: unknown key"},
  };
  for (const auto& c : cases) {
    EXPECT_NE(error_of("", c.tail).find(c.error), std::string::npos)
        << c.tail << "\n  got: " << error_of("", c.tail);
  }
}

TEST(GamedayConfig, StagingMustBeABoolean) {
  const auto text = "components:\n  - name: db\n    staging: maybe\n"
                    "    probes:\n      - {name: p, kind: disk}\n";
  try {
    load_config_text(text, "test.yaml");
    FAIL() << "accepted staging: maybe";
  } catch (const ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("test.yaml:3:14: components[0].staging"),
              std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace watchdog::config
