// Probe memory (probes/probe.h): the engine keeps each probe's latest blob, saves it in the
// state store (at most every probe_memory_save_interval, and at a reload or stop), and hands it
// to the probe object of the next run or reload before its first check; a probe that left the
// configuration, or changed kind, loses it; "" forgets it; an oversized one is refused.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "probes/disk_probe.h"
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

// Attaches the scripted memories to its checks in turn (the last one from then on) and records
// what it was given.
class ScriptedProbe : public SwitchProbe {
 public:
  ScriptedProbe(std::string name, std::vector<std::optional<std::string>> script)
      : SwitchProbe(std::move(name)), script_(std::move(script)) {}
  probes::ProbeResult check(std::chrono::milliseconds) noexcept override {
    std::lock_guard lock(mutex_);
    auto result = probes::healthy("fine");
    ++checks_;
    result.memory = script_[std::min(played_++, script_.size() - 1)];
    return result;
  }
  void restore_memory(std::string_view memory) noexcept override {
    std::lock_guard lock(mutex_);
    restored_ = std::string(memory);
  }
  std::size_t checks() {
    std::lock_guard lock(mutex_);
    return checks_;
  }
  std::optional<std::string> restored() {
    std::lock_guard lock(mutex_);
    return restored_;
  }
  // From the next check on.
  void play(std::vector<std::optional<std::string>> script) {
    std::lock_guard lock(mutex_);
    script_ = std::move(script);
    played_ = 0;
  }

