// Operator requests through the state store, as the engine answers them
// (watchdog/engine/engine_operator.cpp): what survives a reload, what a request may never
// override, and that one bad request does not hold up the others.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "config/time_text.h"
#include "tests/unit/watchdog/engine/engine_fixture.h"

namespace watchdog::core {
namespace {

using namespace engine_fixture;
using Clock = std::chrono::system_clock;
using namespace std::chrono_literals;

// A component `api` whose probe fails: paused (no actions, it stays CRITICAL with an
// incident), or not paused with an action that fails and an hour of back-off (it waits in
// RECOVERING, where `recover` would start the next attempt at once).
struct PausedIncident {
  testing::TempDir dir;
  std::unique_ptr<store::StateStore> store = store::StateStore::open(dir.path());
  std::unique_ptr<store::StateStore> cli = store::StateStore::open_existing(dir.path());
  Fixture f;
  std::shared_ptr<SwitchProbe> probe = std::make_shared<SwitchProbe>("p");
  std::shared_ptr<FakeAction> action = std::make_shared<FakeAction>("fix", 10ms, nullptr);
  std::unique_ptr<Engine> engine;

  explicit PausedIncident(bool paused = true) {
    auto& component = f.add("api", probe, action);
    component.spec.recovery.backoff = component.spec.recovery.max_backoff = 1h;
    action->ok_ = false;
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
    return ask_together({{kind, data, at}}).back();
  }
  struct Asked {
    std::string kind;
    nlohmann::json data = nlohmann::json::object();
    Clock::time_point at = Clock::now();
  };
  // Several requests in one batch: all in the store before the engine is told.
  std::vector<store::Request> ask_together(const std::vector<Asked>& requests) {
    std::vector<std::int64_t> ids;
    for (const auto& r : requests) {
      ids.push_back(cli->add_request({r.kind, "api", "test", r.data.dump()}, r.at));
    }
    engine->requests_queued();
    std::vector<store::Request> answers;
    for (auto id : ids) {
      EXPECT_TRUE(wait_until([&] { return cli->request(id)->done.has_value(); }));
      answers.push_back(*cli->request(id));
    }
    return answers;
  }
  bool backing_off() const {
    for (const auto& c : engine->status().components) {
      if (c.name == "api") return c.state == State::Recovering && action->runs_ == 1;
    }
    return false;
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

// "Never overrides a hold": a pause answered just before in the same batch, and a pause the CLI
// wrote straight into the store, hold `recover` back although the loop has not turned since.
TEST(EngineOperator, RecoverSeesAPauseMadeJustBefore) {
  PausedIncident t(false);
  ASSERT_TRUE(wait_until([&] { return t.backing_off(); }));
  const auto until = config::epoch_ms(Clock::now() + 1h);
  const auto answers =
      t.ask_together({{"pause", {{"until_ms", until}, {"reason", "deploy"}}}, {"recover"}});
  EXPECT_EQ(answers[0].outcome, store::kRequestDone);
  EXPECT_EQ(answers[1].outcome, store::kRequestRefused);
  EXPECT_NE(answers[1].result.find("held"), std::string::npos) << answers[1].result;

  EXPECT_EQ(t.ask("resume").outcome, store::kRequestDone);
  const auto now = Clock::now();
  t.cli->set_mute({"api", now + 1h, "cli pause", now});
  const auto recover = t.ask("recover");
  EXPECT_EQ(recover.outcome, store::kRequestRefused);
  EXPECT_NE(recover.result.find("cli pause"), std::string::npos) << recover.result;
  EXPECT_EQ(t.action->runs_, 1);
}

// A recover (reset, ack) is about the component as it was when asked: one left from before a
// restart is not applied.
TEST(EngineOperator, ActingRequestsOlderThanThirtySecondsExpire) {
  PausedIncident t(false);
  ASSERT_TRUE(wait_until([&] { return t.backing_off(); }));
  const auto stale = t.ask("recover", nlohmann::json::object(), Clock::now() - 60s);
  EXPECT_EQ(stale.outcome, store::kRequestRefused);
  EXPECT_NE(stale.result.find("expired"), std::string::npos) << stale.result;
  EXPECT_EQ(t.action->runs_, 1);
  // A fresh one acts (once the first attempt has failed and backs off).
  EXPECT_TRUE(wait_until([&] { return t.ask("recover").outcome == store::kRequestDone; }));
  EXPECT_TRUE(wait_until([&] { return t.action->runs_ == 2; }));
}

// One request that throws while applied is answered `error`; the ones after it in the same
// batch are answered too, not left pending until some other write.
TEST(EngineOperator, AFailingRequestDoesNotStallTheOthers) {
  PausedIncident t;
  const auto answers = t.ask_together({{"pause", {{"until_ms", "not a number"}}}, {"resume"}});
  EXPECT_EQ(answers[0].outcome, store::kRequestError);
  EXPECT_EQ(answers[1].outcome, store::kRequestDone);
}

// An acknowledgement covers the incident as it was: when recovery then gives up (FAILED), the
// loud state pages again, so it may be acknowledged anew.
TEST(EngineOperator, FailedAfterAnAcknowledgementPagesAgain) {
  PausedIncident t(false);
  ASSERT_TRUE(wait_until([&] { return t.backing_off(); }));
  const auto id = t.incident();
  EXPECT_EQ(t.ask("ack", {{"incident", id}}).outcome, store::kRequestDone);
  for (int attempt = 2; attempt <= 3; ++attempt) {  // both fail; the third is the last
    ASSERT_TRUE(wait_until([&] { return t.ask("recover").outcome == store::kRequestDone; }))
        << attempt;
    ASSERT_TRUE(wait_until([&] { return t.action->runs_ == attempt; }));
  }
  ASSERT_TRUE(wait_until([&] { return state_of(*t.engine, "api") == State::Failed; }));
  const auto again = t.ask("ack", {{"incident", id}});
  EXPECT_EQ(again.outcome, store::kRequestDone);
  EXPECT_EQ(again.result.find("already"), std::string::npos) << again.result;
}

}  // namespace
}  // namespace watchdog::core
