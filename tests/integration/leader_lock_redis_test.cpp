// The `redis` leader lock against a real redis-server: one holder at a time, hand-over on
// release, ownership checks (a token in the value), a stalled holder replaced within the lease,
// a killed / frozen / restarted server, ACL users, the fencing token and the leader record,
// and no password in any detail or describe(). A server that fails to start fails the test
// (never skipped).
#include <gtest/gtest.h>

#include "tests/integration/leader_lock_fixture.h"
#include "tests/support/redis_server.h"
#include "tests/support/temp_dir.h"
#include "watchdog/leader/leader_elector.h"
#include "watchdog/leader/redis_leader_lock.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
using core::LeaderElector;
using core::LockResult;
using core::LockStatus;
using core::RedisLeaderLock;

constexpr const char* kKey = "watchdog:leader";
constexpr const char* kRedisPassword = "redis-leader-pw-93b2";

std::unique_ptr<RedisLeaderLock> redis_lock(const RedisServer& server, const std::string& identity,
                                            std::chrono::milliseconds lease = 3s,
                                            std::optional<std::string> password = {}) {
  RedisLeaderLock::Settings settings;
  settings.host = "127.0.0.1";
  settings.port = server.port();
  settings.password = std::move(password);
  settings.lease = lease;
  settings.identity = identity;
  return std::make_unique<RedisLeaderLock>(settings);
}

TEST(RedisLeaderLock, ExactlyOneOfTwoHoldsTheKey) {
  RedisServer server;
  auto a = redis_lock(server, "replica-a");
  auto b = redis_lock(server, "replica-b");
  EXPECT_NE(a->value(), b->value());
  auto first = a->acquire_or_renew(2s);
  ASSERT_EQ(first.status, LockStatus::Held) << show(first);
  EXPECT_EQ(first.detail, "acquired");
  EXPECT_EQ(server.command({"GET", kKey}), a->value());
  EXPECT_EQ(a->value().rfind("replica-a ", 0), 0u) << a->value();

  auto second = b->acquire_or_renew(2s);
  EXPECT_EQ(second.status, LockStatus::NotHeld) << show(second);
  EXPECT_EQ(second.detail, "held by replica-a");
  EXPECT_GT(second.retry_in.count(), 0);
  EXPECT_LE(second.retry_in, 3s);

  auto renewed = a->acquire_or_renew(2s);
  EXPECT_EQ(renewed.status, LockStatus::Held) << show(renewed);
  EXPECT_EQ(renewed.detail, "renewed");
  EXPECT_EQ(b->acquire_or_renew(2s).status, LockStatus::NotHeld);
  EXPECT_EQ(server.command({"GET", kKey}), a->value());
}

TEST(RedisLeaderLock, ReleaseHandsTheLockOver) {
  RedisServer server;
  auto a = redis_lock(server, "replica-a");
  auto b = redis_lock(server, "replica-b");
  ASSERT_EQ(a->acquire_or_renew(2s).status, LockStatus::Held);
  b->release(2s);  // not the holder: nothing happens
  EXPECT_EQ(server.command({"GET", kKey}), a->value());
  a->release(2s);
  EXPECT_EQ(server.command({"EXISTS", kKey}), "0");
  auto taken = b->acquire_or_renew(2s);
  EXPECT_EQ(taken.status, LockStatus::Held) << show(taken);
  EXPECT_EQ(server.command({"GET", kKey}), b->value());
}

