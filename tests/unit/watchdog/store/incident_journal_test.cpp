// IncidentJournal::rename (a follower continues the leader's incident under its id): the row and
// the timeline move together or not at all.
#include "watchdog/store/incident_journal.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace watchdog::store {
namespace {

TimePoint at(int s) { return TimePoint(std::chrono::seconds(1'800'000'000 + s)); }

class IncidentRename : public ::testing::Test {
 protected:
  void incident(const std::string& id, int opened, std::optional<int> closed) {
    IncidentRecord r;
    r.id = id;
    r.component = "api";
    r.opened = at(opened);
    if (closed) r.closed = at(*closed);
    r.worst_state = "CRITICAL";
    r.reason = "probe failed";
    journal.upsert(r);
    journal.append(id, at(opened), "state_change", id + " opened");
  }

  watchdog::testing::TempDir dir;
  std::unique_ptr<StateStore> store = StateStore::open(dir.path());
  IncidentJournal journal{store->db()};
};

TEST_F(IncidentRename, MovesTheRowAndTheTimeline) {
  incident("api-mine", 0, std::nullopt);
  journal.rename("api-mine", "api-leaders");
  EXPECT_FALSE(journal.find("api-mine"));
  ASSERT_TRUE(journal.find("api-leaders"));
  EXPECT_EQ(journal.timeline("api-leaders").size(), 1u);
  EXPECT_TRUE(journal.timeline("api-mine").empty());
}

TEST_F(IncidentRename, IntoAClosedIncidentMergesAndReopensIt) {
  incident("api-leaders", 0, 10);
  incident("api-mine", 20, std::nullopt);
  journal.rename("api-mine", "api-leaders");
  const auto merged = journal.find("api-leaders");
  ASSERT_TRUE(merged);
  EXPECT_FALSE(merged->closed);
  EXPECT_EQ(journal.timeline("api-leaders").size(), 2u);
  EXPECT_FALSE(journal.find("api-mine"));
}

TEST_F(IncidentRename, InsideATransactionAsTheWriteBacklogReplaysIt) {
  incident("api-mine", 0, std::nullopt);
  Transaction transaction(store->db());
  journal.rename("api-mine", "api-leaders");
  transaction.commit();
  EXPECT_TRUE(journal.find("api-leaders"));
}

TEST_F(IncidentRename, AFailureHalfwayLeavesNothingMoved) {
  incident("api-mine", 0, std::nullopt);
  // The second statement (the row's new id) fails after the timeline has moved.
  store->db().exec(
      "CREATE TRIGGER refuse BEFORE UPDATE ON incidents BEGIN SELECT RAISE(ABORT, 'full'); END");
  EXPECT_THROW(journal.rename("api-mine", "api-leaders"), SqliteError);
  EXPECT_EQ(journal.timeline("api-mine").size(), 1u);
  EXPECT_TRUE(journal.timeline("api-leaders").empty());
  EXPECT_TRUE(journal.find("api-mine"));

  store->db().exec("DROP TRIGGER refuse");  // space is back: the backlog's retry succeeds
  journal.rename("api-mine", "api-leaders");
  EXPECT_EQ(journal.timeline("api-leaders").size(), 1u);
  EXPECT_FALSE(journal.find("api-mine"));
}

}  // namespace
}  // namespace watchdog::store
