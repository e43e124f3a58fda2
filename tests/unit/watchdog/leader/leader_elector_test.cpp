// LeaderElector with a scripted fake lock: first attempt inside start(), NotHeld ends leadership
// at once, Unknown keeps it until the lease runs out locally, a stuck lock cannot keep a replica
// leader, retry hints, release on stop, and timing rules. Durations are short, bounds generous:
// every wait polls for a condition instead of asserting how long something took.
#include "watchdog/leader/leader_elector.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "tests/support/temp_dir.h"

namespace watchdog::core {
namespace {

using namespace std::chrono_literals;
using testing::wait_until;

// What the fake lock answers; shared so the test keeps it after the elector took the lock.
struct Script {
  std::mutex mutex;
  std::condition_variable changed;
  LockResult next{LockStatus::Held, "acquired", {}};
  bool block = false;  // acquire_or_renew waits until this is false again
  int attempts = 0;
  int releases = 0;
  std::vector<std::chrono::milliseconds> timeouts;
  std::vector<std::string> published;  // the record passed to each attempt

  void answer(LockStatus status, std::string detail, std::chrono::milliseconds retry_in = {}) {
    std::lock_guard guard(mutex);
    next = {status, std::move(detail), retry_in};
  }
  void set_block(bool value) {
    {
      std::lock_guard guard(mutex);
      block = value;
    }
    changed.notify_all();
  }
  int attempt_count() {
    std::lock_guard guard(mutex);
    return attempts;
  }
};

class FakeLock final : public LeaderLock {
 public:
  explicit FakeLock(std::shared_ptr<Script> script) : script_(std::move(script)) {}
  using LeaderLock::acquire_or_renew;
  LockResult acquire_or_renew(std::chrono::milliseconds timeout,
                              const std::string& record) noexcept override {
    std::unique_lock guard(script_->mutex);
    ++script_->attempts;
    script_->published.push_back(record);
    script_->timeouts.push_back(timeout);
    script_->changed.wait(guard, [this] { return !script_->block; });
    return script_->next;
  }
  void release(std::chrono::milliseconds) noexcept override {
    std::lock_guard guard(script_->mutex);
    ++script_->releases;
  }
  std::string describe() const override { return "fake lock"; }

 private:
  std::shared_ptr<Script> script_;
};

struct Changes {
  std::mutex mutex;
  std::vector<std::pair<bool, std::string>> seen;
  LeaderElector::OnChange callback() {
    return [this](bool leader, const std::string& reason) {
      std::lock_guard guard(mutex);
      seen.emplace_back(leader, reason);
    };
  }
  std::vector<std::pair<bool, std::string>> snapshot() {
    std::lock_guard guard(mutex);
    return seen;
  }
};

struct Fixture {
  std::shared_ptr<Script> script = std::make_shared<Script>();
  Changes changes;
  std::unique_ptr<LeaderElector> elector;
  Fixture(ElectorTiming timing) {
    elector = std::make_unique<LeaderElector>(std::make_unique<FakeLock>(script), timing,
                                              changes.callback());
  }
  ~Fixture() {
    script->set_block(false);
    elector->stop();
  }
};

TEST(LeaderElector, WithoutALockAlwaysLeads) {
  LeaderElector elector(nullptr, {});
  EXPECT_TRUE(elector.is_leader());
  EXPECT_FALSE(elector.has_lock());
  EXPECT_EQ(elector.describe(), "none");
  elector.start();
  EXPECT_TRUE(elector.is_leader());
  elector.stop();
  EXPECT_TRUE(elector.is_leader());
}

TEST(LeaderElector, FirstAttemptHappensInsideStart) {
  Fixture f({10s, 1s});
  EXPECT_FALSE(f.elector->is_leader()) << "not before the first attempt";
  f.elector->start();
  EXPECT_TRUE(f.elector->is_leader());
  EXPECT_EQ(f.elector->describe(), "fake lock");
  const auto seen = f.changes.snapshot();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0].first);
  EXPECT_EQ(seen[0].second, "acquired");
}

TEST(LeaderElector, FollowerTakesOverWhenTheLockBecomesFree) {
  Fixture f({2s, 100ms});
  f.script->answer(LockStatus::NotHeld, "held by replica-b");
  f.elector->start();
  EXPECT_FALSE(f.elector->is_leader());
  EXPECT_TRUE(f.changes.snapshot().empty()) << "a follower starts as one: no change to report";
  f.script->answer(LockStatus::Held, "acquired");
  ASSERT_TRUE(wait_until([&] { return f.elector->is_leader(); }, 10s));
  ASSERT_TRUE(wait_until([&] { return f.changes.snapshot().size() == 1; }, 10s));
  EXPECT_TRUE(f.changes.snapshot()[0].first);
}