TEST(RedisLeaderLock, OnlyTheOwnersTokenRenewsOrDeletes) {
  RedisServer server;
  auto a = redis_lock(server, "replica-a", 3s);
  ASSERT_EQ(a->acquire_or_renew(2s).status, LockStatus::Held);
  // a's lease ran out and someone else took the key, while a still believes it holds it.
  server.command({"SET", kKey, "intruder 0123", "PX", "60000"});
  a->release(2s);
  EXPECT_EQ(server.command({"GET", kKey}), "intruder 0123") << "release must check the token";
  auto renew = a->acquire_or_renew(2s);
  EXPECT_EQ(renew.status, LockStatus::NotHeld) << show(renew);
  EXPECT_EQ(renew.detail, "held by intruder");
  EXPECT_GT(renew.retry_in, 10s) << "the intruder's TTL, not ours";
  EXPECT_EQ(server.command({"GET", kKey}), "intruder 0123");
  EXPECT_GT(std::stoll(server.command({"PTTL", kKey})), 10000) << "renewal must check the token";
}

TEST(RedisLeaderLock, AHolderThatStopsRenewingIsReplacedWithinTheLease) {
  RedisServer server;
  auto a = redis_lock(server, "replica-a", 2s);
  ASSERT_EQ(a->acquire_or_renew(2s).status, LockStatus::Held);  // and never renewed again
  Changes changes;
  LeaderElector b(redis_lock(server, "replica-b", 2s), {2s, 500ms}, changes.callback());
  b.start();
  EXPECT_FALSE(b.is_leader()) << "replica-a holds the key";
  ASSERT_TRUE(wait_until([&] { return b.is_leader(); }, 15s));
  EXPECT_EQ(server.command({"GET", kKey}).rfind("replica-b ", 0), 0u);
  auto again = a->acquire_or_renew(2s);
  EXPECT_EQ(again.status, LockStatus::NotHeld) << show(again);
  b.stop();
  EXPECT_EQ(server.command({"EXISTS", kKey}), "0") << "stop() releases";
}

TEST(RedisLeaderLock, KilledServerEndsLeadershipAndItComesBack) {
  RedisServer server;
  Changes changes;
  LeaderElector a(redis_lock(server, "replica-a", 2s), {2s, 400ms}, changes.callback());
  a.start();
  ASSERT_TRUE(a.is_leader());
  server.stop();
  ASSERT_TRUE(wait_until([&] { return !a.is_leader(); }, 15s));
  ASSERT_TRUE(
      wait_until([&] { return changes.last_reason().find("expired") != std::string::npos; }, 15s))
      << changes.last_reason();
  EXPECT_NE(changes.last_reason().find("connection refused"), std::string::npos)
      << changes.last_reason();
  server.restart();  // same port, empty data set
  ASSERT_TRUE(wait_until([&] { return a.is_leader(); }, 15s));
  EXPECT_EQ(server.command({"GET", kKey}).rfind("replica-a ", 0), 0u);
}

TEST(RedisLeaderLock, RestartedServerIsReacquiredOnTheKeptConnection) {
  RedisServer server;
  auto a = redis_lock(server, "replica-a");
  ASSERT_EQ(a->acquire_or_renew(2s).status, LockStatus::Held);
  server.restart();  // the key and a's connection are gone
  auto result = a->acquire_or_renew(2s);
  EXPECT_EQ(result.status, LockStatus::Held) << show(result);
  EXPECT_EQ(server.command({"GET", kKey}), a->value());
}

TEST(RedisLeaderLock, FrozenServerCannotHangTheCall) {
  RedisServer server;
  auto a = redis_lock(server, "replica-a");
  ASSERT_EQ(a->acquire_or_renew(2s).status, LockStatus::Held);
  server.freeze();
  auto result = bounded_call(*a, 500ms);
  EXPECT_EQ(result.status, LockStatus::Unknown) << show(result);
  EXPECT_NE(result.detail.find("within 500ms"), std::string::npos) << result.detail;
  server.thaw();
  auto back = a->acquire_or_renew(2s);
  EXPECT_EQ(back.status, LockStatus::Held) << show(back);
}

