// Table tests of the pure component state machine: sequences of inputs → states, transitions
// and actions (thresholds, verification, back-off, the flap guard, restarts). Operator inputs
// and holds: state_machine_operator_test.cpp.
#include "watchdog/engine/state_machine.h"

#include <gtest/gtest.h>

#include "tests/unit/watchdog/engine/state_machine_table.h"

namespace watchdog::core {
namespace {

// The rows, play() and make_component(): state_machine_table.h.

TEST(StateMachine, FailuresBelowThresholdChangeNothing) {
  auto c = make_component();
  auto run = play(c, {{0, fail(), State::Healthy},
                      {5, fail(), State::Healthy},
                      {10, ok(), State::Healthy},
                      {15, fail(), State::Healthy}});
  EXPECT_TRUE(run.transitions.empty());
  EXPECT_TRUE(run.actions.empty());
}

TEST(StateMachine, ThresholdFailuresGoCriticalThenRecoveringWithFirstRung) {
  auto c = make_component(1, 2);
  auto run = play(
      c,
      {{0, fail(), State::Healthy}, {5, fail(), State::Healthy}, {10, fail(), State::Recovering}});
  EXPECT_EQ(targets(run), (std::vector<State>{State::Critical, State::Recovering}));
  ASSERT_EQ(run.actions.size(), 1u);
  EXPECT_EQ(run.actions[0].rung, 0);
  EXPECT_EQ(run.actions[0].attempt, 1);
  EXPECT_EQ(run.transitions[0].reason, "p0: refused");
  EXPECT_EQ(run.transitions[0].incident_id, "api-20270115T080010.000Z");
  EXPECT_EQ(run.transitions[1].incident_id, run.transitions[0].incident_id);
}

TEST(StateMachine, CriticalWithoutActionsStaysCriticalAndRecoversOnSuccesses) {
  auto c = make_component(1, 0);
  auto run = play(c, {{0, fail(), State::Healthy},
                      {1, fail(), State::Healthy},
                      {2, fail(), State::Critical},
                      {3, fail(), State::Critical},
                      {4, ok(), State::Critical},
                      {5, ok(), State::Healthy}});
  EXPECT_EQ(targets(run), (std::vector<State>{State::Critical, State::Healthy}));
  EXPECT_TRUE(run.actions.empty());
  EXPECT_TRUE(c.incident_id.empty());
}

TEST(StateMachine, NonCriticalComponentDegradesInsteadOfCritical) {
  auto c = make_component(1, 1, /*critical=*/false);
  auto run = play(c, {{0, fail(), State::Healthy},
                      {1, fail(), State::Healthy},
                      {2, fail(), State::Degraded},
                      {3, ok(), State::Degraded},
                      {4, ok(), State::Healthy}});
  EXPECT_TRUE(run.actions.empty());
}

TEST(StateMachine, WarningsDegradeAndClear) {
  auto c = make_component();
  play(c, {{0, warn(), State::Healthy},
           {1, warn(), State::Healthy},
           {2, warn(), State::Degraded},
           {3, ok(), State::Degraded},
           {4, ok(), State::Healthy}});
}

TEST(StateMachine, MixedWarnAndFailStreakDegrades) {
  auto c = make_component();
  play(c, {{0, warn(), State::Healthy}, {1, fail(), State::Healthy}, {2, warn(), State::Degraded}});
}

TEST(StateMachine, SuccessfulActionIsVerifiedBySuccessThreshold) {
  auto c = make_component();
  auto run = play(c, {{0, fail(), State::Healthy},
                      {1, fail(), State::Healthy},
                      {2, fail(), State::Recovering},
                      {3, ActionFinished{true, "exit 0"}, State::Recovering},
                      {4, ok(), State::Recovering},
                      {5, ok(), State::Healthy}});
  EXPECT_EQ(targets(run), (std::vector<State>{State::Critical, State::Recovering, State::Healthy}));
  EXPECT_EQ(run.transitions[2].reason, "recovered after attempt 1: all probes pass");
  EXPECT_FALSE(run.transitions[2].incident_id.empty());
}

TEST(StateMachine, ResultsWhileActingAreNotJudged) {
  auto c = make_component();
  play(c, {{0, fail(), State::Healthy},
           {1, fail(), State::Healthy},
           {2, fail(), State::Recovering},
           {3, ok(), State::Recovering},
           {4, ok(), State::Recovering},
           {5, ok(), State::Recovering}});
  EXPECT_EQ(c.phase, Phase::Acting);
}

TEST(StateMachine, VerificationNeedsEveryProbe) {
  auto c = make_component(2);
  play(c, {{0, fail(0), State::Healthy},
           {1, fail(0), State::Healthy},
           {2, fail(0), State::Recovering},
           {3, ActionFinished{true, ""}, State::Recovering},
           {4, ok(0), State::Recovering},
           {5, ok(0), State::Recovering},  // p1 still pending
           {6, ok(1), State::Recovering},
           {7, ok(1), State::Healthy}});
}

TEST(StateMachine, FailedVerificationBacksOffDoublingThenGivesUp) {
  auto c = make_component(1, 2);
  auto run =
      play(c, {
                  {0, fail(), State::Healthy},
                  {1, fail(), State::Healthy},
                  {2, fail(), State::Recovering},
                  {3, ActionFinished{true, ""}, State::Recovering},
                  {4, fail(), State::Recovering},
                  {5, fail(), State::Recovering},
                  {6, fail(), State::Recovering},
                  {10, Tick{}, State::Recovering},  // back-off 10 s from t=6: not yet
                  {16, Tick{}, State::Recovering},  // attempt 2, second rung
                  {17, ActionFinished{false, "exit 1"}, State::Recovering},
                  {30, Tick{}, State::Recovering},  // back-off 20 s from t=17: not yet
                  {37, Tick{}, State::Recovering},  // attempt 3 (second rung again: the last one)
                  {38, ActionFinished{false, "exit 1"}, State::Failed},
              });
  ASSERT_EQ(run.actions.size(), 3u);
  EXPECT_EQ(run.actions[0].rung, 0);
  EXPECT_EQ(run.actions[1].rung, 1);
  EXPECT_EQ(run.actions[2].rung, 1);
  EXPECT_EQ(run.actions[2].attempt, 3);
  EXPECT_EQ(targets(run), (std::vector<State>{State::Critical, State::Recovering, State::Failed}));
  EXPECT_EQ(run.transitions.back().reason,
            "recovery gave up: 3 attempt(s) failed: action failed: exit 1");
  EXPECT_EQ(run.transitions.back().attempt, 3);
}

TEST(StateMachine, VerifyTimeoutCountsAsFailedAttempt) {
  auto c = make_component();
  c.policy.max_attempts = 1;
  play(c, {{0, fail(), State::Healthy},
           {1, fail(), State::Healthy},
           {2, fail(), State::Recovering},
           {3, ActionFinished{true, ""}, State::Recovering},
           {20, Tick{}, State::Recovering},
           {33, Tick{}, State::Failed}});
}

TEST(StateMachine, ProbesPassingDuringBackOffRecoverWithoutAnotherAction) {
  auto c = make_component();
  auto run = play(c, {{0, fail(), State::Healthy},
                      {1, fail(), State::Healthy},
                      {2, fail(), State::Recovering},
                      {3, ActionFinished{false, "exit 2"}, State::Recovering},
                      {4, ok(), State::Recovering},
                      {5, ok(), State::Healthy},
                      {20, Tick{}, State::Healthy}});
  EXPECT_EQ(run.actions.size(), 1u);
}

TEST(StateMachine, FailedLeavesOnlyWhenProbesPass) {
  auto c = make_component();
  c.policy.max_attempts = 1;
  play(c, {{0, fail(), State::Healthy},
           {1, fail(), State::Healthy},
           {2, fail(), State::Recovering},
           {3, ActionFinished{false, "x"}, State::Failed},
           {100, Tick{}, State::Failed},
           {101, fail(), State::Failed},
           {102, ok(), State::Failed},
           {103, ok(), State::Healthy}});
}

TEST(StateMachine, FlappingWithinWindowEndsFailedInsteadOfLooping) {
  auto c = make_component();
  c.policy.max_incidents = 2;
  std::vector<Row> rows;
  int t = 0;
  for (int cycle = 0; cycle < 2; ++cycle) {
    rows.push_back({t++, fail(), State::Healthy});
    rows.push_back({t++, fail(), State::Healthy});
    rows.push_back({t++, fail(), State::Recovering});
    rows.push_back({t++, ActionFinished{true, ""}, State::Recovering});
    rows.push_back({t++, ok(), State::Recovering});
    rows.push_back({t++, ok(), State::Healthy});
  }
  rows.push_back({t++, fail(), State::Healthy});
  rows.push_back({t++, fail(), State::Healthy});
  rows.push_back({t++, fail(), State::Failed});  // third outage in the window: no third action
  auto run = play(c, rows);
  EXPECT_EQ(run.actions.size(), 2u);
  EXPECT_EQ(run.transitions.back().reason,
            "recovery gave up: flapping: 2 incident(s) needed recovery within 1h (max_incidents "
            "2): p0: refused");
}

TEST(StateMachine, IncidentsOutsideWindowAreForgotten) {
  auto c = make_component();
  c.policy.max_incidents = 1;
  c.policy.window = seconds(100);
  auto run = play(c, {{0, fail(), State::Healthy},
                      {1, fail(), State::Healthy},
                      {2, fail(), State::Recovering},
                      {3, ActionFinished{true, ""}, State::Recovering},
                      {4, ok(), State::Recovering},
                      {5, ok(), State::Healthy},
                      {200, fail(), State::Healthy},
                      {201, fail(), State::Healthy},
                      {202, fail(), State::Recovering}});
  EXPECT_EQ(run.actions.size(), 2u);
}

TEST(StateMachine, ChecksBegunBeforeVerificationDoNotCount) {
  auto c = make_component();
  play(c, {{0, fail(), State::Healthy},
           {1, fail(), State::Healthy},
           {2, fail(), State::Recovering},
           {10, ActionFinished{true, ""}, State::Recovering}});
  // Two failures from checks that began while the action still ran: not a failed attempt.
  step(c, ProbeReported{0, Level::Fail, "old", at(9)}, at(11));
  step(c, ProbeReported{0, Level::Fail, "old", at(9)}, at(11));
  step(c, ProbeReported{0, Level::Fail, "old", at(9)}, at(11));
  EXPECT_EQ(c.phase, Phase::Verifying);
  // Checks that began after it are judged.
  step(c, ProbeReported{0, Level::Ok, "fine", at(11)}, at(11));
  auto r = step(c, ProbeReported{0, Level::Ok, "fine", at(12)}, at(12));
  EXPECT_EQ(c.state, State::Healthy);
  ASSERT_EQ(r.transitions.size(), 1u);
}

TEST(StateMachine, StaleActionFinishedIsIgnored) {
  auto c = make_component();
  auto r = step(c, ActionFinished{true, ""}, at(0));
  EXPECT_TRUE(r.transitions.empty());
  EXPECT_EQ(c.state, State::Healthy);
}

TEST(StateMachine, FastRecheckWhileUndecided) {
  auto c = make_component();
  EXPECT_FALSE(wants_fast_recheck(c, 0));
  step(c, fail(), at(0));
  EXPECT_TRUE(wants_fast_recheck(c, 0));  // first failure: decide quickly
  step(c, fail(), at(1));
  step(c, fail(), at(2));  // CRITICAL → RECOVERING (acting)
  EXPECT_FALSE(wants_fast_recheck(c, 0));
  step(c, ActionFinished{true, ""}, at(3));
  EXPECT_TRUE(wants_fast_recheck(c, 0));  // verifying
  EXPECT_EQ(next_deadline(c), at(33));
}

TEST(StateMachine, ResumedWhileActingSettlesThenVerifiesInsteadOfActingAgain) {
  auto c = make_component();
  play(c,
       {{0, fail(), State::Healthy}, {1, fail(), State::Healthy}, {2, fail(), State::Recovering}});
  ASSERT_EQ(c.phase, Phase::Acting);
  // The watchdog died while the action ran; it restarts at t=10, the orphan may run until t=40.
  auto resumed = step(c, Resumed{at(40)}, at(10));
  EXPECT_TRUE(resumed.reprobe);
  EXPECT_EQ(c.phase, Phase::Settling);
  EXPECT_EQ(next_deadline(c), at(40));
  auto run = play(c, {
                         {11, fail(), State::Recovering},  // the orphan is still working
                         {12, fail(), State::Recovering},
                         {13, fail(), State::Recovering},
                         {40, Tick{}, State::Recovering},  // its time is up: verify from now
                         {41, fail(), State::Recovering},  // 1 of failure_threshold 3
                     });
  EXPECT_TRUE(run.actions.empty());
  EXPECT_EQ(c.phase, Phase::Verifying);
  EXPECT_EQ(c.phase_deadline, at(40 + 30));
}

TEST(StateMachine, ResumedComponentRecoversOnPassingResultsWithoutAnotherAction) {
  auto c = make_component();
  play(c,
       {{0, fail(), State::Healthy}, {1, fail(), State::Healthy}, {2, fail(), State::Recovering}});
  step(c, Resumed{at(40)}, at(10));
  auto run = play(c, {{11, ok(), State::Recovering}, {12, ok(), State::Healthy}});
  EXPECT_TRUE(run.actions.empty());
  EXPECT_EQ(c.episode_starts.size(), 1u);  // the episode before the restart still counts
}

TEST(StateMachine, ResumedDuringBackOffKeepsTheTimer) {
  auto c = make_component();
  play(c, {{0, fail(), State::Healthy},
           {1, fail(), State::Healthy},
           {2, fail(), State::Recovering},
           {3, ActionFinished{false, "exit 1"}, State::Recovering}});
  const auto deadline = c.phase_deadline;
  EXPECT_FALSE(step(c, Resumed{at(5)}, at(5)).reprobe);
  EXPECT_EQ(c.phase, Phase::BackingOff);
  EXPECT_EQ(c.phase_deadline, deadline);
}

TEST(StateMachine, SeverityOrderAndWorst) {
  EXPECT_EQ(worst({}), State::Healthy);
  EXPECT_EQ(worst({State::Degraded, State::Failed, State::Critical}), State::Failed);
  EXPECT_EQ(worst({State::Recovering, State::Critical}), State::Critical);
  EXPECT_EQ(worst({State::Degraded, State::Recovering}), State::Recovering);
  EXPECT_EQ(state_from_string("critical"), State::Critical);
  EXPECT_EQ(state_from_string("FAILED"), State::Failed);
  EXPECT_FALSE(state_from_string("broken").has_value());
}

}  // namespace
}  // namespace watchdog::core
