// plan_handover (handover.h): which incidents of another holder's record a replica continues
// under their ids, and which a new leader closes at the receivers.
#include "watchdog/engine/handover.h"

#include <gtest/gtest.h>

namespace watchdog::core {
namespace {

const HandedIncident kApi{"api", "api-T1", "CRITICAL", {"pager"}};
const HandedIncident kDb{"db", "db-T1", "RECOVERING", {}};

TEST(HandoverTest, AFollowerAdoptsTheLeadersIdForAnIncidentOpenHereUnderItsOwn) {
  const std::vector<LocalIncident> local{{"api", "api-T2", true}, {"db", "", true}};
  const auto plan = plan_handover(local, {kApi, kDb}, /*leader=*/false);
  ASSERT_EQ(plan.adopt.size(), 1U);
  EXPECT_EQ(plan.adopt[0].local, 0U);
  EXPECT_EQ(plan.adopt[0].incident, kApi);
  EXPECT_TRUE(plan.resolve.empty());  // a follower never closes the holder's incidents
  EXPECT_TRUE(plan.pending.empty());
}

TEST(HandoverTest, TheSameIdAlreadyNeedsNothing) {
  const auto plan = plan_handover({{"api", "api-T1", true}}, {kApi}, true);
  EXPECT_TRUE(plan.empty());
}

TEST(HandoverTest, ANewLeaderClosesWhatIsHealthyHereOrNotConfiguredHere) {
  const std::vector<LocalIncident> local{{"api", "", true}};
  const auto plan = plan_handover(local, {kApi, kDb}, /*leader=*/true);
  ASSERT_EQ(plan.resolve.size(), 2U);
  EXPECT_EQ(plan.resolve[0], kApi);  // healthy here after a check
  EXPECT_EQ(plan.resolve[1], kDb);   // no such component here
  EXPECT_TRUE(plan.adopt.empty());
}

TEST(HandoverTest, ANewLeaderWaitsForTheFirstCheckBeforeClosing) {
  const auto plan = plan_handover({{"api", "", false}}, {kApi}, true);
  EXPECT_TRUE(plan.resolve.empty());
  ASSERT_EQ(plan.pending.size(), 1U);
  EXPECT_EQ(plan.pending[0], kApi);
}

TEST(HandoverTest, ANewLeaderDoesNotCloseWhatIsFailingHereBelowTheThreshold) {
  // Its probes see the outage a check later than the old leader's: closing now and paging a new
  // incident a moment later is the two-incident story this prevents.
  const auto plan = plan_handover({{"api", "", true, /*suspect=*/true}}, {kApi}, true);
  EXPECT_TRUE(plan.resolve.empty());
  ASSERT_EQ(plan.pending.size(), 1U);
}

TEST(HandoverTest, ANewLeaderContinuesWhatIsOpenHereToo) {
  const auto plan = plan_handover({{"api", "api-T9", false}}, {kApi}, true);
  ASSERT_EQ(plan.adopt.size(), 1U);
  EXPECT_TRUE(plan.resolve.empty());
  EXPECT_TRUE(plan.pending.empty());
}

}  // namespace
}  // namespace watchdog::core