TEST(RedisLeaderLock, AuthenticatesAndNeverShowsThePassword) {
  RedisServer server({kRedisPassword, {}});
  auto good = redis_lock(server, "replica-a", 3s, kRedisPassword);
  auto held = good->acquire_or_renew(2s);
  EXPECT_EQ(held.status, LockStatus::Held) << show(held);
  EXPECT_EQ(good->describe().find(kRedisPassword), std::string::npos);

  const std::string wrong = std::string("wrong-") + kRedisPassword;
  auto bad = redis_lock(server, "replica-b", 3s, wrong);
  auto rejected = bad->acquire_or_renew(2s);
  EXPECT_EQ(rejected.status, LockStatus::Unknown) << show(rejected);
  EXPECT_NE(rejected.detail.find("authentication failed"), std::string::npos) << rejected.detail;
  EXPECT_EQ(rejected.detail.find(kRedisPassword), std::string::npos) << rejected.detail;
  EXPECT_EQ(bad->describe().find(kRedisPassword), std::string::npos);

  auto none = redis_lock(server, "replica-c")->acquire_or_renew(2s);
  EXPECT_NE(none.detail.find("no password configured"), std::string::npos) << none.detail;

  server.command({"ACL", "SETUSER", "locker", "on", ">locker-pw", "~*", "+@all"});
  RedisLeaderLock::Settings settings;
  settings.host = "127.0.0.1";
  settings.port = server.port();
  settings.username = "locker";
  settings.password = "locker-pw";
  settings.key = "other:leader";
  settings.database = 2;
  settings.identity = "replica-d";
  RedisLeaderLock acl(settings);
  auto acl_held = acl.acquire_or_renew(2s);
  EXPECT_EQ(acl_held.status, LockStatus::Held) << show(acl_held);
  EXPECT_EQ(acl_held.detail, "acquired");
  EXPECT_GT(acl_held.fencing_token, 0u) << "all rights: the counter is used";
  EXPECT_EQ(server.command({"-n", "2", "GET", "other:leader"}), acl.value());
}

