// Probe memory (probes/probe.h): the engine keeps each probe's latest blob, saves it in the
// state store, and hands it to the probe object of the next run or reload before its first
// check; a probe that left the configuration, or changed kind, loses it.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <optional>

#include "tests/unit/watchdog/engine/engine_fixture.h"

namespace watchdog::core {
namespace {

using namespace std::chrono_literals;
using namespace engine_fixture;

// Counts its checks in its memory, continuing from the memory it was given.
class CountingProbe : public SwitchProbe {
 public:
  using SwitchProbe::SwitchProbe;
  probes::ProbeResult check(std::chrono::milliseconds) noexcept override {
    std::lock_guard lock(mutex_);
    if (checks_++ == 0) restored_at_first_check_ = restored_.value_or("");
    const int base = restored_ ? std::stoi(*restored_) : 0;
    auto result = probes::healthy("fine");
    result.memory = std::to_string(base + checks_);
    return result;
  }
  void restore_memory(std::string_view memory) noexcept override {
    std::lock_guard lock(mutex_);
    restored_ = std::string(memory);
  }
  int checks() {
    std::lock_guard lock(mutex_);
    return checks_;
  }
  // What it had been given when its first check ran ("" = nothing); nullopt before that.
  std::optional<std::string> restored_at_first_check() {
    std::lock_guard lock(mutex_);
    return restored_at_first_check_;
  }

 private:
  std::mutex mutex_;
  int checks_ = 0;
  std::optional<std::string> restored_;
  std::optional<std::string> restored_at_first_check_;
};

std::map<std::string, std::string> stored(store::StateStore& store) {
  std::map<std::string, std::string> out;
  for (const auto& row : store.load_probe_memories()) {
    out[row.component + "/" + row.probe + "/" + row.kind] = row.memory;
  }
  return out;
}

std::shared_ptr<FakeAction> no_action() {
  return std::make_shared<FakeAction>("act", 1ms, nullptr);
}

TEST(ProbeMemory, ARestartHandsTheSavedMemoryBackBeforeTheFirstCheck) {
  testing::TempDir dir;
  auto store = store::StateStore::open(dir.path());
  auto reader = store::StateStore::open_existing(dir.path());  // one connection per thread
  {
    Fixture f;
    auto probe = std::make_shared<CountingProbe>("trend");
    f.add("disk", probe, no_action());
    Engine engine(f.metrics, f.dispatcher, {.seed = 7, .store = store.get()});
    engine.start(std::move(f.plan));
    ASSERT_TRUE(wait_until([&] {
      const auto saved = stored(*reader);
      return saved.count("disk/trend/fake") && std::stoi(saved.at("disk/trend/fake")) >= 3;
    }));
    engine.stop();
    EXPECT_EQ(probe->restored_at_first_check(), "");  // nothing saved before the first run
  }
  const auto saved = stored(*reader);
  ASSERT_EQ(saved.size(), 1u);
  const std::string last = saved.at("disk/trend/fake");
  EXPECT_GE(std::stoi(last), 3);

  Fixture f;
  auto probe = std::make_shared<CountingProbe>("trend");
  f.add("disk", probe, no_action());
  Engine engine(f.metrics, f.dispatcher, {.seed = 7, .store = store.get()});
  engine.start(std::move(f.plan));
  ASSERT_TRUE(wait_until([&] { return probe->checks() >= 2; }));
  EXPECT_EQ(probe->restored_at_first_check(), last);
  // And what it learns from there is saved in turn.
  ASSERT_TRUE(wait_until(
      [&] { return std::stoi(stored(*reader).at("disk/trend/fake")) > std::stoi(last) + 1; }));
}

TEST(ProbeMemory, AReloadCarriesItOverByNameAndKindAndDropsWhatLeft) {
  testing::TempDir dir;
  auto store = store::StateStore::open(dir.path());
  auto reader = store::StateStore::open_existing(dir.path());  // one connection per thread
  Fixture f;
  auto kept = std::make_shared<CountingProbe>("kept");
  auto retyped = std::make_shared<CountingProbe>("retyped");
  auto removed = std::make_shared<CountingProbe>("removed");
  f.add("a", kept, no_action());
  f.add("b", retyped, no_action());
  f.add("c", removed, no_action());
  Engine engine(f.metrics, f.dispatcher, {.seed = 7, .store = store.get()});
  engine.start(std::move(f.plan));
  ASSERT_TRUE(wait_until(
      [&] { return kept->checks() >= 2 && retyped->checks() >= 2 && removed->checks() >= 2; }));
  ASSERT_TRUE(wait_until([&] { return stored(*reader).size() == 3; }));

  Fixture next;
  auto kept2 = std::make_shared<CountingProbe>("kept");
  auto retyped2 = std::make_shared<CountingProbe>("retyped");
  next.add("a", kept2, no_action());
  next.add("b", retyped2, no_action()).probes[0].spec.kind = "other";
  engine.reload(std::move(next.plan));
  ASSERT_TRUE(wait_until([&] { return kept2->checks() >= 1 && retyped2->checks() >= 1; }));
  EXPECT_GE(std::stoi(kept2->restored_at_first_check().value()), 1);
  EXPECT_EQ(retyped2->restored_at_first_check(), "");  // another kind's memory is not its own
  // The store forgot the removed probe and the old kind's memory.
  ASSERT_TRUE(wait_until([&] {
    const auto saved = stored(*reader);
    return saved.size() == 2 && saved.count("a/kept/fake") && saved.count("b/retyped/other");
  }));
  engine.stop();
}

TEST(ProbeMemory, WithoutAStoreAReloadStillCarriesItOver) {
  Fixture f;
  auto first = std::make_shared<CountingProbe>("trend");
  f.add("disk", first, no_action());
  Engine engine(f.metrics, f.dispatcher, {.seed = 7});
  engine.start(std::move(f.plan));
  ASSERT_TRUE(wait_until([&] { return first->checks() >= 2; }));
  Fixture next;
  auto second = std::make_shared<CountingProbe>("trend");
  next.add("disk", second, no_action());
  engine.reload(std::move(next.plan));
  ASSERT_TRUE(wait_until([&] { return second->checks() >= 1; }));
  EXPECT_GE(std::stoi(second->restored_at_first_check().value()), 1);
  engine.stop();
}

}  // namespace
}  // namespace watchdog::core
