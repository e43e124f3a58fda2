// A game day whose process died, crashed or lost its row: reverted from the saved memory by
// whoever claims the row first, never closed unreverted, never taken from a live owner.
#include <gtest/gtest.h>

#include "tests/unit/watchdog/gameday/runner_fixture.h"

namespace watchdog::gameday {
namespace {

using namespace testing_runner;
using namespace std::chrono_literals;

TEST_F(GamedayRunner, ResumeRevertsWhatADeadProcessLeft) {
  GamedayRow left;
  left.id = "gd-left";
  left.scenario = "scripted";
  left.component = "db";
  left.trigger = "cli";
  left.memory = R"({"marker":"from-the-dead"})";
  left.owner_pid = dead_pid();
  left.owner_host = this_process().host;
  left.started = left.heartbeat = Clock::now();
  ASSERT_FALSE(GamedayStore(*store_).begin(left));

  EXPECT_EQ(runner().resume_interrupted(), 1);
  EXPECT_EQ(script_.calls, std::vector<std::string>{"revert"});
  EXPECT_EQ(script_.reverted_with["marker"], "from-the-dead");
  const auto row = GamedayStore(*store_).get("gd-left");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->status, kStatusDone);
  EXPECT_EQ(row->outcome, "interrupted");
  EXPECT_NE(row->result.find("reverted after the game day's process died"), std::string::npos);
  EXPECT_EQ(runner().resume_interrupted(), 0) << "done rows are left alone";
}

TEST_F(GamedayRunner, ResumeTakesAStaleHeartbeatFromAnotherHost) {
  GamedayRow left;
  left.id = "gd-far";
  left.scenario = "scripted";
  left.component = "db";
  left.trigger = "schedule";
  left.owner_pid = getpid();  // alive here, but the row says another host
  left.owner_host = "another-host";
  left.started = Clock::now() - 5min;
  left.heartbeat = Clock::now() - 31s;
  ASSERT_FALSE(GamedayStore(*store_).begin(left));
  EXPECT_EQ(runner().resume_interrupted(), 1);
  EXPECT_EQ(script_.calls, std::vector<std::string>{"revert"});
}

GamedayRow left_by_dead_process(const std::string& id, const std::string& scenario) {
  GamedayRow left;
  left.id = id;
  left.scenario = scenario;
  left.component = "db";
  left.trigger = "cli";
  left.owner_pid = dead_pid();
  left.owner_host = this_process().host;
  left.owner_ns = this_process().ns;
  left.started = left.heartbeat = Clock::now();
  return left;
}

TEST_F(GamedayRunner, ResumeNeverClosesARowItCannotRevert) {
  // The daemon's configuration cannot rebuild the scenario (here: one it does not know): the
  // fault may be in place, so the row stays and keeps blocking, for a process that can.
  ASSERT_FALSE(GamedayStore(*store_).begin(left_by_dead_process("gd-odd", "melt")));
  EXPECT_EQ(runner().resume_interrupted(), 0);
  EXPECT_EQ(runner().resume_interrupted(), 0);
  EXPECT_TRUE(script_.calls.empty());
  EXPECT_EQ(GamedayStore(*store_).get("gd-odd")->status, kStatusRunning);
  EXPECT_THROW(runner().run(request()), RefusedError);
}

TEST_F(GamedayRunner, AFailedResumeRevertIsRetriedByTheSameProcess) {
  script_.revert_failures = 1;
  ASSERT_FALSE(GamedayStore(*store_).begin(left_by_dead_process("gd-left", "scripted")));
  EXPECT_EQ(runner().resume_interrupted(), 0);
  auto row = GamedayStore(*store_).get("gd-left");
  EXPECT_EQ(row->status, kStatusReverting);
  EXPECT_EQ(row->owner_pid, 0) << "released: this (living) process may take it again";
  EXPECT_EQ(runner().resume_interrupted(), 1);
  EXPECT_EQ(script_.calls, (std::vector<std::string>{"revert", "revert"}));
  EXPECT_EQ(GamedayStore(*store_).get("gd-left")->status, kStatusDone);
}

TEST_F(GamedayRunner, AFailedRevertOfALiveRunIsRetriedByTheSameProcess) {
  // The daemon runs scheduled game days and resumes in one long-lived process: its own row
  // must not look alive forever after its revert failed.
  script_.revert_failures = 1;
  const auto result = runner().run(request());
  EXPECT_EQ(result.outcome, Outcome::Error);
  EXPECT_NE(result.reason.find("revert failed"), std::string::npos) << result.reason;
  EXPECT_EQ(GamedayStore(*store_).get(result.id)->owner_pid, 0);
  EXPECT_EQ(runner().resume_interrupted(), 1);
  EXPECT_EQ(GamedayStore(*store_).get(result.id)->status, kStatusDone);
}

TEST_F(GamedayRunner, AnAbandonedRowIsClaimedOnce) {
  const auto left = left_by_dead_process("gd-left", "scripted");
  ASSERT_FALSE(GamedayStore(*store_).begin(left));
  GamedayStore rows(*store_);
  EXPECT_TRUE(rows.claim(left, 1, "host-a", "", Clock::now()));
  EXPECT_FALSE(rows.claim(left, 2, "host-b", "", Clock::now()))
      << "the second process saw the same row: it must not revert it too";
  EXPECT_EQ(rows.get("gd-left")->owner_pid, 1);
  EXPECT_EQ(rows.get("gd-left")->status, kStatusReverting);
}

TEST(GamedayOwner, ALivePidHereIsNeverGoneHoweverOldItsHeartbeat) {
  GamedayRow row;
  const auto self = this_process();
  row.owner_pid = self.pid;
  row.owner_host = self.host;
  row.owner_ns = self.ns;
  row.heartbeat = Clock::now() - 10min;  // stopped with Ctrl-Z, or a store busy for long
  ASSERT_FALSE(self.ns.empty());
  EXPECT_FALSE(owner_gone(row, Clock::now()));
  row.owner_pid = dead_pid();
  row.heartbeat = Clock::now();
  EXPECT_TRUE(owner_gone(row, Clock::now()));
  row.owner_ns = "another-boot:1";  // another container: only the heartbeat says
  EXPECT_FALSE(owner_gone(row, Clock::now()));
  EXPECT_TRUE(owner_gone(row, Clock::now() + 31s));
}

TEST_F(GamedayRunner, ARunWhoseRowWasTakenOverStopsAndRecordsNothing) {
  script_.ticks_until_healthy = 1000;
  bool taken = false;
  script_.on_tick = [&] {
    if (taken) return;
    auto other = store::StateStore::open_existing(dir_.path());
    GamedayStore rows(*other);
    const auto mine = rows.unfinished().front();
    taken = rows.claim(mine, 1, "another-host", "", Clock::now());
  };
  auto r = request();
  r.timeout = 20s;
  const auto result = runner().run(r);
  EXPECT_TRUE(taken);
  EXPECT_EQ(result.outcome, Outcome::Interrupted) << result.reason;
  EXPECT_EQ(script_.calls.back(), "revert");
  const auto row = GamedayStore(*store_).get(result.id);
  EXPECT_EQ(row->status, kStatusReverting) << "the claimer's to finish";
  EXPECT_EQ(row->owner_pid, 1);
}

}  // namespace
}  // namespace watchdog::gameday
