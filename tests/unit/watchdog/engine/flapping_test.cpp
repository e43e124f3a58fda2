// Table tests of flap detection (watchdog/engine/flapping.h): the rule alone, a track fed with
// timed state changes, and the state machine reporting when a component starts and stops
// flapping. Time is seconds from an arbitrary epoch; no clock is read.
#include "watchdog/engine/flapping.h"

#include <gtest/gtest.h>

#include "tests/unit/watchdog/engine/state_machine_table.h"

namespace watchdog::core {
namespace {

FlapPolicy policy(int window_seconds, int start, int stop) {
  return {std::chrono::seconds(window_seconds), start, stop};
}

TEST(FlapRule, StartsAtStartStopsAtStopWithHysteresis) {
  const auto p = policy(600, 5, 2);
  struct Case {
    bool flapping;
    int changes;
    bool expect;
  };
  const Case cases[] = {
      {false, 0, false}, {false, 4, false}, {false, 5, true},  {false, 9, true},
      {true, 5, true},   {true, 3, true},   {true, 4, true},    // between stop and start: stays
      {true, 2, false},  {true, 0, false},  {false, 3, false},  // … and does not start
  };
  for (const auto& c : cases) {
    EXPECT_EQ(judge_flapping(c.flapping, c.changes, p), c.expect)
        << "flapping=" << c.flapping << " changes=" << c.changes;
  }
  EXPECT_FALSE(judge_flapping(false, 100, policy(600, 0, 0))) << "start 0: off";
  EXPECT_FALSE(judge_flapping(true, 100, policy(600, 0, 0))) << "start 0: off";
}

TEST(FlapRule, OnlyChangesOfHealthClassCount) {
  const auto p = policy(600, 2, 0);
  FlapTrack track;
  // One incident worked on: CRITICAL → RECOVERING → FAILED is one outage, not three changes.
  EXPECT_EQ(note_change(track, p, State::Healthy, State::Critical, at(0)), FlapEdge::None);
  EXPECT_EQ(note_change(track, p, State::Critical, State::Recovering, at(1)), FlapEdge::None);
  EXPECT_EQ(note_change(track, p, State::Recovering, State::Failed, at(2)), FlapEdge::None);
  EXPECT_EQ(changes_within(track, p, at(2)), 1);
  // Back to DEGRADED is a change of class.
  EXPECT_EQ(note_change(track, p, State::Failed, State::Degraded, at(3)), FlapEdge::Started);
  EXPECT_EQ(track.worst, State::Failed) << "the worst state of the changes in the window";
}

// A service up 3 s, down 3 s: each down opens an incident (HEALTHY → CRITICAL → RECOVERING) and
// each up closes it. Flapping starts at the third onset and stops once the window has emptied.
TEST(FlapRule, ThreeSecondsUpThreeSecondsDown) {
  const auto p = policy(60, 5, 2);
  FlapTrack track;
  struct Row {
    int t;
    State from, to;
    FlapEdge expect;
  };
  const Row rows[] = {
      {0, State::Healthy, State::Critical, FlapEdge::None},
      {0, State::Critical, State::Recovering, FlapEdge::None},
      {3, State::Recovering, State::Healthy, FlapEdge::None},
      {6, State::Healthy, State::Critical, FlapEdge::None},
      {9, State::Critical, State::Healthy, FlapEdge::None},
      {12, State::Healthy, State::Critical, FlapEdge::Started},  // 5 changes in 60 s
      {15, State::Critical, State::Healthy, FlapEdge::None},
      {18, State::Healthy, State::Critical, FlapEdge::None},
      {21, State::Critical, State::Healthy, FlapEdge::None},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(note_change(track, p, row.from, row.to, at(row.t)), row.expect) << "t=" << row.t;
  }
  EXPECT_EQ(track.since, at(12));
  EXPECT_EQ(track.worst, State::Critical) << "worse than RECOVERING";
  EXPECT_EQ(track.changes.size(), 5u) << "bounded: only what the judgement needs";
  // Quiet from t=21: the changes age out. Stored now: 9, 12, 15, 18, 21 — three left at 72 s
  // (more than stop 2), two at 75 s.
  EXPECT_EQ(age(track, p, at(60)), FlapEdge::None);
  EXPECT_EQ(age(track, p, at(72)), FlapEdge::None);
  EXPECT_TRUE(track.flapping);
  EXPECT_EQ(age(track, p, at(75)), FlapEdge::Stopped);
  EXPECT_FALSE(track.flapping);
  EXPECT_EQ(age(track, p, at(200)), FlapEdge::None);
  EXPECT_TRUE(track.changes.empty());
}

TEST(FlapRule, IncidentsEveryFourMinutesFlapEverySixDoNot) {
  const auto p = policy(600, 5, 2);
  auto first_start = [&](int every) -> std::optional<int> {
    FlapTrack track;
    for (int i = 0; i < 10; ++i) {  // a one-minute incident every `every` seconds
      if (note_change(track, p, State::Healthy, State::Critical, at(i * every)) ==
          FlapEdge::Started) {
        return i * every;
      }
      note_change(track, p, State::Critical, State::Healthy, at(i * every + 60));
    }
    return std::nullopt;
  };
  EXPECT_EQ(first_start(240), 480) << "0, 60, 240, 300, 480: five changes within 10 minutes";
  EXPECT_EQ(first_start(360), std::nullopt) << "never more than four within 10 minutes";
}

TEST(FlapRule, OffWhenStartIsZero) {
  const auto p = policy(600, 0, 0);
  FlapTrack track;
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(note_change(track, p, i % 2 ? State::Critical : State::Healthy,
                          i % 2 ? State::Healthy : State::Critical, at(i)),
              FlapEdge::None);
  }
  EXPECT_TRUE(track.changes.empty());
}

// Turned off by a reload while it flapped: the next change ends the flap (its FLAPPING alert
// must be resolved under the id it was sent with), and then nothing more.
TEST(FlapRule, TurnedOffWhileFlappingEndsTheFlap) {
  const auto on = policy(600, 2, 0);
  FlapTrack track;
  EXPECT_EQ(note_change(track, on, State::Healthy, State::Critical, at(0)), FlapEdge::None);
  EXPECT_EQ(note_change(track, on, State::Critical, State::Healthy, at(1)), FlapEdge::Started);
  const auto since = track.since;
  const auto off = policy(600, 0, 0);
  EXPECT_EQ(note_change(track, off, State::Healthy, State::Critical, at(2)), FlapEdge::Stopped);
  EXPECT_FALSE(track.flapping);
  EXPECT_EQ(track.since, since);
  EXPECT_EQ(track.worst, State::Critical);
  EXPECT_EQ(note_change(track, off, State::Critical, State::Healthy, at(3)), FlapEdge::None);
}

// The state machine notes every transition and reports the edges; its recovery is unchanged
// (the flap guard, not flap detection, stops restart loops).
TEST(StateMachineFlapping, ReportsStartAndStopAndKeepsRecovering) {
  auto c = make_component(1, 0);  // no ladder: CRITICAL ⇄ HEALTHY
  c.probes[0].failure_threshold = 1;
  c.probes[0].success_threshold = 1;
  c.flap_policy = policy(60, 5, 2);
  std::vector<std::pair<int, FlapEdge>> edges;
  for (int t = 0; t < 30; t += 3) {
    const auto r = step(c, (t / 3) % 2 ? ok() : fail(), at(t));
    if (r.flap != FlapEdge::None) edges.emplace_back(t, r.flap);
  }
  // Changes at 0, 3, 6, 9, 12 → flapping from 12.
  ASSERT_EQ(edges.size(), 1u);
  EXPECT_EQ(edges[0], std::make_pair(12, FlapEdge::Started));
  EXPECT_EQ(c.flap.worst, State::Critical);
  // From 30 on it keeps failing: one more change, then CRITICAL stays and the results age the
  // window.
  EXPECT_EQ(step(c, fail(), at(30)).transitions.size(), 1u);
  std::optional<int> stopped;
  for (int t = 33; t < 200; t += 3) {
    const auto r = step(c, fail(), at(t));
    EXPECT_TRUE(r.transitions.empty());
    if (r.flap == FlapEdge::Stopped) stopped = t;
  }
  EXPECT_EQ(c.state, State::Critical);
  // Stored changes 18, 21, 24, 27, 30: two left once 24 has aged out, at 84.
  EXPECT_EQ(stopped, 84);
}

TEST(StateMachineFlapping, TickAgesTheWindowWhileRecovering) {
  auto c = make_component(1, 1);
  c.flap.flapping = true;
  c.flap_policy = policy(60, 5, 2);
  const auto r = step(c, Tick{}, at(10));
  EXPECT_EQ(r.flap, FlapEdge::Stopped) << "no change within the window";
}

}  // namespace
}  // namespace watchdog::core
