// Operator requests through the state store, as the engine answers them
// (watchdog/engine/engine_operator.cpp): what survives a reload, what a request may never
// override, and that one bad request does not hold up the others.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/unit/watchdog/engine/engine_fixture.h"

namespace watchdog::core {
namespace {

using namespace engine_fixture;
using Clock = std::chrono::system_clock;

// A component `api` whose probe fails, paused (no actions), so it stays CRITICAL with an incident.
struct PausedIncident {
  testing::TempDir dir;
  std::unique_ptr<store::StateStore> store = store::StateStore::open(dir.path());
  std::unique_ptr<store::StateStore> cli = store::StateStore::open_existing(dir.path());
  Fixture f;
  std::shared_ptr<SwitchProbe> probe = std::make_shared<SwitchProbe>("p");
  std::shared_ptr<FakeAction> action = std::make_shared<FakeAction>("fix", 10ms, nullptr);
  std::unique_ptr<Engine> engine;

  explicit PausedIncident(bool paused = true) {
    f.add("api", probe, action);
    const auto now = Clock::now();
    if (paused) cli->set_mute({"api", now + 1h, "deploy", now});
    engine = std::make_unique<Engine>(f.metrics, f.dispatcher,
                                      EngineOptions{.seed = 7, .store = store.get()});
    engine->start(f.plan);
    probe->healthy_ = false;
  }
  ~PausedIncident() { engine->stop(); }

  std::string incident() const {
    for (const auto& c : engine->status().components) {
      if (c.name == "api") return c.incident_id;
    }
    return {};
  }
  // Adds a request as the CLI or the API would, and waits for the engine's answer.
  store::Request ask(const std::string& kind, const nlohmann::json& data = nlohmann::json::object(),
                     Clock::time_point at = Clock::now()) {
    const auto id = cli->add_request({kind, "api", "test", data.dump()}, at);
    engine->requests_queued();
    EXPECT_TRUE(wait_until([&] { return cli->request(id)->done.has_value(); })) << kind;
    return *cli->request(id);
  }
};

TEST(EngineOperator, AnAcknowledgementSurvivesAReload) {
  PausedIncident t;
  ASSERT_TRUE(wait_until([&] { return state_of(*t.engine, "api") == State::Critical; }));
  const auto id = t.incident();
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(t.ask("ack", {{"incident", id}}).outcome, store::kRequestDone);
  t.engine->reload(t.f.plan);  // what SIGHUP does
  // Still acknowledged (so no reminders), in the engine and in the saved snapshot.
  EXPECT_NE(t.ask("ack", {{"incident", id}}).result.find("already acknowledged"),
            std::string::npos);
  t.engine->stop();  // and as saved by every turn after the reload
  const auto saved = nlohmann::json::parse(t.cli->load_components().at("api"));
  EXPECT_EQ(saved["engine"].value("acknowledged", ""), id);
}

}  // namespace
}  // namespace watchdog::core
