// judge(): each expectation × outcome as a table of results, and the advice's figures.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>

#include "watchdog/gameday/advice.h"
#include "watchdog/gameday/measure.h"

namespace watchdog::gameday {
namespace {

using namespace std::chrono_literals;
using config::GamedayExpect;

const TimePoint kFault = TimePoint(std::chrono::seconds(1'796'000'000));

TimePoint plus(std::chrono::milliseconds after) { return kFault + after; }

AlertFigure alert(const std::string& sink, const std::string& state, const std::string& status,
                  std::chrono::milliseconds queued, std::chrono::milliseconds latency) {
  AlertFigure a{sink, state, status, plus(queued), std::nullopt};
  if (status != "pending") a.finished = plus(queued + latency);
  return a;
}

// A database stop the watchdog mended: CRITICAL at +62 s, restart at +65 s, HEALTHY at +221 s.
Result recovered() {
  Result r;
  r.scenario = "database-stopped";
  r.component = "postgres";
  r.expect = GamedayExpect::Recover;
  r.started = plus(-5s);
  r.fault = kFault;
  r.outcome = Outcome::Recovered;
  r.incident_id = "inc-1";
  r.worst_state = "RECOVERING";
  r.attempts = 1;
  r.first_failure = plus(20s);
  r.detected = plus(62s);
  r.first_action = plus(65s);
  r.recovered = plus(221s);
  r.reverted = plus(225s);
  r.ended = plus(226s);
  r.rto = 15min;
  r.probe_interval = 60s;
  r.failure_threshold = 3;
  r.alerts = {alert("ops", "CRITICAL", "delivered", 62s, 400ms),
              alert("ops", "HEALTHY", "delivered", 221s, 300ms)};
  return r;
}

Result gave_up() {
  Result r = recovered();
  r.scenario = "container-crash-loop";
  r.expect = GamedayExpect::GiveUp;
  r.outcome = Outcome::Failed;
  r.worst_state = "FAILED";
  r.attempts = 3;
  r.recovered.reset();
  r.alerts = {alert("ops", "CRITICAL", "delivered", 62s, 400ms),
              alert("ops", "FAILED", "delivered", 300s, 500ms)};
  return r;
}

Result disk_detected() {
  Result r = recovered();
  r.scenario = "disk-filling";
  r.expect = GamedayExpect::Detect;
  r.outcome = Outcome::Detected;
  r.worst_state = "DEGRADED";
  r.attempts = 0;
  r.first_action.reset();
  r.detected = plus(70s);
  r.reverted = plus(80s);
  r.recovered = plus(130s);
  r.alerts = {alert("ops", "DEGRADED", "delivered", 70s, 200ms)};
  return r;
}

struct Case {
  const char* name;
  std::function<Result()> make;
  bool passed;
  std::vector<std::string> failed;  // the checks that fail, by `what`
};

std::vector<std::string> failed_checks(const Result& r) {
  std::vector<std::string> out;
  for (const auto& c : r.checks) {
    if (!c.passed) out.push_back(c.what);
  }
  return out;
}

TEST(GamedayJudge, EachExpectationAndOutcome) {
  const std::vector<Case> cases = {
      {"recover: recovered in time", recovered, true, {}},
      {"recover: over the rto",
       [] {
         auto r = recovered();
         r.recovered = plus(16min);
         r.reverted = plus(16min + 4s);
         return r;
       },
       false,
       {"within the RTO (15m)"}},
      {"recover: gave up",
       [] {
         auto r = gave_up();
         r.expect = GamedayExpect::Recover;
         return r;
       },
       false,
       {"recovered without a person", "within the RTO (15m)"}},
      {"recover: undetected",
       [] {
         Result r = recovered();
         r.outcome = Outcome::Undetected;
         r.incident_id.clear();
         r.worst_state.clear();
         r.detected = r.first_action = r.recovered = r.first_failure = std::nullopt;
         r.alerts.clear();
         return r;
       },
       false,
       {"detected", "recovered without a person", "within the RTO (15m)", "alerts delivered"}},
      {"recover: timed out while CRITICAL",
       [] {
         auto r = recovered();
         r.outcome = Outcome::TimedOut;
         r.worst_state = "CRITICAL";
         r.recovered.reset();
         return r;
       },
       false,
       {"recovered without a person", "within the RTO (15m)"}},
      {"recover: healthy only after the revert",
       [] {
         auto r = recovered();
         r.reverted = plus(100s);
         return r;
       },
       false,
       {"recovered without a person"}},
      {"recover: the alert expired",
       [] {
         auto r = recovered();
         r.alerts[0].status = "expired";
         return r;
       },
       false,
       {"alerts delivered"}},
      {"recover: no rto, no rto check",
       [] {
         auto r = recovered();
         r.rto = 0ms;
         return r;
       },
       true,
       {}},
      {"recover: backup older than the rpo",
       [] {
         auto r = recovered();
         r.data_loss = DataLoss{1200, 1100, plus(-26h), plus(-26h), "b-1", 25h};
         return r;
       },
       false,
       {"data loss within the RPO (1d1h)"}},
      {"recover: backup within the rpo",
       [] {
         auto r = recovered();
         r.data_loss = DataLoss{1200, 1100, plus(-9s), plus(-2h), "b-1", 25h};
         return r;
       },
       true,
       {}},
      {"recover: the catalog has a fresh backup but nothing was restored",
       [] {
         auto r = recovered();
         r.data_loss = DataLoss{1200, 0, std::nullopt, plus(-2h), "b-1", 25h};
         return r;
       },
       false,
       {"data loss within the RPO (1d1h)"}},
      {"recover: a recent backup, but the rows came back from an older one",
       [] {
         auto r = recovered();
         r.data_loss = DataLoss{1200, 100, plus(-30h), plus(-2h), "b-1", 25h};
         return r;
       },
       false,
       {"data loss within the RPO (1d1h)"}},
      {"recover: no backup restored",
       [] {
         auto r = recovered();
         r.data_loss = DataLoss{1200, 0, std::nullopt, std::nullopt, "", 25h};
         return r;
       },
       false,
       {"data loss within the RPO (1d1h)"}},
      {"recover: interrupted",
       [] {
         auto r = recovered();
         r.outcome = Outcome::Interrupted;
         r.reason = "SIGINT";
         return r;
       },
       false,
       {"ran to the end"}},
      {"recover: a step failed",
       [] {
         auto r = recovered();
         r.outcome = Outcome::Error;
         r.reason = "docker stop app-postgres: no such container";
         return r;
       },
       false,
       {"ran to the end"}},
      {"detect: warned and mended by the revert", disk_detected, true, {}},
      {"detect: still DEGRADED after the revert",
       [] {
         auto r = disk_detected();
         r.recovered.reset();
         r.outcome = Outcome::TimedOut;
         return r;
       },
       false,
       {"HEALTHY again after the revert"}},
      {"detect: no alert",
       [] {
         auto r = disk_detected();
         r.alerts.clear();
         return r;
       },
       false,
       {"alerted"}},
      {"give up: FAILED and alerted", gave_up, true, {}},
      {"give up: it recovered instead",
       [] {
         auto r = recovered();
         r.expect = GamedayExpect::GiveUp;
         return r;
       },
       false,
       {"ended FAILED", "FAILED alert delivered"}},
      {"give up: the FAILED alert still pending",
       [] {
         auto r = gave_up();
         r.alerts[1] = alert("ops", "FAILED", "pending", 300s, 0ms);
         return r;
       },
       false,
       {"FAILED alert delivered"}},
      {"give up: interrupted",
       [] {
         auto r = gave_up();
         r.outcome = Outcome::Interrupted;
         return r;
       },
       false,
       {"ran to the end"}},
  };
  for (const auto& c : cases) {
    Result r = c.make();
    judge(r);
    EXPECT_EQ(r.passed, c.passed) << c.name;
    EXPECT_EQ(failed_checks(r), c.failed) << c.name;
    EXPECT_FALSE(r.checks.empty()) << c.name;
  }
}

TEST(GamedayJudge, DetailsSayWhatWasMeasured) {
  Result r = recovered();
  judge(r);
  ASSERT_EQ(r.checks.size(), 4u);
  EXPECT_EQ(r.checks[0].detail,
            "incident inc-1, 1m 02s after the fault (first failing probe 20s after the fault)");
  EXPECT_EQ(r.checks[1].detail, "HEALTHY 3m 41s after the fault, after 1 action");
  EXPECT_EQ(r.checks[2].detail, "took 3m 41s, 11m 19s to spare");
  EXPECT_EQ(r.checks[3].detail, "ops CRITICAL after 400ms");

  Result interrupted = recovered();
  interrupted.outcome = Outcome::Interrupted;
  interrupted.reason = "SIGINT during the wait";
  judge(interrupted);
  EXPECT_EQ(interrupted.checks[0].detail, "interrupted: SIGINT during the wait");
}

bool has_line(const Result& r, const std::string& line) {
  return std::find(r.advice.begin(), r.advice.end(), line) != r.advice.end();
}

TEST(GamedayAdvice, ConcreteAndNumeric) {
  Result slow = recovered();
  slow.detected = plus(182s);  // over a fifth of the 15m rto
  slow.first_action = plus(185s);
  judge(slow);
  EXPECT_TRUE(has_line(slow,
                       "detection took 3m 02s at a 1m interval with failure_threshold 3 — "
                       "lower the threshold or add a faster probe"));
  EXPECT_TRUE(has_line(slow, "RTO 15m met with 11m 19s to spare"));

  Result missed = recovered();
  missed.recovered = plus(18min);
  judge(missed);
  EXPECT_TRUE(has_line(missed,
                       "RTO 15m missed by 3m 00s: the actions and their verification "
                       "(16m 55s) took longest"));

  Result stale = recovered();
  stale.data_loss = DataLoss{1200, 1100, plus(-9s), plus(-26h), "b-1", 25h};
  judge(stale);
  EXPECT_TRUE(has_line(stale,
                       "backup was 1d 2h old at the fault: RPO 1d1h missed — back up more "
                       "often"));

  Result slow_alert = recovered();
  slow_alert.alerts.push_back(alert("pager", "CRITICAL", "delivered", 62s, 41s));
  judge(slow_alert);
  EXPECT_TRUE(has_line(slow_alert, "alert to pager took 41s (retries): check the sink"));
  EXPECT_EQ(slow_alert.checks[3].detail, "ops CRITICAL after 400ms, pager CRITICAL after 41s");

  Result fast = recovered();
  fast.rto = 0ms;
  judge(fast);
  EXPECT_TRUE(
      has_line(fast, "no rto set for postgres: recovery took 3m 41s — set rto: to judge it"));

  Result failed = gave_up();
  failed.expect = GamedayExpect::Recover;
  judge(failed);
  EXPECT_TRUE(has_line(failed,
                       "recovery gave up after 3 attempts — the ladder cannot mend this "
                       "fault: add a rung for it (incident inc-1)"));
}

const Check* outage_check(const Result& r) {
  for (const auto& check : r.checks) {
    if (check.what.rfind("alerts queued while ops was down", 0) == 0) return &check;
  }
  return nullptr;
}

TEST(GamedayJudge, AlertsQueuedWhileTheSinkWasDownMustArriveAfterItCameBack) {
  Result r = recovered();
  r.sink_outage = SinkOutage{"ops", plus(-1s), plus(100s)};
  r.alerts = {alert("ops", "CRITICAL", "delivered", 62s, 39s),   // at +101 s: after it came back
              alert("ops", "HEALTHY", "delivered", 221s, 300ms)};  // after the outage: not asked
  judge(r);
  const auto* check = outage_check(r);
  ASSERT_NE(check, nullptr);
  EXPECT_TRUE(check->passed) << check->detail;
  EXPECT_EQ(check->detail, "CRITICAL delivered 39s after it was queued (down for 1m 41s)");

  r.alerts[0] = alert("ops", "CRITICAL", "pending", 62s, 0ms);
  judge(r);
  EXPECT_FALSE(outage_check(r)->passed);
  EXPECT_FALSE(r.passed);

  r.alerts[0] = alert("ops", "CRITICAL", "delivered", 62s, 1s);  // at +63 s: the sink was down
  judge(r);
  EXPECT_FALSE(outage_check(r)->passed);
  EXPECT_NE(outage_check(r)->detail.find("delivered while the sink was down"), std::string::npos);

  r.sink_outage->up.reset();
  judge(r);
  EXPECT_EQ(outage_check(r)->detail, "ops was never started again");
}

TEST(GamedayDurationText, ReadsLikeAPerson) {
  EXPECT_EQ(duration_text(350ms), "350ms");
  EXPECT_EQ(duration_text(4870ms), "4.8s");
  EXPECT_EQ(duration_text(9999ms), "9.9s");
  EXPECT_EQ(duration_text(41s), "41s");
  EXPECT_EQ(duration_text(182s), "3m 02s");
  EXPECT_EQ(duration_text(2h + 5min), "2h 05m");
  EXPECT_EQ(duration_text(-1500ms), "-1.5s");
}

// The RPO achieved is the age of the newest row that came back, not of the catalog's newest
// backup: a restore that brought nothing back fails even with a fresh backup on disk.
TEST(GamedayJudge, RpoIsJudgedOnWhatCameBack) {
  auto rpo_check = [](const DataLoss& loss) {
    Result r = recovered();
    r.data_loss = loss;
    judge(r);
    return r.checks.back();
  };
  const auto kept = rpo_check(DataLoss{1200, 1100, plus(-9s), plus(-10s), "b-1", 1h});
  EXPECT_TRUE(kept.passed);
  EXPECT_EQ(kept.detail,
            "the data of the last 9.0s before the fault lost; 100 of 1200 rows lost; "
            "backup 10s old at the fault");
  const auto lost = rpo_check(DataLoss{1200, 0, std::nullopt, plus(-10s), "b-1", 1h});
  EXPECT_FALSE(lost.passed);
  EXPECT_EQ(lost.detail, "nothing came back: 1200 of 1200 rows lost; backup 10s old at the fault");
  EXPECT_FALSE(rpo_check(DataLoss{1200, 5, plus(-2h), plus(-10s), "b-1", 1h}).passed);
  EXPECT_TRUE(rpo_check(DataLoss{0, 0, std::nullopt, plus(-10s), "b-1", 1h}).passed)
      << "no rows to measure: the backup's age decides";
}

// Without gameday.fresh_backup the newest backup is older than the writer's table: none of its
// rows can come back, and the database holding its tables again is what shows the restore.
TEST(GamedayJudge, ABackupOlderThanTheWriterIsJudgedByItsAge) {
  auto rpo_check = [](DataLoss loss) {
    Result r = recovered();
    r.data_loss = loss;
    judge(r);
    return r.checks.back();
  };
  DataLoss older{1200, 0, std::nullopt, plus(-50min), "b-1", 1h};
  older.writer_started = plus(-2min);
  const auto within = rpo_check(older);
  EXPECT_TRUE(within.passed) << within.detail;
  EXPECT_EQ(within.detail,
            "the data of the last 50m 00s before the fault lost (the backup predates the "
            "writer's table); 1200 of 1200 rows lost; backup 50m 00s old at the fault");

  DataLoss stale = older;
  stale.backup_started = plus(-2h);
  EXPECT_FALSE(rpo_check(stale).passed) << "a backup older than the rpo misses it";

  DataLoss empty = older;
  empty.database_holds_data = false;
  const auto nothing = rpo_check(empty);
  EXPECT_FALSE(nothing.passed);
  EXPECT_EQ(nothing.detail.rfind("nothing came back", 0), 0u) << nothing.detail;

  DataLoss newer = older;  // a backup taken after the table: its rows should have come back
  newer.writer_started = plus(-3h);
  EXPECT_FALSE(rpo_check(newer).passed);
}

}  // namespace
}  // namespace watchdog::gameday
