// Table tests of the state machine's operator inputs (reset, recover) and of holds: nothing is
// done through a hold, and nothing is done before fresh results have decided after a reset or a
// released hold ("re-probe before acting").
#include <gtest/gtest.h>

#include "tests/unit/watchdog/engine/state_machine_table.h"

namespace watchdog::core {
namespace {

TEST(StateMachine, OperatorResetReturnsFailedToProbing) {
  auto c = make_component();
  c.policy.max_attempts = 1;
  auto run = play(c, {{0, fail(), State::Healthy},
                      {1, fail(), State::Healthy},
                      {2, fail(), State::Recovering},
                      {3, ActionFinished{false, ""}, State::Failed},
                      {4, OperatorReset{}, State::Critical},
                      {5, fail(), State::Critical},
                      {6, fail(), State::Critical},
                      {7, fail(), State::Recovering}});
  EXPECT_EQ(run.actions.size(), 2u);
  EXPECT_EQ(c.attempts, 1);
}

// `recover`: the attempt after a failed one starts now instead of after the 10 s back-off.
TEST(StateMachine, OperatorRecoverSkipsTheBackOffOnly) {
  auto c = make_component();
  c.policy.max_attempts = 2;
  auto run = play(c, {{0, OperatorRecover{}, State::Healthy},  // passing: nothing to recover
                      {1, fail(), State::Healthy},
                      {2, fail(), State::Healthy},
                      {3, fail(), State::Recovering},
                      {4, OperatorRecover{}, State::Recovering},  // attempt 1 still running
                      {5, ActionFinished{false, "exit 1"}, State::Recovering},
                      {6, OperatorRecover{}, State::Recovering},  // attempt 2 at once
                      {7, ActionFinished{false, "exit 1"}, State::Failed},
                      {8, OperatorRecover{}, State::Failed}});  // budget spent: reset first
  ASSERT_EQ(run.actions.size(), 2u);
  EXPECT_EQ(run.actions[1].attempt, 2);
}

// Right after a reset the verdicts are Pending: `recover` waits for them instead of running a
// rung against an unverified service, and a ladder of `when:` rungs does not give up on a
// failure nobody has seen yet.
TEST(StateMachine, OperatorRecoverAfterAResetWaitsForFreshResults) {
  const auto fail = [] {
    return ProbeReported{0, Level::Fail, "refused", std::nullopt, "refused"};
  };
  for (const bool conditional : {false, true}) {
    auto c = make_component();
    c.policy.max_attempts = 1;
    if (conditional) c.policy.ladder[0].when = {"refused"};
    auto run = play(c, {{0, fail(), State::Healthy},
                        {1, fail(), State::Healthy},
                        {2, fail(), State::Recovering},
                        {3, ActionFinished{false, ""}, State::Failed},
                        {4, OperatorReset{}, State::Critical},
                        {5, OperatorRecover{}, State::Critical},  // nothing known yet
                        {6, fail(), State::Critical},
                        {7, OperatorRecover{}, State::Critical},  // one result: still undecided
                        {8, fail(), State::Critical},
                        {9, fail(), State::Recovering}});  // decided: the probes act
    EXPECT_EQ(run.actions.size(), 2u) << conditional;
    EXPECT_EQ(targets(run).back(), State::Recovering) << conditional;
  }
}

// An action killed because this replica lost the leader lease failed for a reason that is not
// the target's: the attempt is given back, the component waits out the hold CRITICAL instead of
// ending FAILED, and leading again it starts over with the same attempt.
TEST(StateMachine, AnActionWithdrawnByALostLeaseCostsNoAttempt) {
  auto c = make_component();
  c.policy.max_attempts = 1;
  const ActionFinished killed{false, "killed after 2 s: this replica lost the leader lease", true};
  auto run = play(c, {{0, fail(), State::Healthy},
                      {1, fail(), State::Healthy},
                      {2, fail(), State::Recovering},
                      {3, HoldChanged{"not the leader"}, State::Recovering},
                      {4, killed, State::Recovering},
                      {5, Tick{}, State::Critical},  // held, not FAILED
                      {6, HoldChanged{""}, State::Critical},
                      {7, fail(), State::Critical},
                      {8, fail(), State::Critical},
                      {9, fail(), State::Recovering}});
  ASSERT_EQ(run.actions.size(), 2u);
  EXPECT_EQ(run.actions[1].attempt, 1);
  EXPECT_EQ(c.episode_starts.size(), 1u);  // one episode, not two

  // A ladder: the withdrawn rung comes again, not the next one — unless it is destructive.
  for (const bool destructive : {false, true}) {
    auto ladder = make_component(1, 2);
    ladder.policy.ladder[0].destructive = destructive;
    auto climbed = play(ladder, {{0, fail(), State::Healthy},
                                 {1, fail(), State::Healthy},
                                 {2, fail(), State::Recovering},
                                 {3, killed, State::Recovering},
                                 {4, Tick{}, State::Recovering}});  // no hold: acts again
    ASSERT_EQ(climbed.actions.size(), 2u) << destructive;
    EXPECT_EQ(climbed.actions[1].rung, destructive ? 1 : 0) << destructive;
    EXPECT_EQ(climbed.actions[1].attempt, 1) << destructive;
  }

  // The same failure not withdrawn spends the attempt: FAILED.
  auto spent = make_component();
  spent.policy.max_attempts = 1;
  play(spent, {{0, fail(), State::Healthy},
               {1, fail(), State::Healthy},
               {2, fail(), State::Recovering},
               {4, ActionFinished{false, "exit 1"}, State::Failed}});
}

TEST(StateMachine, OperatorRecoverAfterAReleasedHoldWaitsForFreshResults) {
  auto c = make_component();
  auto run = play(c, {{0, HoldChanged{"paused by operator"}, State::Healthy},
                      {1, fail(), State::Healthy},
                      {2, fail(), State::Healthy},
                      {3, fail(), State::Critical},
                      {4, HoldChanged{""}, State::Critical},  // released: verdicts cleared
                      {5, OperatorRecover{}, State::Critical},
                      {6, ok(), State::Critical},
                      {7, OperatorRecover{}, State::Critical},
                      {8, ok(), State::Healthy}});  // it had healed: no action at all
  EXPECT_TRUE(run.actions.empty());
  EXPECT_EQ(c.attempts, 0);
}

TEST(StateMachine, OperatorRecoverNeverActsThroughAHold) {
  auto c = make_component();
  play(c, {{0, HoldChanged{"paused until later"}, State::Healthy},
           {1, fail(), State::Healthy},
           {2, fail(), State::Healthy},
           {3, fail(), State::Critical},
           {4, OperatorRecover{}, State::Critical}});
  EXPECT_EQ(c.attempts, 0);
}

TEST(StateMachine, HeldComponentStaysCriticalThenReprobesBeforeActing) {
  auto c = make_component();
  auto run = play(c, {
                         {0, HoldChanged{"postgres is CRITICAL"}, State::Healthy},
                         {1, fail(), State::Healthy},
                         {2, fail(), State::Healthy},
                         {3, fail(), State::Critical},  // held: no action
                         {4, fail(), State::Critical},
                         {5, HoldChanged{""}, State::Critical},  // released: verdicts cleared
                         {6, fail(), State::Critical},
                         {7, fail(), State::Critical},
                         {8, fail(), State::Recovering},  // fresh evidence, then the action
                     });
  ASSERT_EQ(run.actions.size(), 1u);
  EXPECT_EQ(c.episode_starts.front(), at(8));
}

TEST(StateMachine, ReleasedHoldWithHealthyProbesRecoversWithoutAction) {
  auto c = make_component();
  auto run = play(c, {
                         {0, HoldChanged{"paused by operator"}, State::Healthy},
                         {1, fail(), State::Healthy},
                         {2, fail(), State::Healthy},
                         {3, fail(), State::Critical},
                         {4, HoldChanged{""}, State::Critical},
                         {5, ok(), State::Critical},
                         {6, ok(), State::Healthy},
                     });
  EXPECT_TRUE(run.actions.empty());
}

TEST(StateMachine, ReleaseReportsReprobeAndChangingHoldReasonDoesNot) {
  auto c = make_component();
  EXPECT_FALSE(step(c, HoldChanged{"a"}, at(0)).reprobe);
  play(c, {{1, fail(), State::Healthy}, {2, fail(), State::Healthy}, {3, fail(), State::Critical}});
  EXPECT_FALSE(step(c, HoldChanged{"b"}, at(4)).reprobe);
  EXPECT_TRUE(step(c, HoldChanged{""}, at(5)).reprobe);
  EXPECT_FALSE(step(c, HoldChanged{""}, at(6)).reprobe);
}

TEST(StateMachine, HoldArrivingDuringBackOffReturnsToCriticalInsteadOfNextAttempt) {
  auto c = make_component();
  auto run = play(c, {
                         {0, fail(), State::Healthy},
                         {1, fail(), State::Healthy},
                         {2, fail(), State::Recovering},
                         {3, ActionFinished{false, "exit 1"}, State::Recovering},
                         {4, HoldChanged{"maintenance window nightly"}, State::Recovering},
                         {20, Tick{}, State::Critical},  // back-off over, but held
                     });
  EXPECT_EQ(run.actions.size(), 1u);
  EXPECT_EQ(run.transitions.back().reason,
            "next attempt held: maintenance window nightly; p0: refused");
}

}  // namespace
}  // namespace watchdog::core
