// Game days (issue #19): container-crash and container-crash-loop driven directly against the
// test dockerd, with a real `watchdog run` watching the container. A crash (SIGKILL of the main
// process) is judged a crash, not a planned stop, and the watchdog restarts it; a crash loop
// ends FAILED with the loud alert, and the revert starts the container and has the daemon reset
// the component through the state store's request queue.
#include <gtest/gtest.h>

#include <ctime>
#include <iostream>
#include <thread>

#include "config/time_text.h"
#include "tests/integration/docker_fixture.h"
#include "tests/integration/gameday_context.h"
#include "tests/integration/harness.h"
#include "tests/support/webhook_receiver.h"
#include "watchdog/gameday/service_scenarios.h"
#include "watchdog/store/incident_journal.h"
#include "watchdog/store/state_store.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;

void prepare_bench(ScenarioBench& bench, const DockerdServer& engine) {
  bench.component.name = "app";
  bench.component.staging = true;
  bench.component.gameday.service.container = "web";
  bench.component.gameday.docker_socket = engine.socket().string();
}

bool watched_healthy(const WatchdogProcess& watchdog) {
  return wait_until(
      [&] {
        auto app = find_component(watchdog.status(), "app");
        return app.value("state", "") == "HEALTHY" && !app["probes"].empty() &&
               app["probes"][0].value("detail", "").find(", healthy,") != std::string::npos;
      },
      20s);
}

std::vector<std::string> alerted_states(const WebhookReceiver& receiver) {
  std::vector<std::string> to;
  for (const auto& alert : receiver.requests("POST")) {
    if (alert.json.value("component", "") == "app") to.push_back(alert.json.value("to", ""));
  }
  return to;
}

// The open incident of `app` from the daemon's journal (nullopt when none is open).
std::optional<store::IncidentRecord> open_incident(store::StateStore& state) {
  store::IncidentJournal journal(state.db());
  for (auto& incident : journal.list(20, true)) {
    if (incident.component == "app") return incident;
  }
  return std::nullopt;
}

TEST(GamedayContainer, CrashIsJudgedACrashAndTheWatchdogRestartsIt) {
  TempDir dir;
  DockerdServer engine;
  WebhookReceiver receiver;
  engine.docker_ok(healthy_web("web"));
  wait_healthy(engine, "web");
  WatchdogProcess watchdog(dir, watchdog_options(watched_app_yaml(engine, receiver.url(), 3)));
  ASSERT_TRUE(watched_healthy(watchdog)) << watchdog.log();
  const std::string before = started_at(engine, "web");

  ScenarioBench bench;
  prepare_bench(bench, engine);
  auto scenario = gameday::make_container_crash(bench.config, bench.component);
  auto ctx = bench.context();
  EXPECT_EQ(scenario->expect(), config::GamedayExpect::Recover);
  scenario->inject(ctx);
  EXPECT_EQ(bench.memory.value("kills", 0), 1);
  EXPECT_EQ(engine.inspect("web")["State"].value("Status", ""), "exited");

  ASSERT_TRUE(wait_until([&] { return alerted_states(receiver).size() >= 1; }, 20s))
      << watchdog.log();
  EXPECT_EQ(alerted_states(receiver)[0], "CRITICAL") << "a crash, not a planned stop (DEGRADED)";
  ASSERT_TRUE(watched_healthy(watchdog)) << watchdog.log();
  EXPECT_NE(started_at(engine, "web"), before) << "restarted by the watchdog";
  EXPECT_EQ(watchdog.metric("watchdog_recovery_actions_total",
                            {{"component", "app"}, {"action", "restart-app"}}),
            1);
  EXPECT_EQ(watchdog.log().find("stopped on purpose"), std::string::npos) << watchdog.log();

  scenario->revert(ctx);  // it runs: nothing to start, nothing to reset
  EXPECT_TRUE(bench.requests.empty());
  EXPECT_EQ(engine.inspect("web")["State"].value("Status", ""), "running");
}

