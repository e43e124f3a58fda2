// When the engine asks the state store for pauses and requests (Engine::loop,
// operator_poll_due): not at every turn, yet never too late for what it guarantees.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "config/time_text.h"
#include "tests/unit/watchdog/engine/engine_fixture.h"

namespace watchdog::core {
namespace {

using namespace engine_fixture;
using Clock = std::chrono::system_clock;
using namespace std::chrono_literals;

std::string hold_of(const Engine& engine, const std::string& name) {
  for (const auto& c : engine.status().components) {
    if (c.name == name) return c.hold;
  }
  return "?";
}

// "A result that arrives after `watchdog pause` printed 'paused' never starts an action": the
// CLI writes the pause straight into the store (no event tells the engine), and the first
// failing result comes at most a probe interval (50 ms) later, while the loop has been turning
// for routine results only. Several components, one after the other: each pause lands at
// another moment between two of the engine's periodic polls.
TEST(EngineOperatorPoll, APauseTheCliWroteHoldsTheFirstFailingResult) {
  testing::TempDir dir;
  auto store = store::StateStore::open(dir.path());
  auto cli = store::StateStore::open_existing(dir.path());
  Fixture f;
  constexpr int kComponents = 5;
  std::vector<std::shared_ptr<SwitchProbe>> probes;
  std::vector<std::shared_ptr<FakeAction>> actions;
  for (int i = 0; i < kComponents; ++i) {
    probes.push_back(std::make_shared<SwitchProbe>("p"));
    actions.push_back(std::make_shared<FakeAction>("fix", 10ms, nullptr));
    f.add("c" + std::to_string(i), probes.back(), actions.back());
  }
  Engine engine(f.metrics, f.dispatcher, {.seed = 7, .store = store.get()});
  engine.start(f.plan);
  for (int i = 0; i < kComponents; ++i) {
    const auto name = "c" + std::to_string(i);
    std::this_thread::sleep_for(std::chrono::milliseconds(130 + 70 * i));  // routine turns
    const auto now = Clock::now();
    cli->set_mute({name, now + 1h, "deploy", now});
    probes[i]->healthy_ = false;
    ASSERT_TRUE(wait_until([&] { return state_of(engine, name) == State::Critical; })) << name;
    EXPECT_NE(hold_of(engine, name).find("paused"), std::string::npos) << hold_of(engine, name);
  }
  std::this_thread::sleep_for(200ms);  // an action would have started by now
  engine.stop();
  for (int i = 0; i < kComponents; ++i) EXPECT_EQ(actions[i]->runs_, 0) << "c" << i;
}

// A request the CLI wrote (no RequestsQueuedEvent) is answered although every turn handles
// routine results only.
TEST(EngineOperatorPoll, ARequestTheCliWroteIsAnsweredBetweenRoutineResults) {
  testing::TempDir dir;
  auto store = store::StateStore::open(dir.path());
  auto cli = store::StateStore::open_existing(dir.path());
  Fixture f;
  auto probe = std::make_shared<SwitchProbe>("p");
  f.add("api", probe, std::make_shared<FakeAction>("fix", 10ms, nullptr));
  Engine engine(f.metrics, f.dispatcher, {.seed = 7, .store = store.get()});
  engine.start(f.plan);
  std::this_thread::sleep_for(300ms);
  const auto until = Clock::now() + 1h;
  const auto id = cli->add_request(
      {"pause", "api", "cli", nlohmann::json{{"until_ms", config::epoch_ms(until)}}.dump()},
      Clock::now());
  ASSERT_TRUE(wait_until([&] { return cli->request(id)->done.has_value(); }));
  EXPECT_EQ(cli->request(id)->outcome, store::kRequestDone) << cli->request(id)->result;
  EXPECT_TRUE(wait_until([&] { return hold_of(engine, "api").find("paused") == 0; }));
  engine.stop();
}

}  // namespace
}  // namespace watchdog::core
