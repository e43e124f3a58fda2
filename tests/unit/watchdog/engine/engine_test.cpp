// The recovery coordinator (Engine) with fake probes and actions: dependency ordering, the
// concurrency limit, FAILED and reset through the state store, and resuming after a restart.
// Probes run every 50 ms with thresholds of 1 so that each scenario settles in well under a
// second; assertions wait for conditions (never for exact durations).
#include <gtest/gtest.h>

#include <thread>

#include "tests/support/prometheus_text.h"
#include "tests/unit/watchdog/engine/engine_fixture.h"
#include "watchdog/store/incident_journal.h"

namespace watchdog::core {
namespace {

using namespace std::chrono_literals;
using namespace engine_fixture;

TEST(Coordinator, DependencyIsRecoveredFirstAndTheDependentOnlyReprobed) {
  Fixture f;
  auto db_probe = std::make_shared<SwitchProbe>("db-tcp");
  auto api_probe = std::make_shared<SwitchProbe>("api-http");
  // Restarting the database heals both: the api was only failing because of it.
  auto restart_db = std::make_shared<FakeAction>("restart-db", 200ms, [&] {
    db_probe->healthy_ = true;
    api_probe->healthy_ = true;
  });
  auto restart_api = std::make_shared<FakeAction>("restart-api", 10ms, nullptr);
  f.add("db", db_probe, restart_db);
  f.add("api", api_probe, restart_api, {"db"});

  Engine engine(f.metrics, f.dispatcher, {.seed = 7});
  engine.start(f.plan);
  std::this_thread::sleep_for(200ms);  // a few healthy rounds first
  db_probe->healthy_ = false;
  api_probe->healthy_ = false;
  ASSERT_TRUE(wait_until([&] { return restart_db->runs_ == 1; }));
  ASSERT_TRUE(wait_until([&] {
    return state_of(engine, "db") == State::Healthy && state_of(engine, "api") == State::Healthy;
  }));
  engine.stop();
  EXPECT_EQ(restart_db->runs_, 1);
  EXPECT_EQ(restart_api->runs_, 0) << "the dependent must wait for its dependency";
}

// A reload that changes a probe's kind (same name) carries its last result over but not its
// kind: the old kind's series are dropped, not rendered beside the new ones.
TEST(Coordinator, AReloadThatChangesAProbesKindDropsItsOldSeries) {
  Fixture f;
  auto probe = std::make_shared<SwitchProbe>("api-http");
  f.add("api", probe, std::make_shared<FakeAction>("fix", 10ms, nullptr));
  Engine engine(f.metrics, f.dispatcher, {.seed = 7});
  engine.start(f.plan);
  const std::string old_series =
      R"(watchdog_probe_success{component="api",probe="api-http",kind="fake"} 1)";
  const std::string new_series =
      R"(watchdog_probe_success{component="api",probe="api-http",kind="other"} 1)";
  ASSERT_TRUE(wait_until([&] { return f.metrics.render().find(old_series) != std::string::npos; }))
      << f.metrics.render();
  f.plan.components[0].probes[0].spec.kind = "other";
  engine.reload(f.plan);
  ASSERT_TRUE(wait_until([&] { return f.metrics.render().find(new_series) != std::string::npos; }))
      << f.metrics.render();
  const auto text = f.metrics.render();
  EXPECT_EQ(text.find(R"(kind="fake")"), std::string::npos) << text;
  EXPECT_EQ(engine.status().components.at(0).probes.at(0).kind, "other");
  engine.stop();
}

TEST(Coordinator, ConcurrencyLimitRunsOneRecoveryAtATime) {
  Fixture f;
  f.plan.config.watchdog.max_concurrent_recoveries = 1;
  std::vector<std::shared_ptr<SwitchProbe>> probes;
  std::vector<std::shared_ptr<FakeAction>> actions;
  std::atomic<int> running_anywhere{0};
  std::atomic<int> overlap_seen{0};
  for (int i = 0; i < 3; ++i) {
    auto probe = std::make_shared<SwitchProbe>("p" + std::to_string(i));
    probe->healthy_ = false;
    auto action = std::make_shared<FakeAction>("fix" + std::to_string(i), 150ms,
                                               [probe] { probe->healthy_ = true; });
    action->shared_running_ = &running_anywhere;
    action->overlap_seen_ = &overlap_seen;
    f.add("c" + std::to_string(i), probe, action);
    probes.push_back(probe);
    actions.push_back(action);
  }
  Engine engine(f.metrics, f.dispatcher, {.seed = 7});
  engine.start(f.plan);
  ASSERT_TRUE(wait_until([&] {
    for (int i = 0; i < 3; ++i) {
      if (actions[static_cast<std::size_t>(i)]->runs_ == 0) return false;
      if (state_of(engine, "c" + std::to_string(i)) != State::Healthy) return false;
    }
    return true;
  }));
  engine.stop();
  for (const auto& action : actions) EXPECT_EQ(action->runs_, 1);
  EXPECT_EQ(overlap_seen.load(), 0) << "two recoveries ran at the same time";
  EXPECT_NE(f.metrics.render().find("watchdog_recoveries_queued 0"), std::string::npos);
}

TEST(Coordinator, FailedComponentIsResetThroughTheStore) {
  testing::TempDir dir;
  auto store = store::StateStore::open(dir.path());
  Fixture f;
  auto probe = std::make_shared<SwitchProbe>("p");
  auto action = std::make_shared<FakeAction>("fix", 10ms, nullptr);
  action->ok_ = false;
  auto& c = f.add("api", probe, action);
  c.spec.recovery.max_attempts = 2;
  Engine engine(f.metrics, f.dispatcher, {.seed = 7, .store = store.get()});
  engine.start(f.plan);
  probe->healthy_ = false;
  ASSERT_TRUE(wait_until([&] { return state_of(engine, "api") == State::Failed; }));
  EXPECT_EQ(action->runs_, 2);
  std::this_thread::sleep_for(300ms);  // FAILED stays FAILED: no further attempts
  EXPECT_EQ(action->runs_, 2);

  auto cli = store::StateStore::open_existing(dir.path());
  action->ok_ = true;
  const auto id = cli->add_request({"reset", "api", "cli"}, std::chrono::system_clock::now());
  ASSERT_TRUE(wait_until([&] { return cli->request(id)->done.has_value(); }));
  EXPECT_EQ(cli->request(id)->result, "reset: api is probing again");
  ASSERT_TRUE(wait_until([&] { return action->runs_ == 3; }));
  engine.stop();

  // The counter and the journal it is restored from after a restart agree, run by run.
  store::IncidentJournal journal(store->db());
  const auto text = f.metrics.render();
  std::int64_t journaled = 0;
  for (const auto& actions : journal.action_counts()) {
    journaled += actions.count;
    EXPECT_EQ(testing::metric_sum(text, "watchdog_recovery_actions_total",
                                  {{"component", actions.component},
                                   {"action", actions.action},
                                   {"result", actions.ok ? "success" : "failure"}}),
              actions.count)
        << text;
  }
  EXPECT_GE(journaled, 2);  // the third may end after stop(): then neither counts it
  EXPECT_EQ(testing::metric_sum(text, "watchdog_recovery_actions_total"), journaled) << text;
}

TEST(Coordinator, PauseMutesActionsUntilResumed) {
  testing::TempDir dir;
  auto store = store::StateStore::open(dir.path());
  Fixture f;
  auto probe = std::make_shared<SwitchProbe>("p");
  auto action = std::make_shared<FakeAction>("fix", 10ms, [probe] { probe->healthy_ = true; });
  f.add("api", probe, action);
  auto cli = store::StateStore::open_existing(dir.path());
  const auto now = std::chrono::system_clock::now();
  cli->set_mute({"api", now + 1h, "deploy", now});
  Engine engine(f.metrics, f.dispatcher, {.seed = 7, .store = store.get()});
  engine.start(f.plan);
  probe->healthy_ = false;
  ASSERT_TRUE(wait_until([&] { return state_of(engine, "api") == State::Critical; }));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(action->runs_, 0);
  EXPECT_NE(f.metrics.render().find("watchdog_component_muted{component=\"api\"} 1"),
            std::string::npos);
  cli->clear_mute("api");
  ASSERT_TRUE(wait_until([&] { return state_of(engine, "api") == State::Healthy; }));
  engine.stop();
  EXPECT_EQ(action->runs_, 1);
}

TEST(Coordinator, RestartDuringAnActionVerifiesInsteadOfActingAgain) {
  testing::TempDir dir;
  auto probe = std::make_shared<SwitchProbe>("p");
  // The action heals the target after 400 ms, whether or not its watchdog is still there.
  auto action = std::make_shared<FakeAction>("fix", 400ms, [probe] { probe->healthy_ = true; });
  {
    auto store = store::StateStore::open(dir.path());
    Fixture f;
    f.add("api", probe, action);
    Engine engine(f.metrics, f.dispatcher, {.seed = 7, .store = store.get()});
    engine.start(f.plan);
    probe->healthy_ = false;
    ASSERT_TRUE(wait_until([&] { return action->runs_ == 1; }));
    engine.stop();  // the watchdog goes away while the action runs
  }
  auto store = store::StateStore::open(dir.path());
  Fixture f;
  f.add("api", probe, action);
  Engine engine(f.metrics, f.dispatcher, {.seed = 7, .store = store.get()});
  engine.start(f.plan);
  EXPECT_EQ(state_of(engine, "api"), State::Recovering);  // restored, not forgotten
  ASSERT_TRUE(wait_until([&] { return state_of(engine, "api") == State::Healthy; }));
  engine.stop();
  EXPECT_EQ(action->runs_, 1);

  store::IncidentJournal journal(store->db());
  auto incidents = journal.list(10, false);
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_TRUE(incidents[0].closed.has_value());
  EXPECT_TRUE(incidents[0].time_to_recover().has_value());
}

}  // namespace
}  // namespace watchdog::core