// An ACL user whose key pattern covers the lock key only (all the protocol needed before the
// leader record) gets NOPERM for the record and the counter. Nobody would lead: the lock falls
// back to the lock key alone — token 0, no record — and uses all three again from the first
// tenure after the operator granted them.
TEST(RedisLeaderLock, AnAclUserLimitedToTheLockKeyStillLeadsWithoutTokenOrRecord) {
  RedisServer server;
  const std::string password = "locker-pw-7c41";
  server.command({"ACL", "SETUSER", "locker", "on", ">" + password, "~watchdog:leader", "+eval",
                  "+get", "+set", "+pexpire", "+pttl", "+del", "+incr"});
  auto locker = [&](const std::string& identity) {
    RedisLeaderLock::Settings settings;
    settings.host = "127.0.0.1";
    settings.port = server.port();
    settings.username = "locker";
    settings.password = password;
    settings.lease = 10s;
    settings.identity = identity;
    return std::make_unique<RedisLeaderLock>(settings);
  };
  const std::string record_key = std::string(kKey) + ":record";
  const std::string fencing_key = std::string(kKey) + ":fencing";
  const std::string lock_only =
      "acquired (no rights on watchdog:leader:record / :fencing: fencing token 0, no leader "
      "record; grant ~watchdog:leader*)";
  auto a = locker("replica-a");
  auto b = locker("replica-b");

  auto first = a->acquire_or_renew(5s, "a's");
  ASSERT_EQ(first.status, LockStatus::Held) << show(first);
  EXPECT_EQ(first.detail, lock_only);
  EXPECT_EQ(first.fencing_token, 0u);
  EXPECT_EQ(first.record, std::nullopt);
  auto second = b->acquire_or_renew(5s, "b's");
  EXPECT_EQ(second.status, LockStatus::NotHeld) << show(second);
  EXPECT_EQ(second.detail, "held by replica-a");
  EXPECT_GT(second.retry_in.count(), 0);
  EXPECT_EQ(second.record, std::nullopt);
  auto renewed = a->acquire_or_renew(5s, "a's");
  EXPECT_EQ(renewed.status, LockStatus::Held) << show(renewed);
  EXPECT_EQ(renewed.detail, "renewed");
  EXPECT_EQ(renewed.fencing_token, 0u);
  EXPECT_EQ(server.command({"GET", kKey}), a->value());
  EXPECT_EQ(server.command({"EXISTS", record_key}), "0");
  EXPECT_EQ(server.command({"EXISTS", fencing_key}), "0");
  for (const auto& text : {first.detail, second.detail, renewed.detail, a->describe()}) {
    EXPECT_EQ(text.find(password), std::string::npos) << text;
  }

  a->release(5s);  // hands over on the lock key alone
  EXPECT_EQ(server.command({"EXISTS", kKey}), "0");
  auto taken = b->acquire_or_renew(5s, "b's");
  ASSERT_EQ(taken.status, LockStatus::Held) << show(taken);
  EXPECT_EQ(taken.detail, lock_only);
  EXPECT_EQ(taken.fencing_token, 0u);
  EXPECT_EQ(a->acquire_or_renew(5s).status, LockStatus::NotHeld) << "still one holder";

  // The operator grants the pattern: b's tenure stays on the lock key (renewals do not switch),
  // the next tenure uses the counter and the record.
  server.command({"ACL", "SETUSER", "locker", "~watchdog:leader*"});
  auto still = b->acquire_or_renew(5s, "b's");
  EXPECT_EQ(still.status, LockStatus::Held) << show(still);
  EXPECT_EQ(still.fencing_token, 0u);
  EXPECT_EQ(server.command({"EXISTS", fencing_key}), "0");
  b->release(5s);
  auto full = a->acquire_or_renew(5s, "a's");
  ASSERT_EQ(full.status, LockStatus::Held) << show(full);
  EXPECT_EQ(full.detail, "acquired");
  EXPECT_EQ(full.fencing_token, 1u);
  EXPECT_EQ(server.command({"GET", record_key}), "a's");

  // Rights taken away mid-tenure: the holder keeps its lock and its token.
  server.command({"ACL", "SETUSER", "locker", "resetkeys", "~watchdog:leader"});
  auto revoked = a->acquire_or_renew(5s, "a's later");
  EXPECT_EQ(revoked.status, LockStatus::Held) << show(revoked);
  EXPECT_EQ(revoked.fencing_token, 1u);
  EXPECT_EQ(server.command({"GET", record_key}), "a's");
}

// Fencing tokens and the leader record (the handover of open incidents between leaders).

TEST(RedisLeaderLock, FencingTokenGrowsPerTenureAndStaysAcrossRenewals) {
  RedisServer server;
  auto a = redis_lock(server, "replica-a");
  auto b = redis_lock(server, "replica-b");
  auto first = a->acquire_or_renew(2s);
  ASSERT_EQ(first.status, LockStatus::Held) << show(first);
  EXPECT_GE(first.fencing_token, 1u);
  auto renewed = a->acquire_or_renew(2s);
  ASSERT_EQ(renewed.status, LockStatus::Held) << show(renewed);
  EXPECT_EQ(renewed.fencing_token, first.fencing_token);
  EXPECT_EQ(b->acquire_or_renew(2s).fencing_token, 0u) << "NotHeld carries no token";
  a->release(2s);
  auto taken = b->acquire_or_renew(2s);
  ASSERT_EQ(taken.status, LockStatus::Held) << show(taken);
  EXPECT_GT(taken.fencing_token, first.fencing_token);
  EXPECT_EQ(b->acquire_or_renew(2s).fencing_token, taken.fencing_token);
  b->release(2s);
  auto again = a->acquire_or_renew(2s);  // the same object, a new tenure
  EXPECT_GT(again.fencing_token, taken.fencing_token);
  EXPECT_EQ(server.command({"GET", std::string(kKey) + ":fencing"}),
            std::to_string(again.fencing_token));
}

