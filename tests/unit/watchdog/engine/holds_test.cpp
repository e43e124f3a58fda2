// Table tests of the hold rules: dependencies first, mutes, leadership, root cause.
#include "watchdog/engine/holds.h"

#include <gtest/gtest.h>

namespace watchdog::core {
namespace {

HoldInput node(std::string name, State state, std::vector<std::string> deps = {}) {
  HoldInput in;
  in.name = std::move(name);
  in.state = state;
  in.incident_id = is_failing(state) ? in.name + "-20261122T060000Z" : "";
  in.depends_on = std::move(deps);
  return in;
}

TEST(Holds, HealthyDependenciesHoldNothing) {
  auto holds = compute_holds(
      {node("postgres", State::Healthy), node("api", State::Critical, {"postgres"})}, true);
  EXPECT_EQ(holds[0].reason, "");
  EXPECT_EQ(holds[1].reason, "");
  EXPECT_EQ(holds[1].root_cause, "");
}

TEST(Holds, FailingDependencyHoldsTheDependentOnly) {
  for (State failing : {State::Critical, State::Recovering, State::Failed}) {
    auto holds = compute_holds(
        {node("postgres", failing), node("api", State::Critical, {"postgres"})}, true);
    EXPECT_EQ(holds[0].reason, "") << to_string(failing);
    EXPECT_EQ(holds[1].reason, "waiting for postgres is " + std::string(to_string(failing)));
    EXPECT_EQ(holds[1].root_cause, "postgres");
    EXPECT_EQ(holds[1].root_incident, "postgres-20261122T060000Z");
    EXPECT_FALSE(holds[1].muted);
  }
}

TEST(Holds, DegradedDependencyDoesNotHold) {
  auto holds = compute_holds(
      {node("postgres", State::Degraded), node("api", State::Critical, {"postgres"})}, true);
  EXPECT_EQ(holds[1].reason, "");
}

TEST(Holds, SuspectDependencyHoldsWhileItIsRechecked) {
  auto postgres = node("postgres", State::Healthy);
  postgres.suspect = true;
  auto holds = compute_holds({postgres, node("api", State::Critical, {"postgres"})}, true);
  EXPECT_EQ(holds[1].reason, "waiting for postgres is being re-checked");
}

TEST(Holds, RootCauseIsTheDeepestFailingDependency) {
  auto holds = compute_holds(
      {node("api", State::Critical, {"backend"}), node("backend", State::Critical, {"postgres"}),
       node("postgres", State::Recovering)},
      true);
  EXPECT_EQ(holds[0].reason,
            "waiting for backend is CRITICAL (root cause: postgres is RECOVERING)");
  EXPECT_EQ(holds[0].root_cause, "postgres");
  EXPECT_EQ(holds[1].reason, "waiting for postgres is RECOVERING");
  EXPECT_EQ(holds[2].reason, "");
}

TEST(Holds, FirstFailingDependencyInOrderIsNamed) {
  auto holds = compute_holds({node("redis", State::Critical), node("postgres", State::Failed),
                              node("api", State::Critical, {"postgres", "redis"})},
                             true);
  EXPECT_EQ(holds[2].root_cause, "postgres");
}

TEST(Holds, MuteHoldsAndMutesButKeepsTheRootCause) {
  auto api = node("api", State::Critical, {"postgres"});
  api.mute = "maintenance window deploy until 2026-11-22T07:00:00Z";
  auto holds = compute_holds({node("postgres", State::Critical), api}, true);
  EXPECT_EQ(holds[1].reason, api.mute);
  EXPECT_TRUE(holds[1].muted);
  EXPECT_EQ(holds[1].root_cause, "postgres");
}

TEST(Holds, NonLeaderHoldsEverything) {
  auto holds =
      compute_holds({node("postgres", State::Critical), node("api", State::Healthy)}, false);
  for (const auto& hold : holds) EXPECT_EQ(hold.reason, "not the leader: another replica acts");
}

TEST(Holds, DependencyNotCheckedSinceTheDependentStartedFailingIsCheckedFirst) {
  auto db = node("db", State::Healthy);
  db.checked_since = TimePoint(std::chrono::seconds(100));
  auto api = node("api", State::Healthy, {"db"});
  api.failing_since = TimePoint(std::chrono::seconds(101));
  auto holds = compute_holds({db, api}, true);
  EXPECT_EQ(holds[1].reason, "checking db first");
  EXPECT_EQ(unchecked_dependencies({db, api}, 1), std::vector<std::size_t>{0});
  db.checked_since = TimePoint(std::chrono::seconds(102));  // checked since: healthy, go ahead
  holds = compute_holds({db, api}, true);
  EXPECT_EQ(holds[1].reason, "");
  EXPECT_TRUE(unchecked_dependencies({db, api}, 1).empty());
}

TEST(Holds, UnknownDependencyNamesAreIgnored) {  // the loader rejects them; stay total anyway
  auto holds = compute_holds({node("api", State::Critical, {"ghost"})}, true);
  EXPECT_EQ(holds[0].reason, "");
}

}  // namespace
}  // namespace watchdog::core