namespace watchdog::core {
namespace {

std::int64_t saved_at(store::StateStore& store, const std::string& component) {
  auto row = store.db().prepare("SELECT updated_ms FROM components WHERE name = ?1");
  row.bind(1, component);
  return row.step() ? row.integer(0) : -1;
}

// Work proportional to change: a steady probe's results leave its saved snapshot alone (the
// streaks are saved capped), while a failure is saved at once.
TEST(EngineCost, ASteadyComponentIsSavedOnceAndAFailureAtOnce) {
  testing::TempDir dir;
  auto store = store::StateStore::open(dir.path());
  Fixture f;
  auto probe = std::make_shared<SwitchProbe>("p");
  auto& c = f.add("api", probe, std::make_shared<FakeAction>("fix", 10ms, nullptr));
  c.probes[0].spec.timing.success_threshold = 2;
  Engine engine(f.metrics, f.dispatcher, {.seed = 7, .store = store.get()});
  engine.start(f.plan);
  auto cli = store::StateStore::open_existing(dir.path());
  ASSERT_TRUE(wait_until([&] { return saved_at(*cli, "api") > 0; }));
  std::this_thread::sleep_for(300ms);  // a few results so the streaks pass their cap
  const auto first = saved_at(*cli, "api");
  std::this_thread::sleep_for(500ms);  // ~10 more healthy results
  EXPECT_EQ(saved_at(*cli, "api"), first) << "an unchanged component was written again";
  probe->healthy_ = false;
  ASSERT_TRUE(wait_until([&] { return saved_at(*cli, "api") != first; }));
  engine.stop();
}

}  // namespace
}  // namespace watchdog::core
