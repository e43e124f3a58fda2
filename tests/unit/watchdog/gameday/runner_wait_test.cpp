// The runner's decision after each look at the fault's incident, per expectation, and at the
// deadline; and the built-in names config/ knows equal the factory's table.
#include "watchdog/gameday/runner_wait.h"

#include <gtest/gtest.h>

#include "config/gameday.h"
#include "tests/support/temp_dir.h"
#include "watchdog/alerts/outbox.h"

namespace watchdog::gameday {
namespace {

using config::GamedayExpect;
using namespace std::chrono_literals;

store::IncidentRecord incident(const std::string& worst, bool closed, int attempts = 1) {
  store::IncidentRecord r;
  r.id = "db-1";
  r.component = "db";
  r.opened = Clock::now();
  r.worst_state = worst;
  r.attempts = attempts;
  if (closed) r.closed = r.opened + 5s;
  return r;
}

TEST(GamedayDecide, Table) {
  const struct {
    GamedayExpect expect;
    std::optional<store::IncidentRecord> incident;
    bool reverted;
    WaitStep step;
    Outcome outcome;
    const char* reason;
  } cases[] = {
      {GamedayExpect::Recover, std::nullopt, false, WaitStep::KeepWaiting},
      {GamedayExpect::Recover, incident("CRITICAL", false), false, WaitStep::KeepWaiting},
      {GamedayExpect::Recover, incident("RECOVERING", false), false, WaitStep::KeepWaiting},
      {GamedayExpect::Recover, incident("RECOVERING", true, 2), false, WaitStep::Done,
       Outcome::Recovered, "HEALTHY again after 2 recovery attempts"},
      {GamedayExpect::Recover, incident("FAILED", false, 3), false, WaitStep::Done,
       Outcome::Failed, "recovery gave up (FAILED) after 3 recovery attempts"},
      // FAILED, then an operator reset and HEALTHY again: it did recover.
      {GamedayExpect::Recover, incident("FAILED", true), false, WaitStep::Done,
       Outcome::Recovered},
      {GamedayExpect::Detect, std::nullopt, false, WaitStep::KeepWaiting},
      {GamedayExpect::Detect, incident("DEGRADED", false), false, WaitStep::Revert},
      {GamedayExpect::Detect, incident("DEGRADED", false), true, WaitStep::KeepWaiting},
      {GamedayExpect::Detect, incident("CRITICAL", true), true, WaitStep::Done, Outcome::Detected,
       "detected (CRITICAL), HEALTHY again after the revert"},
      {GamedayExpect::GiveUp, incident("CRITICAL", false), false, WaitStep::KeepWaiting},
      {GamedayExpect::GiveUp, incident("FAILED", false, 3), false, WaitStep::Done,
       Outcome::Failed, "recovery gave up (FAILED) after 3 recovery attempts, as expected"},
      {GamedayExpect::GiveUp, incident("CRITICAL", true), false, WaitStep::Done,
       Outcome::Recovered},
  };
  for (const auto& c : cases) {
    const auto decision = decide(c.expect, c.incident, c.reverted);
    SCOPED_TRACE(std::string(config::expect_name(c.expect)) + " " +
                 (c.incident ? c.incident->worst_state : "none") + " reverted=" +
                 (c.reverted ? "yes" : "no"));
    EXPECT_EQ(decision.step, c.step);
    if (c.step == WaitStep::Done) {
      EXPECT_EQ(decision.outcome, c.outcome);
      if (c.reason) {
        EXPECT_EQ(decision.reason, c.reason);
      }
    }
  }
}

TEST(GamedayDecide, Deadline) {
  auto none = at_deadline(GamedayExpect::Recover, std::nullopt, false, 90s);
  EXPECT_EQ(none.outcome, Outcome::Undetected);
  EXPECT_EQ(none.reason, "no incident opened within 1m30s");
  auto open = at_deadline(GamedayExpect::Recover, incident("CRITICAL", false), false, 90s);
  EXPECT_EQ(open.outcome, Outcome::TimedOut);
  EXPECT_EQ(open.reason, "incident db-1 still open (worst CRITICAL) after 1m30s");
  auto reverted = at_deadline(GamedayExpect::Detect, incident("DEGRADED", false), true, 90s);
  EXPECT_EQ(reverted.outcome, Outcome::TimedOut);
  EXPECT_EQ(reverted.reason, "detected and reverted, but not HEALTHY again within 1m30s");
}

TEST(GamedayScenarioNames, ConfigKnowsEveryBuiltIn) {
  std::vector<std::string> table;
  for (const auto& info : builtin_scenarios()) table.push_back(info.name);
  EXPECT_EQ(table, config::builtin_scenario_names())
      << "config/gameday.cpp's list refuses custom names that shadow a built-in: keep it equal "
         "to scenario_factory.cpp's table";
}

TEST(GamedayAlertsWait, EndsOnceTheIncidentsAlertsLeftPendingOrAtTheLimit) {
  testing::TempDir dir;
  auto store = store::StateStore::open(dir.path());
  auto outbox = alerts::Outbox::open(store->db().path());
  alerts::OutboxEntry entry;
  entry.key = "db-1/critical";
  entry.component = "db";
  entry.incident_id = "db-1";
  entry.state = "CRITICAL";
  entry.type = "state_change";
  entry.payload = "{}";
  entry.created = entry.next_attempt = Clock::now();
  const auto rows = outbox->enqueue(entry, {"ops"});
  ASSERT_EQ(rows.size(), 1u);

  EXPECT_FALSE(wait_for_alerts(*store, "db-1", 600ms, {})) << "still pending at the limit";
  EXPECT_FALSE(wait_for_alerts(*store, "db-1", 10s, [] { return true; }))
      << "an interruption ends it early";
  outbox->mark_delivered(rows[0].id, Clock::now(), "HTTP 200");
  EXPECT_TRUE(wait_for_alerts(*store, "db-1", 10s, {}));
  EXPECT_TRUE(wait_for_alerts(*store, "no-such-incident", 10s, {}));
}

}  // namespace
}  // namespace watchdog::gameday