 private:
  std::mutex mutex_;
  std::vector<std::optional<std::string>> script_;
  std::size_t checks_ = 0;
  std::size_t played_ = 0;
  std::optional<std::string> restored_;
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
    Engine engine(f.metrics, f.dispatcher,
                  {.seed = 7, .store = store.get(), .probe_memory_save_interval = 0ms});
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
  Engine engine(f.metrics, f.dispatcher,
                {.seed = 7, .store = store.get(), .probe_memory_save_interval = 0ms});
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

TEST(ProbeMemory, SavedAtMostEveryIntervalAndAtAReloadOrStop) {
  testing::TempDir dir;
  auto store = store::StateStore::open(dir.path());
  auto reader = store::StateStore::open_existing(dir.path());  // one connection per thread
  Fixture f;
  auto probe = std::make_shared<CountingProbe>("trend");
  f.add("disk", probe, no_action());
  Engine engine(f.metrics, f.dispatcher,
                {.seed = 7, .store = store.get(), .probe_memory_save_interval = 1h});
  engine.start(std::move(f.plan));
  // The first memory is saved at once, the next ones not within the hour.
  ASSERT_TRUE(wait_until([&] { return stored(*reader).count("disk/trend/fake") == 1; }));
  const int first = std::stoi(stored(*reader).at("disk/trend/fake"));
  ASSERT_TRUE(wait_until([&] { return probe->checks() >= first + 5; }));
  std::this_thread::sleep_for(300ms);  // several engine turns with new memories
  EXPECT_EQ(std::stoi(stored(*reader).at("disk/trend/fake")), first);
  // A reload saves the latest at once.
  Fixture next;
  auto reloaded = std::make_shared<CountingProbe>("trend");
  next.add("disk", reloaded, no_action());
  engine.reload(std::move(next.plan));
  EXPECT_GE(std::stoi(stored(*reader).at("disk/trend/fake")), first + 5);
  // And so does a stop.
  ASSERT_TRUE(wait_until([&] { return reloaded->checks() >= 3; }));
  const int before_stop = std::stoi(stored(*reader).at("disk/trend/fake"));
  engine.stop();
  EXPECT_GT(std::stoi(stored(*reader).at("disk/trend/fake")), before_stop);
}

TEST(ProbeMemory, NoMemoryOrAnOversizedOneKeepsThePreviousAndAnEmptyOneForgetsIt) {
  testing::TempDir dir;
  auto store = store::StateStore::open(dir.path());
  auto reader = store::StateStore::open_existing(dir.path());  // one connection per thread
  const std::string oversized(probes::kMaxProbeMemoryBytes + 1, 'x');
  {
    Fixture f;
    auto keeps = std::make_shared<ScriptedProbe>(
        "keeps", std::vector<std::optional<std::string>>{"learnt", std::nullopt, oversized});
    auto forgets = std::make_shared<ScriptedProbe>(
        "forgets", std::vector<std::optional<std::string>>{"learnt"});
    f.add("a", keeps, no_action());
    f.add("b", forgets, no_action());
    Engine engine(f.metrics, f.dispatcher,
                  {.seed = 7, .store = store.get(), .probe_memory_save_interval = 1h});
    engine.start(std::move(f.plan));
    ASSERT_TRUE(wait_until([&] {
      const auto saved = stored(*reader);
      return saved.count("a/keeps/fake") == 1 && saved.count("b/forgets/fake") == 1;
    }));
    // Forgetting does not wait for the interval.
    forgets->play({"", std::nullopt});
    ASSERT_TRUE(wait_until([&] { return stored(*reader).count("b/forgets/fake") == 0; }));
    ASSERT_TRUE(wait_until([&] { return keeps->checks() >= 5; }));
    engine.stop();  // flushes: still nothing newer than "learnt"
  }
  const auto saved = stored(*reader);
  EXPECT_EQ(saved.size(), 1u);
  EXPECT_EQ(saved.at("a/keeps/fake"), "learnt");

  Fixture f;
  const std::vector<std::optional<std::string>> nothing{std::nullopt};
  auto keeps = std::make_shared<ScriptedProbe>("keeps", nothing);
  auto forgets = std::make_shared<ScriptedProbe>("forgets", nothing);
  f.add("a", keeps, no_action());
  f.add("b", forgets, no_action());
  Engine engine(f.metrics, f.dispatcher, {.seed = 7, .store = store.get()});
  engine.start(std::move(f.plan));
  EXPECT_EQ(keeps->restored(), "learnt");
  EXPECT_EQ(forgets->restored(), std::nullopt);
  engine.stop();
}

TEST(ProbeMemory, CorruptForeignOrOversizedBlobsInTheStoreAreSurvived) {
  testing::TempDir dir;
  auto store = store::StateStore::open(dir.path());
  auto reader = store::StateStore::open_existing(dir.path());  // one connection per thread
  const auto now = std::chrono::system_clock::now();
  store->save_probe_memory({"disk", "data-disk", "disk", "{\"of\": [not json"}, now);
  store->save_probe_memory({"other", "data-disk", "disk", R"({"of":"/elsewhere","samples":[]})"},
                           now);
  store->save_probe_memory(
      {"big", "trend", "fake", std::string(probes::kMaxProbeMemoryBytes + 1, '7')}, now);
  Fixture f;
  const std::string path = dir.path().string();
  for (const char* component : {"disk", "other"}) {
    probes::DiskProbe::Settings settings;
    settings.path = path;
    auto& probe =
        f.add(component, std::make_shared<SwitchProbe>("data-disk"), no_action()).probes[0];
    probe.probe = std::make_shared<probes::DiskProbe>("data-disk", settings);
    probe.spec.kind = "disk";
  }
  auto big = std::make_shared<CountingProbe>("trend");
  f.add("big", big, no_action());
  Engine engine(f.metrics, f.dispatcher, {.seed = 7, .store = store.get()});
  engine.start(std::move(f.plan));
  // Each disk probe's own history replaces what it could not read.
  auto of = [&](const std::string& key) {
    const auto saved = stored(*reader);
    if (!saved.count(key)) return std::string();
    const auto doc = nlohmann::json::parse(saved.at(key), nullptr, false);
    return doc.is_object() && doc.contains("of") && doc["of"].is_string()
               ? doc["of"].get<std::string>()
               : std::string();
  };
  EXPECT_TRUE(wait_until([&] { return of("disk/data-disk/disk") == path; }));
  EXPECT_TRUE(wait_until([&] { return of("other/data-disk/disk") == path; }));
  // The oversized blob was never handed over (and not kept).
  ASSERT_TRUE(wait_until([&] { return big->checks() >= 1; }));
  EXPECT_EQ(big->restored_at_first_check(), "");
  ASSERT_TRUE(wait_until([&] { return stored(*reader).count("big/trend/fake") == 1; }));
  EXPECT_LT(stored(*reader).at("big/trend/fake").size(), 10u);
  engine.stop();
}

}  // namespace
}  // namespace watchdog::core