TEST(LeaderElector, NotHeldEndsLeadershipAtOnce) {
  Fixture f({30s, 100ms});  // a long lease: only the NotHeld answer can end it within the wait
  f.elector->start();
  ASSERT_TRUE(f.elector->is_leader());
  f.script->answer(LockStatus::NotHeld, "held by replica-b");
  ASSERT_TRUE(wait_until([&] { return !f.elector->is_leader(); }, 10s));
  ASSERT_TRUE(wait_until([&] { return f.changes.snapshot().size() == 2; }, 10s));
  EXPECT_EQ(f.changes.snapshot()[1], std::make_pair(false, std::string("held by replica-b")));
}

TEST(LeaderElector, UnknownKeepsLeadershipWhileTheLeaseLasts) {
  Fixture f({30s, 50ms});  // leader for 24 s after the last Held
  f.elector->start();
  f.script->answer(LockStatus::Unknown, "redis 127.0.0.1:1: connection refused");
  const int seen = f.script->attempt_count();
  // Two more attempts began, so at least one Unknown answer has been handled.
  ASSERT_TRUE(wait_until([&] { return f.script->attempt_count() >= seen + 2; }, 10s));
  EXPECT_TRUE(f.elector->is_leader());
  EXPECT_EQ(f.changes.snapshot().size(), 1u);
}

TEST(LeaderElector, UnknownEndsLeadershipWhenTheLeaseRunsOutLocally) {
  Fixture f({1s, 100ms});
  f.elector->start();
  ASSERT_TRUE(f.elector->is_leader());
  f.script->answer(LockStatus::Unknown, "redis 127.0.0.1:1: connection refused");
  ASSERT_TRUE(wait_until([&] { return !f.elector->is_leader(); }, 10s));
  ASSERT_TRUE(wait_until([&] { return f.changes.snapshot().size() == 2; }, 10s));
  const auto change = f.changes.snapshot()[1];
  EXPECT_FALSE(change.first);
  EXPECT_NE(change.second.find("expired locally"), std::string::npos) << change.second;
  EXPECT_NE(change.second.find("connection refused"), std::string::npos) << change.second;
  // Back when the server answers again.
  f.script->answer(LockStatus::Held, "acquired");
  ASSERT_TRUE(wait_until([&] { return f.elector->is_leader(); }, 10s));
}

TEST(LeaderElector, AStuckLockCannotKeepTheReplicaLeader) {
  Fixture f({1s, 100ms});
  f.elector->start();
  ASSERT_TRUE(f.elector->is_leader());
  f.script->set_block(true);
  const int seen = f.script->attempt_count();
  ASSERT_TRUE(wait_until([&] { return f.script->attempt_count() > seen; }, 10s));
  // The thread now hangs inside acquire_or_renew; leadership still ends on its own.
  ASSERT_TRUE(wait_until([&] { return !f.elector->is_leader(); }, 10s));
  EXPECT_EQ(f.script->attempt_count(), seen + 1) << "still stuck in the same call";
  f.script->set_block(false);
  ASSERT_TRUE(wait_until([&] { return f.elector->is_leader(); }, 10s));
}

TEST(LeaderElector, RetryHintBringsTheNextAttemptForward) {
  Fixture f({60s, 20s});  // without the hint the second attempt would come 20 s later
  f.script->answer(LockStatus::NotHeld, "held by replica-b", 50ms);
  f.elector->start();
  ASSERT_TRUE(wait_until([&] { return f.script->attempt_count() >= 2; }, 10s));
}

TEST(LeaderElector, StopReleasesTheLockAndEndsLeadership) {
  Fixture f({10s, 1s});
  f.elector->start();
  ASSERT_TRUE(f.elector->is_leader());
  f.elector->stop();
  EXPECT_FALSE(f.elector->is_leader());
  EXPECT_EQ(f.script->releases, 1);
  const auto seen = f.changes.snapshot();
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_FALSE(seen[1].first);
  f.elector->stop();
  EXPECT_EQ(f.script->releases, 1) << "stop() is idempotent";
}

TEST(LeaderElector, StopPublishesARecordNewerThanTheLastRenewalBeforeReleasing) {
  Fixture f({10min, 5min});  // no renewal during the test: only stop() can publish it
  f.elector->set_record("open: api");
  f.elector->start();
  f.elector->set_record("open: none");  // the engine's final record, set as it stopped
  f.elector->stop();
  std::lock_guard guard(f.script->mutex);
  EXPECT_EQ(f.script->published, (std::vector<std::string>{"open: api", "open: none"}));
  EXPECT_EQ(f.script->releases, 1);
}

