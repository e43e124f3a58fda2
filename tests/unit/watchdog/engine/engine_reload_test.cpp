// Engine::reload: a component the new plan no longer has closes its open incident ("removed
// from configuration") in the journal and at the receivers that had it; probes the reload
// carries over keep their schedule and new ones start on their grid — no burst of checks.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/unit/watchdog/engine/engine_fixture.h"
#include "watchdog/store/incident_journal.h"

namespace watchdog::core {
namespace {

using namespace engine_fixture;

// Counts its checks.
class CountingProbe : public SwitchProbe {
 public:
  using SwitchProbe::SwitchProbe;
  probes::ProbeResult check(std::chrono::milliseconds timeout) noexcept override {
    ++checks_;
    return SwitchProbe::check(timeout);
  }
  std::atomic<int> checks_{0};
};

std::string incident_of(const Engine& engine, const std::string& name) {
  for (const auto& c : engine.status().components) {
    if (c.name == name) return c.incident_id;
  }
  return "";
}

TEST(EngineReload, ARemovedComponentClosesItsOpenIncident) {
  testing::TempDir dir;
  auto store = store::StateStore::open(dir.path());
  Fixture f;
  f.dispatcher.set_providers({std::make_shared<NowhereSink>()});
  auto kept_probe = std::make_shared<SwitchProbe>("p");
  auto gone_probe = std::make_shared<SwitchProbe>("p");
  gone_probe->healthy_ = false;
  f.add("kept", kept_probe, std::make_shared<FakeAction>("fix", 5ms, nullptr));
  Plan without_gone = f.plan;
  f.add("gone", gone_probe, std::make_shared<FakeAction>("fix", 5ms, nullptr));
  Engine engine(f.metrics, f.dispatcher, {.seed = 5, .store = store.get()});
  engine.start(f.plan);
  ASSERT_TRUE(wait_until([&] { return state_of(engine, "gone") == State::Failed; }));
  const auto incident = incident_of(engine, "gone");
  ASSERT_FALSE(incident.empty());

  engine.reload(without_gone);
  EXPECT_EQ(engine.status().components.size(), 1u);
  // The journal: closed, with the reason.
  store::IncidentJournal journal(store->db());
  const auto record = journal.find(incident);
  ASSERT_TRUE(record);
  EXPECT_TRUE(record->closed);
  bool noted = false;
  for (const auto& event : journal.timeline(incident)) {
    noted |= event.kind == "state_change" &&
             event.summary == "FAILED -> HEALTHY: removed from configuration";
  }
  EXPECT_TRUE(noted);
  EXPECT_TRUE(journal.list(100, /*open_only=*/true).empty());
  // The receivers that had it: a resolution that says why.
  int resolutions = 0;
  for (const auto& row : f.dispatcher.outbox()->recent(1000)) {
    if (row.incident_id != incident || row.state != "HEALTHY") continue;
    const auto doc = nlohmann::json::parse(row.payload);
    EXPECT_EQ(doc.value("condition", ""), "removed");
    EXPECT_EQ(doc.value("reason", ""), "removed from configuration");
    EXPECT_EQ(doc.value("from", ""), "FAILED");
    ++resolutions;
  }
  EXPECT_EQ(resolutions, 1);
  // Its series are gone.
  EXPECT_EQ(f.metrics.render().find("component=\"gone\""), std::string::npos);
  engine.stop();
  f.dispatcher.stop(100ms);
}

TEST(EngineReload, ProbesAreNotAllCheckedAgainAtOnce) {
  Fixture f;
  auto slow = [](ComponentPlan& c) {
    c.probes[0].spec.timing.interval = c.probes[0].spec.timing.recheck_interval = 30s;
    c.probes[0].spec.timing.timeout = 1s;
  };
  auto unchanged = std::make_shared<CountingProbe>("p");
  slow(f.add("unchanged", unchanged, std::make_shared<FakeAction>("fix", 5ms, nullptr)));
  Engine engine(f.metrics, f.dispatcher, {.seed = 9});
  engine.start(f.plan);
  ASSERT_TRUE(wait_until([&] { return unchanged->checks_ == 1; })) << "checked at start";

  // Reload: the same component (its probe's timeout changed: a changed probe), plus a new one.
  Fixture next;
  slow(next.add("unchanged", unchanged, std::make_shared<FakeAction>("fix", 5ms, nullptr)));
  next.plan.components[0].probes[0].spec.timing.timeout = 2s;
  auto added = std::make_shared<CountingProbe>("p");
  slow(next.add("added", added, std::make_shared<FakeAction>("fix", 5ms, nullptr)));
  engine.reload(next.plan);
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(unchanged->checks_, 1) << "a carried-over probe keeps its schedule";
  EXPECT_EQ(added->checks_, 0) << "a new probe starts on its grid, 30 s from the first plan's";
  EXPECT_EQ(state_of(engine, "unchanged"), State::Healthy);
  engine.stop();
}

}  // namespace
}  // namespace watchdog::core
