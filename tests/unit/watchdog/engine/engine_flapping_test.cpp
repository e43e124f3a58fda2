// The engine with flap detection: a service that goes down and up again and again pages once
// (FLAPPING) instead of once per change, and the flap is resolved when it settles. Driven by the
// engine fixture's switchable probes; the alerts are read back from the dispatcher's outbox.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/temp_dir.h"
#include "tests/unit/watchdog/engine/engine_fixture.h"
#include "watchdog/store/state_store.h"

namespace watchdog::core {
namespace {

using namespace engine_fixture;

struct Queued {
  int transitions = 0;  // state_change rows that are not about flapping
  int flapping = 0;     // FLAPPING alerts
  int settled = 0;      // their resolutions
};

Queued queued_for(alerts::Dispatcher& dispatcher, const std::string& component) {
  Queued out;
  for (const auto& row : dispatcher.outbox()->recent(10000)) {
    if (row.component != component || row.type != "state_change") continue;
    const auto condition = nlohmann::json::parse(row.payload).value("condition", nlohmann::json());
    if (condition == "flapping") {
      ++out.flapping;
    } else if (condition == "flapping_stopped") {
      ++out.settled;
    } else {
      ++out.transitions;
    }
  }
  return out;
}

bool flapping(const Engine& engine, const std::string& name) {
  for (const auto& c : engine.status().components) {
    if (c.name == name) return c.flapping;
  }
  return false;
}

// Down, up, down, up … (each phase lasts until the engine has seen it, as a 3 s up / 3 s down
// service would at a 1 s interval, only faster). Two components follow the same pattern: one
// with flap detection, one without.
TEST(EngineFlapping, AServiceThatKeepsFlappingPagesOnceAndIsResolvedWhenItSettles) {
  Fixture f;
  f.dispatcher.set_providers({std::make_shared<NowhereSink>()});
  auto damped_probe = std::make_shared<SwitchProbe>("p");
  auto loud_probe = std::make_shared<SwitchProbe>("p");
  auto& damped = f.add("damped", damped_probe, std::make_shared<FakeAction>("fix", 5ms, nullptr));
  damped.spec.flapping = {std::chrono::seconds(3), 5, 2};
  auto& loud = f.add("loud", loud_probe, std::make_shared<FakeAction>("fix", 5ms, nullptr));
  loud.spec.flapping.start = 0;  // off
  Engine engine(f.metrics, f.dispatcher, {.seed = 3});
  engine.start(f.plan);

  auto both = [&](bool healthy) {
    damped_probe->healthy_ = loud_probe->healthy_ = healthy;
    for (const char* name : {"damped", "loud"}) {
      ASSERT_TRUE(wait_until([&] { return (state_of(engine, name) == State::Healthy) == healthy; }))
          << name << " healthy=" << healthy;
    }
  };
  constexpr int kFlaps = 8;
  for (int i = 0; i < kFlaps; ++i) {
    both(false);
    both(true);
  }
  EXPECT_TRUE(flapping(engine, "damped"));
  EXPECT_FALSE(flapping(engine, "loud"));
  const auto loud_alerts = queued_for(f.dispatcher, "loud");
  const auto damped_alerts = queued_for(f.dispatcher, "damped");
  // Without damping: at least a page and a resolution per flap.
  EXPECT_GE(loud_alerts.transitions, 2 * kFlaps);
  EXPECT_EQ(loud_alerts.flapping, 0);
  // With it: one FLAPPING alert; before it, the transitions of the first two incidents only
  // (flapping starts at the fifth change of health: the third onset).
  EXPECT_EQ(damped_alerts.flapping, 1);
  EXPECT_EQ(damped_alerts.settled, 0);
  EXPECT_LE(damped_alerts.transitions, 8) << "the first two incidents: at most CRITICAL, "
                                             "RECOVERING, FAILED and HEALTHY each";
  EXPECT_LT(damped_alerts.transitions, loud_alerts.transitions / 2);

  // Healthy from now on: once at most 2 changes remain within the 3 s window the flap resolves,
  // with nothing else (it settled HEALTHY).
  ASSERT_TRUE(wait_until([&] { return !flapping(engine, "damped"); }, 10s));
  ASSERT_TRUE(wait_until([&] { return queued_for(f.dispatcher, "damped").settled == 1; }));
  EXPECT_EQ(queued_for(f.dispatcher, "damped").transitions, damped_alerts.transitions);
  const auto text = f.metrics.render();
  EXPECT_NE(text.find("watchdog_component_flapping{component=\"damped\"} 0"), std::string::npos);
  engine.stop();
  f.dispatcher.stop(100ms);
}

// It stops flapping because it stays down: the flap is resolved and the incident it is in is
// alerted right after (its latest transition, held back while it flapped).
TEST(EngineFlapping, SettlingDownResolvesTheFlapAndAlertsTheOpenIncident) {
  Fixture f;
  f.dispatcher.set_providers({std::make_shared<NowhereSink>()});
  auto probe = std::make_shared<SwitchProbe>("p");
  f.add("api", probe, std::make_shared<FakeAction>("fix", 5ms, nullptr)).spec.flapping = {
      std::chrono::seconds(2), 5, 2};
  Engine engine(f.metrics, f.dispatcher, {.seed = 6});
  engine.start(f.plan);
  for (int i = 0; i < 3; ++i) {
    probe->healthy_ = false;
    ASSERT_TRUE(wait_until([&] { return state_of(engine, "api") != State::Healthy; }));
    probe->healthy_ = true;
    ASSERT_TRUE(wait_until([&] { return state_of(engine, "api") == State::Healthy; }));
  }
  probe->healthy_ = false;  // and it stays down
  ASSERT_TRUE(wait_until([&] { return flapping(engine, "api"); }));
  ASSERT_TRUE(wait_until([&] { return !flapping(engine, "api"); }, 10s));
  ASSERT_TRUE(wait_until([&] { return queued_for(f.dispatcher, "api").settled == 1; }));
  std::string incident;
  for (const auto& c : engine.status().components) incident = c.incident_id;
  ASSERT_FALSE(incident.empty());
  EXPECT_NE(state_of(engine, "api"), State::Healthy);
  bool alerted = false;  // the open incident's latest transition, after the flap's resolution
  for (const auto& row : f.dispatcher.outbox()->recent(1000)) {
    alerted |= row.incident_id == incident && row.state != "HEALTHY";
  }
  EXPECT_TRUE(alerted);
  engine.stop();
  f.dispatcher.stop(100ms);
}

// Flapping that begins during a pause: nothing is sent then; the FLAPPING alert goes out once
// the pause ends (if it still flaps), as a held transition would.
TEST(EngineFlapping, AFlapThatBeganDuringAPauseIsAlertedWhenThePauseEnds) {
  watchdog::testing::TempDir dir;
  auto store = store::StateStore::open(dir.path());
  auto cli = store::StateStore::open_existing(dir.path());
  Fixture f;
  f.dispatcher.set_providers({std::make_shared<NowhereSink>()});
  auto probe = std::make_shared<SwitchProbe>("p");
  f.add("api", probe, std::make_shared<FakeAction>("fix", 5ms, nullptr)).spec.flapping = {
      std::chrono::seconds(30), 5, 2};
  const auto now = Clock::now();
  cli->set_mute({"api", now + 1h, "deploy", now});
  Engine engine(f.metrics, f.dispatcher, {.seed = 4, .store = store.get()});
  engine.start(f.plan);
  for (int i = 0; i < 3; ++i) {
    probe->healthy_ = false;
    ASSERT_TRUE(wait_until([&] { return state_of(engine, "api") != State::Healthy; }));
    probe->healthy_ = true;
    ASSERT_TRUE(wait_until([&] { return state_of(engine, "api") == State::Healthy; }));
  }
  ASSERT_TRUE(flapping(engine, "api"));
  std::this_thread::sleep_for(1200ms);  // a second of reminders: still paused
  EXPECT_EQ(queued_for(f.dispatcher, "api").flapping, 0);
  EXPECT_EQ(queued_for(f.dispatcher, "api").transitions, 0);

  cli->clear_mute("api");
  engine.requests_queued();
  EXPECT_TRUE(wait_until([&] { return queued_for(f.dispatcher, "api").flapping == 1; }));
  EXPECT_EQ(queued_for(f.dispatcher, "api").transitions, 0) << "HEALTHY now: nothing else open";
  engine.stop();
  f.dispatcher.stop(100ms);
}

}  // namespace
}  // namespace watchdog::core
