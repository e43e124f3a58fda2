// Table tests of the ladder rules of the pure state machine: each incident climbs its own
// ladder from rung 1, destructive rungs run only for the failures in their `when`, and the flap
// guard ends FAILED for a component that keeps needing recovery (issue #12).
#include <gtest/gtest.h>

#include "watchdog/engine/state_machine.h"

namespace watchdog::core {
namespace {

using std::chrono::seconds;

TimePoint at(int s) { return TimePoint(seconds(1'900'000'000 + s)); }

// Probes fail on the first bad result and pass on the first good one, to keep tables short.
Component make_component(std::vector<Rung> ladder, int probes = 1) {
  Component c;
  c.name = "postgres";
  c.policy.ladder = std::move(ladder);
  c.policy.max_attempts = 3;
  c.policy.max_incidents = 3;
  c.policy.backoff = seconds(10);
  c.policy.max_backoff = seconds(10);
  c.policy.window = seconds(3600);
  c.policy.verify_timeout = seconds(30);
  for (int i = 0; i < probes; ++i) {
    ProbeTrack t;
    t.name = "db" + std::to_string(i);
    t.failure_threshold = 1;
    t.success_threshold = 1;
    c.probes.push_back(t);
  }
  return c;
}

const Rung kStart{"pg-start", {}};
const Rung kRestore{"restore-db", {"not_found", "corrupt"}, true};

ProbeReported failing(const char* kind, std::size_t probe = 0) {
  return {probe, Level::Fail, std::string("failed: ") + kind, std::nullopt, kind};
}
ProbeReported passing(std::size_t probe = 0) { return {probe, Level::Ok, "fine"}; }

// Everything the machine asked for, in order.
struct Log {
  std::vector<int> rungs;  // actions started
  std::vector<std::string> skipped;
  std::vector<Transition> transitions;
  void add(const StepResult& r) {
    if (r.run_action) rungs.push_back(r.run_action->rung);
    for (const auto& s : r.skipped) skipped.push_back(s.reason);
    transitions.insert(transitions.end(), r.transitions.begin(), r.transitions.end());
  }
};

// One whole incident: fails with `kind`, each action fails until `heal_on` (1-based attempt,
// 0 = never), then the probe passes. Returns at the time after it ended.
int incident(Component& c, Log& log, int t, const char* kind, int heal_on = 1) {
  log.add(step(c, failing(kind), at(t++)));
  for (int attempt = 1; c.state == State::Recovering; ++attempt) {
    const bool heals = attempt == heal_on;
    log.add(step(c, ActionFinished{heals, heals ? "" : "exit 1"}, at(t++)));
    if (heals) {
      log.add(step(c, passing(), at(t++)));
      break;
    }
    t += 11;  // past the back-off: the next attempt (or the give-up)
    log.add(step(c, Tick{}, at(t++)));
  }
  return t;
}

TEST(Ladder, NewIncidentAfterRecoveredOneStartsAtRungOne) {
  auto c = make_component({kStart, {"pg-restart", {}}});
  Log log;
  int t = incident(c, log, 0, "refused", 2);  // rung 1 fails, rung 2 heals
  EXPECT_EQ(c.state, State::Healthy);
  t = incident(c, log, t + 60, "timeout", 1);  // the next incident, same hour
  EXPECT_EQ(log.rungs, (std::vector<int>{0, 1, 0}));
  EXPECT_EQ(c.state, State::Healthy);
}

TEST(Ladder, DestructiveRungIsSkippedForATimeoutAndTheLastFittingRungRepeats) {
  auto c = make_component({kStart, kRestore});
  Log log;
  incident(c, log, 0, "timeout", 0);                  // never heals
  EXPECT_EQ(log.rungs, (std::vector<int>{0, 0, 0}));  // never the restore
  ASSERT_EQ(log.skipped.size(), 2u);
  EXPECT_EQ(log.skipped[0],
            "skipped restore-db: failure was timeout, rung needs not_found|corrupt");
  EXPECT_EQ(c.state, State::Failed);
  EXPECT_EQ(log.transitions.back().reason,
            "recovery gave up: 3 attempt(s) failed: action failed: exit 1");
}

TEST(Ladder, LockedAndRefusedNeverLeadToARestore) {
  for (const char* kind : {"locked", "refused", "auth", "error"}) {
    auto c = make_component({kStart, kRestore});
    Log log;
    incident(c, log, 0, kind, 0);
    EXPECT_EQ(log.rungs, (std::vector<int>{0, 0, 0})) << kind;
  }
}

TEST(Ladder, DestructiveRungRunsForTheFailureItRepairs) {
  auto c = make_component({kStart, kRestore});
  Log log;
  incident(c, log, 0, "not_found", 2);  // pg-start cannot bring a dropped database back
  EXPECT_EQ(log.rungs, (std::vector<int>{0, 1}));
  EXPECT_TRUE(log.skipped.empty());
  EXPECT_EQ(c.state, State::Healthy);
}

TEST(Ladder, AFailureThatTurnsIntoDataLossReachesTheRestore) {
  auto c = make_component({kStart, kRestore});
  Log log;
  log.add(step(c, failing("refused"), at(0)));
  log.add(step(c, ActionFinished{false, "exit 1"}, at(1)));  // pg-start did not help
  log.add(step(c, failing("not_found"), at(2)));             // during the back-off
  log.add(step(c, Tick{}, at(20)));
  EXPECT_EQ(log.rungs, (std::vector<int>{0, 1}));
}

TEST(Ladder, EveryFailingProbeMustFitADestructiveRung) {
  auto c = make_component({kStart, kRestore}, 2);
  Log log;
  log.add(step(c, failing("not_found", 0), at(0)));
  log.add(step(c, ActionFinished{false, "exit 1"}, at(1)));
  log.add(step(c, failing("timeout", 1), at(2)));  // another probe only timed out
  log.add(step(c, Tick{}, at(20)));
  EXPECT_EQ(log.rungs, (std::vector<int>{0, 0}));
  ASSERT_EQ(log.skipped.size(), 1u);
  EXPECT_EQ(log.skipped[0],
            "skipped restore-db: failure was not_found+timeout, rung needs not_found|corrupt");
  EXPECT_EQ(failure_causes(c), (std::vector<std::string>{"not_found", "timeout"}));
}

TEST(Ladder, NoFittingRungGivesUpLoudlyWithoutActing) {
  auto c = make_component({kRestore});
  Log log;
  log.add(step(c, failing("timeout"), at(0)));
  EXPECT_TRUE(log.rungs.empty());
  EXPECT_EQ(c.state, State::Failed);
  ASSERT_EQ(log.skipped.size(), 1u);
  EXPECT_EQ(log.transitions.back().reason,
            "recovery gave up: no recovery rung fits the failure: db0: failed: timeout");
  log.add(step(c, passing(), at(5)));  // the lock is gone: back without anything done
  EXPECT_EQ(c.state, State::Healthy);
}

TEST(Ladder, ThreeIncidentsEachStartAtRungOneAndAFourthEndsFailedAsFlapping) {
  auto c = make_component({kStart, {"pg-restart", {}}});
  Log log;
  int t = 0;
  for (int n = 0; n < 3; ++n) t = incident(c, log, t + 100, "refused", 2);
  EXPECT_EQ(log.rungs, (std::vector<int>{0, 1, 0, 1, 0, 1}));
  EXPECT_EQ(c.state, State::Healthy);
  log.add(step(c, failing("refused"), at(t + 100)));
  EXPECT_EQ(c.state, State::Failed);
  EXPECT_EQ(log.rungs.size(), 6u);  // no seventh action
  EXPECT_EQ(log.transitions.back().reason,
            "recovery gave up: flapping: 3 incident(s) needed recovery within 1h "
            "(max_incidents 3): db0: failed: refused");

  // A reset clears the attempts and the flap guard: the next incident acts again, at rung 1.
  log.add(step(c, OperatorReset{}, at(t + 200)));
  EXPECT_EQ(c.attempts, 0);
  EXPECT_TRUE(c.episode_starts.empty());
  log.add(step(c, failing("refused"), at(t + 201)));
  EXPECT_EQ(c.state, State::Recovering);
  EXPECT_EQ(log.rungs.back(), 0);
}

TEST(Ladder, RelapseAfterARecoveryIntoDegradedStartsAtRungOneAndCountsForTheGuard) {
  auto c = make_component({kStart, {"pg-restart", {}}}, 2);
  c.policy.max_incidents = 2;
  Log log;
  log.add(step(c, ProbeReported{1, Level::Warn, "slow"}, at(0)));  // db1 warns throughout
  log.add(step(c, failing("refused", 0), at(1)));
  log.add(step(c, ActionFinished{false, "exit 1"}, at(2)));
  log.add(step(c, Tick{}, at(20)));  // attempt 2 → pg-restart
  log.add(step(c, ActionFinished{true, ""}, at(21)));
  log.add(step(c, passing(0), at(22)));
  log.add(step(c, ProbeReported{1, Level::Warn, "slow"}, at(23)));
  EXPECT_EQ(c.state, State::Degraded);  // same incident: db1 still warns
  log.add(step(c, failing("refused", 0), at(30)));
  EXPECT_EQ(log.rungs, (std::vector<int>{0, 1, 0}));  // a fresh climb
  log.add(step(c, ActionFinished{true, ""}, at(31)));
  log.add(step(c, passing(0), at(32)));
  log.add(step(c, ProbeReported{1, Level::Warn, "slow"}, at(33)));
  EXPECT_EQ(c.state, State::Degraded);
  log.add(step(c, failing("refused", 0), at(40)));  // the third episode within the window
  EXPECT_EQ(c.state, State::Failed);
}

TEST(Ladder, ADestructiveRungRunsOnceAnIncident) {
  auto c = make_component({kStart, kRestore});
  Log log;
  incident(c, log, 0, "not_found", 0);  // nothing heals
  // pg-start, the restore (it did not cure), then pg-start again — never a second restore,
  // which would only replace the safety copy the first one took.
  EXPECT_EQ(log.rungs, (std::vector<int>{0, 1, 0}));
  ASSERT_EQ(log.skipped.size(), 1u);
  EXPECT_EQ(log.skipped[0], "skipped restore-db: destructive, already ran in this incident");
  EXPECT_EQ(c.state, State::Failed);
  // The next incident may restore again.
  log = {};
  log.add(step(c, passing(), at(500)));
  incident(c, log, 600, "not_found", 2);
  EXPECT_EQ(log.rungs, (std::vector<int>{0, 1}));
}

TEST(Ladder, APlannedStopExplainsTheOtherProbesFailures) {
  auto c = make_component({kStart}, 2);  // db0: the container, db1: its HTTP check
  Log log;
  log.add(
      step(c, ProbeReported{0, Level::Warn, "stopped on purpose", std::nullopt, "stopped"}, at(0)));
  log.add(step(c, failing("refused", 1), at(1)));
  EXPECT_EQ(c.state, State::Degraded);
  EXPECT_TRUE(planned_stop(c));
  EXPECT_TRUE(log.rungs.empty()) << "no action for a planned stop";
  EXPECT_EQ(log.transitions.back().reason, "db0: stopped on purpose");
  // Started again: the container passes, the HTTP check still fails → an outage after all.
  log.add(step(c, passing(0), at(2)));
  log.add(step(c, failing("refused", 1), at(3)));
  EXPECT_EQ(c.state, State::Recovering);
  EXPECT_EQ(log.rungs, (std::vector<int>{0}));
}

TEST(Ladder, PassingAfterAHeldAttemptEndsTheEpisode) {
  auto c = make_component({kStart, {"pg-restart", {}}}, 2);
  Log log;
  log.add(step(c, ProbeReported{1, Level::Warn, "slow"}, at(0)));  // db1 warns throughout
  log.add(step(c, failing("refused", 0), at(0)));
  log.add(step(c, ActionFinished{false, "exit 1"}, at(1)));
  log.add(step(c, HoldChanged{"paused by operator"}, at(2)));
  log.add(step(c, Tick{}, at(20)));  // the next attempt is held: back to CRITICAL
  EXPECT_EQ(c.state, State::Critical);
  EXPECT_EQ(c.attempts, 1);
  log.add(step(c, passing(0), at(21)));
  EXPECT_EQ(c.state, State::Degraded);  // CRITICAL → DEGRADED: the episode is over
  EXPECT_EQ(c.attempts, 0);
  log.add(step(c, HoldChanged{""}, at(30)));
  log.add(step(c, failing("refused", 0), at(31)));
  EXPECT_EQ(log.rungs, (std::vector<int>{0, 0})) << "the relapse starts at rung 1";
}

}  // namespace
}  // namespace watchdog::core
