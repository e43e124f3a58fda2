// The engine with `managed_by`: a reload that adds a manager to a component whose action is
// queued (max_concurrent_recoveries) must keep that action from starting, even when the reload
// and the event that frees the slot arrive in the same batch (holds not recomputed yet).
// Fake probes and actions; the manager is the Patroni stand-in (tests/support/patroni_standin.h:
// Patroni cannot run here), alive, so its hold is "not answered yet" or "alive": held either way.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "tests/support/patroni_standin.h"
#include "tests/unit/watchdog/engine/engine_fixture.h"

namespace watchdog::core {
namespace {

using namespace std::chrono_literals;
using namespace engine_fixture;

// Parks the engine loop in its leadership check (called once per turn on the loop thread) until
// released: the events pushed meanwhile all land in the loop's next batch, in push order.
struct LoopGate {
  std::mutex mutex;
  std::condition_variable changed;
  bool close_next = false, parked = false, open = true;

  bool is_leader() {
    std::unique_lock lock(mutex);
    if (close_next) {
      close_next = false;
      open = false;
      parked = true;
      changed.notify_all();
      changed.wait(lock, [&] { return open; });
      parked = false;
    }
    return true;
  }
  void park_loop() {
    std::unique_lock lock(mutex);
    close_next = true;
    changed.wait(lock, [&] { return parked; });
  }
  void release() {
    std::lock_guard lock(mutex);
    open = true;
    changed.notify_all();
  }
};

TEST(ManagedEngine, AReloadThatAddsAManagerKeepsAQueuedActionFromStarting) {
  Fixture f;
  f.plan.config.watchdog.max_concurrent_recoveries = 1;
  auto first_probe = std::make_shared<SwitchProbe>("p0");
  auto queued_probe = std::make_shared<SwitchProbe>("p1");
  auto queued_action = std::make_shared<FakeAction>("fix1", 10ms, [] {});
  LoopGate gate;
  Engine* engine_ptr = nullptr;
  Plan reloaded;
  std::thread reloader;
  // Set once `reloader` is assigned: the test thread must not read the std::thread (joinable())
  // while the action thread writes it.
  std::atomic<bool> reloader_started{false};
  // The first action, while it runs: park the loop, push the reload, and let this action's
  // outcome (pushed when it returns) follow it into the same batch.
  auto first_action = std::make_shared<FakeAction>("fix0", 300ms, [&] {
    first_probe->healthy_ = true;
    gate.park_loop();
    reloader = std::thread([&] { engine_ptr->reload(reloaded); });
    reloader_started = true;
    std::this_thread::sleep_for(200ms);  // the reload is queued (reload() waits for the loop)
    std::thread([&] {
      std::this_thread::sleep_for(200ms);  // the outcome is queued behind it
      gate.release();
    }).detach();
  });
  f.add("c0", first_probe, first_action);
  f.add("c1", queued_probe, queued_action);
  reloaded = f.plan;
  testing::PatroniStandin patroni;
  config::ManagerSpec manager;
  manager.kind = "patroni";
  manager.url.value = patroni.url();
  manager.display = manager.url.value;
  manager.interval = 10s;
  manager.timeout = 1s;
  reloaded.components[1].spec.managed_by = manager;

  Engine engine(f.metrics, f.dispatcher, {.seed = 7, .is_leader = [&] { return gate.is_leader(); }});
  engine_ptr = &engine;
  engine.start(f.plan);
  first_probe->healthy_ = false;
  ASSERT_TRUE(wait_until([&] { return first_action->running_ > 0; }));
  queued_probe->healthy_ = false;  // its action waits for the one slot
  ASSERT_TRUE(wait_until([&] { return reloader_started.load(); }, 5s));
  reloader.join();
  ASSERT_TRUE(wait_until([&] { return state_of(engine, "c0") == State::Healthy; }));
  std::this_thread::sleep_for(500ms);  // time enough for a wrongly started action to run
  EXPECT_EQ(queued_action->runs_, 0) << "started although its manager now owns it";
  std::string hold;
  for (const auto& c : engine.status().components) {
    if (c.name == "c1") hold = c.hold;
  }
  EXPECT_NE(hold.find("managed by patroni"), std::string::npos) << hold;
  engine.stop();
}

}  // namespace
}  // namespace watchdog::core