TEST(LeaderElector, StopPublishesNothingUnchangedAndNothingAsAFollower) {
  {
    Fixture f({10min, 5min});
    f.elector->set_record("open: api");
    f.elector->start();
    f.elector->stop();
    EXPECT_EQ(f.script->attempt_count(), 1) << "the record did not change since the renewal";
  }
  Fixture f({10min, 5min});
  f.script->answer(LockStatus::NotHeld, "held by replica-a");
  f.elector->start();
  f.elector->set_record("open: none");
  f.elector->stop();
  EXPECT_EQ(f.script->attempt_count(), 1) << "a follower's record is not the lock's to keep";
}

TEST(LeaderElector, StopMakesNoFinalCallWhenTheServerStoppedAnswering) {
  Fixture f({10s, 2s});  // the attempt after the Unknown one would come 2 s later
  f.elector->start();
  f.script->answer(LockStatus::Unknown, "timed out");
  ASSERT_TRUE(wait_until([&] { return f.script->attempt_count() == 2; }, 10s));
  ASSERT_TRUE(f.elector->is_leader()) << "Unknown keeps the lease while it lasts";
  f.elector->set_record("open: none");
  f.elector->stop();
  EXPECT_EQ(f.script->attempt_count(), 2) << "no renewal that would only add its timeout";
  EXPECT_EQ(f.script->releases, 1);
}

TEST(LeaderElector, StopWakesAWaitingThread) {
  Fixture f({10min, 5min});
  f.elector->start();
  f.elector->stop();  // would hang for 5 minutes if the wait did not wake
  EXPECT_EQ(f.script->attempt_count(), 1);
}

TEST(LeaderElector, EachAttemptIsBoundedSoItEndsBeforeTheLease) {
  EXPECT_EQ((ElectorTiming{15s, 5s}.attempt_timeout()), 5s);
  EXPECT_EQ((ElectorTiming{10s, 5s}.attempt_timeout()), 3s);  // 10 − 2 − 5
  Fixture f({10s, 5s});
  f.elector->start();
  ASSERT_FALSE(f.script->timeouts.empty());
  EXPECT_EQ(f.script->timeouts.front(), 3s);
}

TEST(LeaderElector, TimingRules) {
  EXPECT_EQ((ElectorTiming{15s, 5s}.problem()), "");
  EXPECT_EQ((ElectorTiming{10s, 5s}.problem()), "");
  const auto problem = ElectorTiming{10s, 6s}.problem();
  EXPECT_NE(problem.find("at most half the lease"), std::string::npos) << problem;
  EXPECT_THROW(LeaderElector(std::make_unique<FakeLock>(std::make_shared<Script>()), {10s, 6s}),
               std::invalid_argument);
  EXPECT_NO_THROW(LeaderElector(nullptr, {10s, 6s})) << "no lock, no timing to check";
}

TEST(LeaderElector, ACallbackThatThrowsIsContained) {
  auto script = std::make_shared<Script>();
  LeaderElector elector(std::make_unique<FakeLock>(script), {10s, 1s},
                        [](bool, const std::string&) { throw std::runtime_error("boom"); });
  EXPECT_NO_THROW(elector.start());
  EXPECT_TRUE(elector.is_leader());
  EXPECT_NO_THROW(elector.stop());
}

TEST(LeaderElector, PublishesTheRecordAndHandsBackAnotherHoldersWithTheToken) {
  Fixture f({10s, 50ms});
  {
    std::lock_guard guard(f.script->mutex);
    f.script->next.fencing_token = 7;
    f.script->next.record = R"({"v":1,"holder":"replica-b","incidents":[]})";
  }
  f.elector->set_record("first");
  f.elector->start();
  EXPECT_EQ(f.elector->fencing_token(), 7U);
  const auto seen = f.elector->seen_record();
  EXPECT_EQ(seen.generation, 1U);
  EXPECT_EQ(f.elector->record_generation(), 1U);
  EXPECT_EQ(seen.text, R"({"v":1,"holder":"replica-b","incidents":[]})");
  f.elector->set_record("second");
  ASSERT_TRUE(wait_until(
      [&] {
        std::lock_guard guard(f.script->mutex);
        return !f.script->published.empty() && f.script->published.back() == "second";
      },
      10s));
  EXPECT_EQ(f.elector->seen_record().generation, 1U) << "the same text again is no news";
  f.elector->set_record(std::string(kMaxLeaderRecordBytes + 1, 'x'));  // too long: not taken
  const auto attempts = f.script->attempt_count();
  ASSERT_TRUE(wait_until([&] { return f.script->attempt_count() > attempts + 1; }, 10s));
  {
    std::lock_guard guard(f.script->mutex);
    EXPECT_EQ(f.script->published.back(), "second");
  }
  f.script->answer(LockStatus::NotHeld, "held by replica-b");
  ASSERT_TRUE(wait_until([&] { return !f.elector->is_leader(); }, 10s));
  EXPECT_EQ(f.elector->fencing_token(), 0U) << "no token without the lease";
}

}  // namespace
}  // namespace watchdog::core
