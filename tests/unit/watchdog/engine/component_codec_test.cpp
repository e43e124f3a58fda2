// The state store's snapshots of a component (watchdog/engine/component_codec.h): what the ladder
// needs survives a restart, and a snapshot written before the ladder belonged to the incident
// carries over only an incident still open.
#include "watchdog/engine/component_codec.h"

#include <gtest/gtest.h>

namespace watchdog::core {
namespace {

using std::chrono::seconds;

Component fresh() {
  Component c;
  c.name = "db";
  c.probes.push_back(ProbeTrack{"db-postgres"});
  return c;
}

TEST(ComponentCodec, LadderProgressSurvivesARoundTrip) {
  Component c = fresh();
  c.state = State::Recovering;
  c.phase = Phase::BackingOff;
  c.incident_id = "db-20261205T010000.000Z";
  c.attempts = 2;
  c.next_rung = 2;
  c.destructive_ran = {1};
  c.episode_starts = {TimePoint(seconds(1'900'000'000)), TimePoint(seconds(1'900'000'600))};
  c.probes[0].verdict = Verdict::Fail;
  c.probes[0].last_detail = "waited on a lock for 0.8 s";
  c.probes[0].last_failure = "locked";

  Component back = fresh();
  restore(nlohmann::json::parse(snapshot(c).dump()), back);
  EXPECT_EQ(back.state, State::Recovering);
  EXPECT_EQ(back.attempts, 2);
  EXPECT_EQ(back.next_rung, 2u);
  EXPECT_EQ(back.destructive_ran, (std::vector<std::size_t>{1}));
  EXPECT_EQ(back.episode_starts, c.episode_starts);
  EXPECT_EQ(back.probes[0].last_failure, "locked");
  EXPECT_EQ(failure_causes(back), (std::vector<std::string>{"locked"}));
}

// A restart while flapping goes on flapping under the same FLAPPING alert; a snapshot written
// before flap detection existed restores none.
TEST(ComponentCodec, FlapTrackSurvivesARoundTrip) {
  Component c = fresh();
  c.flap.flapping = true;
  c.flap.since = TimePoint(seconds(1'900'000'060));
  c.flap.worst = State::Failed;
  c.flap.changes = {{TimePoint(seconds(1'900'000'000)), State::Critical},
                    {TimePoint(seconds(1'900'000'030)), State::Healthy}};
  Component back = fresh();
  back.flap.flapping = true;  // whatever was there goes
  restore(nlohmann::json::parse(snapshot(c).dump()), back);
  EXPECT_TRUE(back.flap.flapping);
  EXPECT_EQ(back.flap.since, c.flap.since);
  EXPECT_EQ(back.flap.worst, State::Failed);
  ASSERT_EQ(back.flap.changes.size(), 2u);
  EXPECT_EQ(back.flap.changes[1].at, c.flap.changes[1].at);
  EXPECT_EQ(back.flap.changes[1].to, State::Healthy);
  std::string a, b;
  append_fingerprint(c, a);
  c.flap.changes.pop_back();
  append_fingerprint(c, b);
  EXPECT_NE(a, b) << "a new change is saved";

  auto old = snapshot(fresh());
  old.erase("flap");
  restore(old, back);
  EXPECT_FALSE(back.flap.flapping);
  EXPECT_TRUE(back.flap.changes.empty());
}

// The format of the previous release: "attempt_ms" held every attempt of the last hour.
nlohmann::json old_snapshot(const char* state) {
  return {{"state", state},
          {"since_ms", 1'900'000'000'000},
          {"incident_id", "db-20261205T010000.000Z"},
          {"phase", "idle"},
          {"phase_deadline_ms", 0},
          {"verify_since_ms", 0},
          {"attempt_ms", {1'900'000'000'000, 1'900'000'100'000, 1'900'000'200'000}},
          {"probes", nlohmann::json::array()}};
}

TEST(ComponentCodec, AnOldSnapshotOfAHealedComponentStartsAFreshLadder) {
  Component back = fresh();
  restore(old_snapshot("HEALTHY"), back);
  EXPECT_EQ(back.attempts, 0) << "three healed incidents must not spend the next one's budget";
  EXPECT_EQ(back.next_rung, 0u);
  EXPECT_TRUE(back.episode_starts.empty());
}

TEST(ComponentCodec, AnOldSnapshotOfAnOpenIncidentKeepsItsAttempts) {
  Component back = fresh();
  restore(old_snapshot("CRITICAL"), back);
  EXPECT_EQ(back.attempts, 3);
  EXPECT_EQ(back.next_rung, 3u);
  EXPECT_EQ(back.episode_starts.size(), 1u);
}

}  // namespace
}  // namespace watchdog::core
