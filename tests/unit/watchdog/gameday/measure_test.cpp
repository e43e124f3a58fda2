// measure() against a real SQLite state store in a temp dir, filled the way the daemon fills it
// (IncidentJournal for the incident and its events, Outbox for the alerts): no daemon needed.
#include "watchdog/gameday/measure.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "config/loader.h"
#include "tests/support/temp_dir.h"
#include "watchdog/alerts/outbox.h"

namespace watchdog::gameday {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

const TimePoint kFault = TimePoint(std::chrono::seconds(1'796'000'000));
TimePoint plus(std::chrono::milliseconds after) { return kFault + after; }

config::Config config_with(const std::string& critical) {
  return config::load_config_text(
      "components:\n"
      "  - name: postgres\n"
      "    rto: 15m\n"
      "    critical: " +
          critical +
          "\n"
          "    probes:\n"
          "      - {name: slow, kind: tcp, interval: 60s}\n"
          "      - {name: fast, kind: tcp, interval: 10s,"
          " failure_threshold: 2}\n",
      "test.yaml");
}

class GamedayMeasure : public ::testing::Test {
 protected:
  void SetUp() override {
    store_ = store::StateStore::open(dir_.path());
    journal_.emplace(store_->db());
  }

  void state_change(const std::string& id, TimePoint at, const std::string& from,
                    const std::string& to) {
    journal_->append(id, at, "state_change", from + " -> " + to + ": pg refused",
                     json{{"from", from}, {"to", to}}.dump());
  }

  void incident(const store::IncidentRecord& record) { journal_->upsert(record); }

  store::IncidentRecord record(const std::string& id, TimePoint opened) {
    store::IncidentRecord r;
    r.id = id;
    r.component = "postgres";
    r.opened = opened;
    r.worst_state = "CRITICAL";
    r.reason = "pg refused";
    return r;
  }

  testing::TempDir dir_;
  std::unique_ptr<store::StateStore> store_;
  std::optional<store::IncidentJournal> journal_;
};

TEST_F(GamedayMeasure, FindsTheIncidentTheFaultOpened) {
  incident(record("before", plus(-60s)));    // an earlier one, closed long ago
  incident(record("slack", plus(-1500ms)));  // the daemon's clock a little behind
  incident(record("later", plus(30s)));
  auto other = record("other", plus(1s));
  other.component = "redis";
  incident(other);
  EXPECT_EQ(find_fault_incident(*store_, "postgres", kFault)->id, "slack");
  EXPECT_EQ(find_fault_incident(*store_, "postgres", plus(10s))->id, "later");
  EXPECT_FALSE(find_fault_incident(*store_, "postgres", plus(40s)).has_value());
  EXPECT_EQ(find_fault_incident(*store_, "redis", kFault)->id, "other");
}

TEST_F(GamedayMeasure, FiguresAlertsAndTimelineFromTheJournalAndOutbox) {
  auto r = record("inc-7", plus(20s));
  r.first_failure = plus(20s);
  r.critical = plus(62s);
  r.closed = plus(221s);
  r.worst_state = "RECOVERING";
  r.attempts = 1;
  incident(r);
  journal_->append("inc-7", plus(20s), "probe", "fast FAILED: connection refused");
  state_change("inc-7", plus(20s), "HEALTHY", "DEGRADED");
  state_change("inc-7", plus(62s), "DEGRADED", "CRITICAL");
  journal_->append("inc-7", plus(63s), "action_start", "dry run, not started: restart",
                   json{{"action", "restart"}, {"dry_run", true}}.dump());
  journal_->append("inc-7", plus(65s), "action_start", "restart: docker restart pg",
                   json{{"action", "restart"}, {"dry_run", false}}.dump());
  state_change("inc-7", plus(221s), "RECOVERING", "HEALTHY");

  auto outbox = alerts::Outbox::open(store_->db().path());
  alerts::OutboxEntry entry;
  entry.key = "inc-7/1/CRITICAL";
  entry.component = "postgres";
  entry.incident_id = "inc-7";
  entry.state = "CRITICAL";
  entry.type = "state_change";
  entry.payload = "{}";
  entry.created = plus(62s);
  const auto critical = outbox->enqueue(entry, {"ops", "pager"});
  outbox->mark_delivered(critical[0].id, plus(62400ms), "HTTP 200");
  outbox->mark_failed(critical[1].id, plus(300s), "expired", "HTTP 503");
  entry.key = "inc-7/1/CRITICAL/reminder-1";
  entry.type = "reminder";  // not a figure of the game day
  outbox->enqueue(entry, {"ops"});
  entry.key = "other";
  entry.incident_id = "inc-8";
  entry.type = "state_change";
  outbox->enqueue(entry, {"ops"});

  Result result;
  result.component = "postgres";
  result.fault = kFault;
  result.timeline = {{plus(-1s), "gameday", "inject: docker stop pg"},
                     {plus(225s), "gameday", "revert: nothing left to mend"}};
  measure(*store_, config_with("true"), result);

  EXPECT_EQ(result.incident_id, "inc-7");
  EXPECT_EQ(result.worst_state, "RECOVERING");
  EXPECT_EQ(result.attempts, 1);
  EXPECT_EQ(result.first_failure, plus(20s));
  EXPECT_EQ(result.detected, plus(62s));      // CRITICAL: the DEGRADED before it does not count
  EXPECT_EQ(result.first_action, plus(65s));  // the dry run did not act
  EXPECT_EQ(result.recovered, plus(221s));
  EXPECT_EQ(result.rto, 15min);
  EXPECT_EQ(result.probe_interval, 10s);  // the fastest probe and its threshold
  EXPECT_EQ(result.failure_threshold, 2);

  ASSERT_EQ(result.alerts.size(), 2u);
  EXPECT_EQ(result.alerts[0].sink, "ops");
  EXPECT_EQ(result.alerts[0].status, "delivered");
  EXPECT_EQ(result.alerts[0].latency(), 400ms);
  EXPECT_EQ(result.alerts[1].sink, "pager");
  EXPECT_EQ(result.alerts[1].status, "expired");

  std::vector<std::string> texts;
  for (const auto& t : result.timeline) texts.push_back(t.source + ": " + t.text);
  EXPECT_EQ(texts, (std::vector<std::string>{
                       "gameday: inject: docker stop pg",
                       "journal: probe fast FAILED: connection refused",
                       "journal: HEALTHY -> DEGRADED: pg refused",
                       "journal: DEGRADED -> CRITICAL: pg refused",
                       "journal: alert CRITICAL to ops delivered after 400ms",
                       "journal: action started: dry run, not started: restart",
                       "journal: action started: restart: docker restart pg",
                       "journal: RECOVERING -> HEALTHY: pg refused",
                       "gameday: revert: nothing left to mend",
                       "journal: alert CRITICAL to pager expired after 3m 58s: HTTP 503",
                   }));

  // Measuring again (the runner does after the revert) replaces, never duplicates.
  measure(*store_, config_with("true"), result);
  EXPECT_EQ(result.timeline.size(), texts.size());
  EXPECT_EQ(result.alerts.size(), 2u);

  judge(result);
  EXPECT_FALSE(result.passed);  // the pager's alert expired
}

TEST_F(GamedayMeasure, DegradedIsTheDetectionOfANonCriticalComponent) {
  auto r = record("inc-9", plus(30s));
  r.worst_state = "DEGRADED";
  incident(r);
  state_change("inc-9", plus(30s), "HEALTHY", "DEGRADED");

  Result critical;
  critical.component = "postgres";
  critical.fault = kFault;
  measure(*store_, config_with("true"), critical);
  EXPECT_FALSE(critical.detected.has_value());

  Result non_critical = critical;
  measure(*store_, config_with("false"), non_critical);
  EXPECT_EQ(non_critical.detected, plus(30s));

  Result detect = critical;
  detect.expect = config::GamedayExpect::Detect;
  measure(*store_, config_with("true"), detect);
  EXPECT_EQ(detect.detected, plus(30s));
  EXPECT_TRUE(detect.alerts.empty());  // no outbox table at all: nothing was ever queued
}

TEST_F(GamedayMeasure, NoIncidentLeavesTheFiguresEmpty) {
  Result result;
  result.component = "postgres";
  result.fault = kFault;
  result.timeline = {{kFault, "gameday", "inject"}};
  measure(*store_, config_with("true"), result);
  EXPECT_TRUE(result.incident_id.empty());
  EXPECT_FALSE(result.detected.has_value());
  EXPECT_EQ(result.rto, 15min);
  EXPECT_EQ(result.timeline.size(), 1u);
}

}  // namespace
}  // namespace watchdog::gameday