TEST(RedisLeaderLock, TheRecordIsPublishedAndHandedToTheNextHolder) {
  RedisServer server;
  auto a = redis_lock(server, "replica-a");
  auto b = redis_lock(server, "replica-b");
  const std::string record_key = std::string(kKey) + ":record";
  auto first = a->acquire_or_renew(2s, R"({"open":["pg-1"]})");
  ASSERT_EQ(first.status, LockStatus::Held) << show(first);
  EXPECT_EQ(first.record, std::nullopt) << "nobody held it before";
  auto renewed = a->acquire_or_renew(2s, R"({"open":["pg-1","redis-2"]})");
  EXPECT_EQ(renewed.record, std::nullopt) << "renewals read nothing";
  EXPECT_EQ(server.command({"GET", record_key}), R"({"open":["pg-1","redis-2"]})");
  EXPECT_EQ(server.command({"TTL", record_key}), "-1") << "the record outlives the lease";

  auto follower = b->acquire_or_renew(2s, "b's own, never written");
  ASSERT_EQ(follower.status, LockStatus::NotHeld) << show(follower);
  EXPECT_EQ(follower.record, R"({"open":["pg-1","redis-2"]})");
  EXPECT_EQ(server.command({"GET", record_key}), R"({"open":["pg-1","redis-2"]})");

  a->release(2s);
  EXPECT_EQ(server.command({"GET", record_key}), R"({"open":["pg-1","redis-2"]})")
      << "release keeps the record";
  auto taken = b->acquire_or_renew(2s, R"({"open":[]})");
  ASSERT_EQ(taken.status, LockStatus::Held) << show(taken);
  EXPECT_EQ(taken.record, R"({"open":["pg-1","redis-2"]})") << "the previous holder's";
  EXPECT_EQ(server.command({"GET", record_key}), R"({"open":[]})");

  // An empty record is stored as such; a too long one is not written.
  EXPECT_EQ(b->acquire_or_renew(2s).status, LockStatus::Held);
  EXPECT_EQ(a->acquire_or_renew(2s).record, "") << "\"\" is a record, not none";
  auto too_long = b->acquire_or_renew(2s, std::string(core::kMaxLeaderRecordBytes + 1, 'x'));
  EXPECT_EQ(too_long.status, LockStatus::Held) << show(too_long);
  EXPECT_NE(too_long.detail.find("not published"), std::string::npos) << too_long.detail;
  EXPECT_EQ(server.command({"GET", record_key}), "");
}

TEST(RedisLeaderLock, ADeadHoldersLastRecordReachesItsSuccessorAndNeverOverwritesIt) {
  RedisServer server;
  // a's lease must run out; b's must not, however slowly a loaded machine gets to a's stale
  // renewal below: nothing here depends on timing but a's lease being over within the poll.
  auto a = redis_lock(server, "replica-a", 1s);
  auto b = redis_lock(server, "replica-b", 120s);
  auto first = a->acquire_or_renew(5s, "a's last");  // then a stalls: no renewal, no release
  ASSERT_EQ(first.status, LockStatus::Held) << show(first);
  LockResult taken;
  ASSERT_TRUE(wait_until(
      [&] {
        taken = b->acquire_or_renew(5s, "b's");
        return taken.status == LockStatus::Held;
      },
      60s))
      << show(taken);
  EXPECT_EQ(taken.detail, "acquired");
  EXPECT_EQ(taken.record, "a's last");
  EXPECT_GT(taken.fencing_token, first.fencing_token);
  // a wakes up and renews: it must neither succeed nor write its stale record.
  auto stale = a->acquire_or_renew(5s, "a's stale");
  EXPECT_EQ(stale.status, LockStatus::NotHeld) << show(stale);
  EXPECT_EQ(stale.record, "b's");
  EXPECT_EQ(server.command({"GET", std::string(kKey) + ":record"}), "b's");
}

}  // namespace
}  // namespace watchdog::testing