TEST(GamedayContainer, CrashLoopEndsFailedWithTheAlertAndTheRevertResetsIt) {
  TempDir dir;
  DockerdServer engine;
  WebhookReceiver receiver;
  engine.docker_ok(healthy_web("web"));
  wait_healthy(engine, "web");
  WatchdogProcess watchdog(dir, watchdog_options(watched_app_yaml(engine, receiver.url(), 2)));
  ASSERT_TRUE(watched_healthy(watchdog)) << watchdog.log();
  auto state = store::StateStore::open_existing(watchdog.state_dir());

  ScenarioBench bench;
  prepare_bench(bench, engine);
  bench.forward_request = [&](const std::string& kind, const std::string& data) {
    state->add_request({kind, "app", "gameday", data}, std::chrono::system_clock::now());
  };
  auto scenario = gameday::make_container_crash_loop(bench.config, bench.component);
  auto ctx = bench.context();
  EXPECT_EQ(scenario->expect(), config::GamedayExpect::Recover);
  scenario->inject(ctx);

  // The runner's wait: tick every 250 ms until the journal says FAILED and its alert arrived.
  const auto failed_and_alerted = [&] {
    auto incident = open_incident(*state);
    const auto to = alerted_states(receiver);
    return incident && incident->worst_state == "FAILED" && !to.empty() && to.back() == "FAILED";
  };
  const auto deadline = std::chrono::steady_clock::now() + 90s;
  while (!failed_and_alerted() && std::chrono::steady_clock::now() < deadline) {
    scenario->tick(ctx);
    std::this_thread::sleep_for(250ms);
  }
  ASSERT_TRUE(failed_and_alerted()) << bench.all_notes() << watchdog.log();
  EXPECT_EQ(component_state(watchdog.status(), "app"), "FAILED");
  const auto incident = open_incident(*state);
  // Two attempts at most; fewer when a restart itself failed (the container died under it) and
  // the one-rung ladder was exhausted early: both are the watchdog giving up.
  EXPECT_GE(incident->attempts, 1);
  EXPECT_LE(incident->attempts, 2);
  store::IncidentJournal journal(state->db());
  std::string gave_up;
  for (const auto& event : journal.timeline(incident->id)) {
    if (event.summary.find("recovery gave up") != std::string::npos) gave_up = event.summary;
  }
  EXPECT_FALSE(gave_up.empty()) << "the journal says why";
  std::cout << "journal: " << gave_up << " (attempts " << incident->attempts << ", kills "
            << bench.memory.value("kills", 0) << ")\n";
  // Inject's kill plus one for each time a restart brought it back.
  EXPECT_GE(bench.memory.value("kills", 0), 2) << bench.all_notes();
  EXPECT_EQ(alerted_states(receiver).front(), "CRITICAL");

  scenario->revert(ctx);
  EXPECT_FALSE(bench.memory.value("looping", true));
  EXPECT_EQ(engine.inspect("web")["State"].value("Status", ""), "running");
  ASSERT_EQ(bench.requests.size(), 1u);
  EXPECT_EQ(bench.requests[0].first, "reset");
  EXPECT_EQ(bench.requests[0].second, "{}");
  ASSERT_TRUE(watched_healthy(watchdog)) << "the daemon applied the reset\n" << watchdog.log();
  const int kills = bench.memory.value("kills", 0);
  scenario->tick(ctx);  // the loop is over: a tick after the revert kills nothing
  EXPECT_EQ(bench.memory.value("kills", 0), kills);
  EXPECT_EQ(engine.inspect("web")["State"].value("Status", ""), "running");
}

// alert-sink-down with containers: the sink is stopped before the component crashes, stays down
// while the component is down, and comes back at the first tick after the component runs again
// (here started by the test, standing in for the watchdog's action). Delivery itself is the
// runner's measurement, from the journal.
TEST(GamedayContainer, AlertSinkComesBackOnceTheComponentRunsAgain) {
  DockerdServer engine;
  engine.docker_ok(healthy_web("web"));
  engine.docker_ok(healthy_web("relay"));
  ScenarioBench bench;
  prepare_bench(bench, engine);
  bench.config.alerts.push_back({"ops", "webhook", {}});
  bench.component.gameday.alert_sink = config::AlertSinkSwitch{"ops", {"relay", {}, {}}};
  auto scenario = gameday::make_alert_sink_down(bench.config, bench.component);
  auto ctx = bench.context();
  const auto status = [&](const std::string& name) {
    return engine.inspect(name)["State"].value("Status", "");
  };
  const auto events = [&](const std::string& name) {
    return engine.api_get("/events?since=0&until=" + std::to_string(std::time(nullptr) + 1) +
                          "&filters=%7B%22container%22%3A%5B%22" + name + "%22%5D%7D");
  };

  scenario->inject(ctx);
  EXPECT_EQ(status("relay"), "exited");
  EXPECT_EQ(status("web"), "exited");
  EXPECT_NE(events("relay").find("\"stop\""), std::string::npos) << "the sink: a clean stop";
  EXPECT_EQ(events("web").find("\"kill\""), std::string::npos) << "the component: a crash";
  scenario->tick(ctx);
  EXPECT_EQ(status("relay"), "exited") << "down while the component is";
  EXPECT_TRUE(bench.memory.value("sink_down", false));

  engine.docker_ok({"start", "web"});
  scenario->tick(ctx);
  EXPECT_EQ(status("relay"), "running") << bench.all_notes();
  EXPECT_FALSE(bench.memory.value("sink_down", true));
  const auto down = config::parse_rfc3339(bench.memory.value("sink_down_at", ""));
  const auto up = config::parse_rfc3339(bench.memory.value("sink_up_at", ""));
  ASSERT_TRUE(down && up) << bench.memory.dump();
  EXPECT_LE(*down, *up);
  scenario->revert(ctx);  // nothing left to mend
  EXPECT_EQ(status("relay"), "running");
  EXPECT_EQ(status("web"), "running");
}

}  // namespace
}  // namespace watchdog::testing
