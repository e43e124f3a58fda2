// The incident journal's retention: what goes, what stays whatever its age, and the counters
// restored at start that must never go down.
#include "watchdog/store/journal_retention.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/temp_dir.h"
#include "watchdog/store/incident_journal.h"

namespace watchdog::store {
namespace {

using namespace std::chrono_literals;

TimePoint at(int s) { return TimePoint(std::chrono::seconds(1'800'000'000 + s)); }

class JournalRetention : public ::testing::Test {
 protected:
  // An incident of `component` open from `opened` to `closed` (nullopt: still open) with one
  // started action and two other timeline entries.
  void incident(const std::string& id, const std::string& component, int opened,
                std::optional<int> closed, bool critical = false, bool action_ok = true) {
    IncidentRecord r;
    r.id = id;
    r.component = component;
    r.opened = at(opened);
    if (critical) r.critical = at(opened + 1);
    if (closed) r.closed = at(*closed);
    r.worst_state = critical ? "CRITICAL" : "DEGRADED";
    r.reason = "probe failed";
    journal.upsert(r);
    journal.append(id, at(opened), "state_change", "HEALTHY -> DEGRADED");
    journal.append(id, at(opened + 1), "action_done", "restart ok",
                   nlohmann::json{{"action", "restart"}, {"ok", action_ok}, {"started", true}}
                       .dump());
    journal.append(id, at(opened + 2), "alert", "queued");
  }

  std::int64_t count(const std::string& sql) {
    auto rows = store->db().prepare(sql);
    return rows.step() ? rows.integer(0) : -1;
  }

  std::map<std::string, std::int64_t> actions() {
    std::map<std::string, std::int64_t> out;
    for (const auto& a : journal.action_counts()) {
      out[a.component + "/" + a.action + "/" + (a.ok ? "ok" : "failed")] += a.count;
    }
    return out;
  }

  watchdog::testing::TempDir dir;
  std::unique_ptr<StateStore> store = StateStore::open(dir.path());
  IncidentJournal journal{store->db()};
};

TEST_F(JournalRetention, OldClosedIncidentsGoWithTheirTimelinesAndTheCountersStay) {
  incident("api-old", "api", 0, 100);
  incident("api-old2", "api", 200, 300, false, false);
  incident("api-new", "api", 5000, 5100);
  incident("api-open", "api", 10, std::nullopt);  // open for a long time: never pruned
  incident("db-old", "db", 50, 60);
  const auto incidents_before = journal.incident_counts();
  const auto actions_before = actions();

  const auto result = prune_journal(store->db(), at(6000), {1000s, 100000});

  EXPECT_EQ(result.incidents, 3);
  EXPECT_EQ(result.events, 9);
  EXPECT_FALSE(result.more);
  EXPECT_FALSE(journal.find("api-old"));
  EXPECT_FALSE(journal.find("api-old2"));
  EXPECT_FALSE(journal.find("db-old"));
  EXPECT_TRUE(journal.find("api-new"));
  EXPECT_TRUE(journal.find("api-open"));
  EXPECT_TRUE(journal.timeline("api-old").empty());
  EXPECT_EQ(journal.timeline("api-open").size(), 3u);
  EXPECT_EQ(count("SELECT COUNT(*) FROM incident_events"), 6);
  EXPECT_EQ(journal.incident_counts(), incidents_before);
  EXPECT_EQ(actions(), actions_before);
  EXPECT_EQ(actions_before.at("api/restart/failed"), 1);
  EXPECT_EQ(actions_before.at("api/restart/ok"), 3);

  // A second run deletes nothing more and counts nothing twice.
  EXPECT_EQ(prune_journal(store->db(), at(6000), {1000s, 100000}).incidents, 0);
  EXPECT_EQ(journal.incident_counts(), incidents_before);
  EXPECT_EQ(actions(), actions_before);
  // Counted on top of what later incidents add.
  incident("db-later", "db", 7000, 7001);
  EXPECT_EQ(journal.incident_counts().at("db"), 2);
}

TEST_F(JournalRetention, AtMostMaxClosedStayNewestFirst) {
  for (int i = 0; i < 10; ++i) incident("svc-" + std::to_string(i), "svc", i * 10, i * 10 + 5);
  incident("svc-open", "svc", 200, std::nullopt);

  const auto result = prune_journal(store->db(), at(300), {24h, 4});

  EXPECT_EQ(result.incidents, 6);
  for (int i = 0; i < 6; ++i) EXPECT_FALSE(journal.find("svc-" + std::to_string(i))) << i;
  for (int i = 6; i < 10; ++i) EXPECT_TRUE(journal.find("svc-" + std::to_string(i))) << i;
  EXPECT_TRUE(journal.find("svc-open"));
  EXPECT_EQ(journal.incident_counts().at("svc"), 11);
}

TEST_F(JournalRetention, EachComponentsLastRecoveryStaysWhateverItsAge) {
  incident("db-recovered", "db", 0, 100, /*critical=*/true);
  incident("db-degraded-later", "db", 200, 300);  // newer, but never CRITICAL: no recovery
  incident("api-recovered-old", "api", 0, 50, true);
  incident("api-recovered", "api", 60, 70, true);
  const auto before = journal.last_recovered();
  ASSERT_EQ(before.size(), 2u);

  prune_journal(store->db(), at(100000), {1s, 100000});

  EXPECT_TRUE(journal.find("db-recovered"));
  EXPECT_TRUE(journal.find("api-recovered"));
  EXPECT_FALSE(journal.find("db-degraded-later"));
  EXPECT_FALSE(journal.find("api-recovered-old"));
  const auto after = journal.last_recovered();
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0].id, before[0].id);
  EXPECT_EQ(after[1].id, before[1].id);
}

TEST_F(JournalRetention, BatchesReportMoreUntilDone) {
  for (int i = 0; i < 7; ++i) incident("svc-" + std::to_string(i), "svc", i, i + 1);
  const JournalLimits limits{1s, 100000};
  auto first = prune_journal(store->db(), at(1000), limits, 3);
  EXPECT_EQ(first.incidents, 3);
  EXPECT_TRUE(first.more);
  EXPECT_FALSE(journal.find("svc-0"));  // oldest first
  EXPECT_TRUE(journal.find("svc-3"));
  EXPECT_EQ(prune_journal(store->db(), at(1000), limits, 3).incidents, 3);
  auto last = prune_journal(store->db(), at(1000), limits, 3);
  EXPECT_EQ(last.incidents, 1);
  EXPECT_FALSE(last.more);
  EXPECT_EQ(count("SELECT COUNT(*) FROM incidents"), 0);
  EXPECT_EQ(journal.incident_counts().at("svc"), 7);
}

TEST_F(JournalRetention, DoneRequestsPastTheRetentionGoPendingOnesStay) {
  const auto old_done = store->add_request({"pause", "api", "ops", "{}"}, at(0));
  store->complete_request(old_done, "paused", kRequestDone, at(1));
  const auto new_done = store->add_request({"resume", "api", "ops", "{}"}, at(900));
  store->complete_request(new_done, "resumed", kRequestDone, at(950));
  const auto pending = store->add_request({"reset", "api", "ops", "{}"}, at(2));

  EXPECT_EQ(prune_journal(store->db(), at(1000), {500s, 100000}).requests, 1);

  EXPECT_FALSE(store->request(old_done));
  EXPECT_TRUE(store->request(new_done));
  ASSERT_EQ(store->pending_requests().size(), 1u);
  EXPECT_EQ(store->pending_requests()[0].id, pending);
}

}  // namespace
}  // namespace watchdog::store
