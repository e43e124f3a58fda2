// The `postgres` leader lock against a real PostgreSQL 15: one holder at a time, hand-over on
// release, a terminated backend, a frozen or stopped server, the fencing token and the leader
// record in the lock's table (and the lock without that table: no rights for it, its row
// locked by another session), and no DSN or password in any detail or describe(). A server that
// fails to start fails the test (never skipped).
#include <gtest/gtest.h>

#include <pqxx/pqxx>

#include "tests/integration/leader_lock_fixture.h"
#include "tests/support/postgres_server.h"
#include "tests/support/temp_dir.h"
#include "watchdog/leader/leader_elector.h"
#include "watchdog/leader/postgres_leader_lock.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
using core::LeaderElector;
using core::LockResult;
using core::LockStatus;
using core::PostgresLeaderLock;

std::unique_ptr<PostgresLeaderLock> postgres_lock(const std::string& dsn,
                                                  const std::string& identity) {
  return std::make_unique<PostgresLeaderLock>(
      PostgresLeaderLock::Settings{dsn, false, PostgresLeaderLock::kDefaultLockId, identity});
}

// psql's answer without its trailing newlines: one value, ready to compare.
std::string psql_line(const PostgresServer& server, const std::string& sql) {
  std::string out = server.psql(sql);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

std::string holders(const PostgresServer& server) {
  return psql_line(
      server,
      "SELECT coalesce(string_agg(a.application_name, ','), '') FROM pg_locks l"
      " JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted");
}

TEST(PostgresLeaderLock, OneHolderAndHandOverOnRelease) {
  PostgresServer server;
  auto a = postgres_lock(server.dsn(), "replica-a");
  auto b = postgres_lock(server.dsn(), "replica-b");
  auto first = a->acquire_or_renew(2s);
  ASSERT_EQ(first.status, LockStatus::Held) << show(first);
  EXPECT_EQ(first.detail, "acquired");
  auto second = b->acquire_or_renew(2s);
  EXPECT_EQ(second.status, LockStatus::NotHeld) << show(second);
  EXPECT_EQ(second.detail, "held by replica-a");
  EXPECT_EQ(holders(server), "watchdog-leader replica-a");
  auto renewed = a->acquire_or_renew(2s);
  EXPECT_EQ(renewed.status, LockStatus::Held) << show(renewed);
  EXPECT_EQ(renewed.detail, "renewed");
  EXPECT_EQ(holders(server), "watchdog-leader replica-a") << "renewal must not stack the lock";

  b->release(2s);  // not the holder
  EXPECT_EQ(holders(server), "watchdog-leader replica-a");
  a->release(2s);
  EXPECT_EQ(holders(server), "");
  EXPECT_EQ(b->acquire_or_renew(2s).status, LockStatus::Held);
  EXPECT_EQ(holders(server), "watchdog-leader replica-b");
  EXPECT_EQ(a->describe(), "postgres 127.0.0.1:" + std::to_string(server.port()) +
                               "/postgres advisory lock 8602284733556354919");
}

TEST(PostgresLeaderLock, TerminatedBackendLosesTheLockAndGetsItBack) {
  PostgresServer server;
  auto a = postgres_lock(server.dsn(), "replica-a");
  auto b = postgres_lock(server.dsn(), "replica-b");
  ASSERT_EQ(a->acquire_or_renew(2s).status, LockStatus::Held);
  const int first_pid = a->backend_pid();
  ASSERT_GT(first_pid, 0);
  server.psql("SELECT pg_terminate_backend(" + std::to_string(first_pid) + ")");
  // The server freed a's lock: b gets it (once the backend has exited).
  ASSERT_TRUE(wait_until([&] { return b->acquire_or_renew(2s).status == LockStatus::Held; }, 15s));
  auto lost = a->acquire_or_renew(2s);
  EXPECT_EQ(lost.status, LockStatus::NotHeld) << show(lost);
  EXPECT_EQ(lost.detail, "held by replica-b");
  b->release(2s);
  auto back = a->acquire_or_renew(2s);
  EXPECT_EQ(back.status, LockStatus::Held) << show(back);
  EXPECT_NE(a->backend_pid(), first_pid);

  // Alone: a terminated session is replaced and the lock retaken within one call.
  const int second_pid = a->backend_pid();
  server.psql("SELECT pg_terminate_backend(" + std::to_string(second_pid) + ")");
  ASSERT_TRUE(wait_until(
      [&] {
        return server.psql("SELECT count(*) FROM pg_stat_activity WHERE pid = " +
                           std::to_string(second_pid)) == "0\n";
      },
      15s));
  auto retaken = a->acquire_or_renew(2s);
  EXPECT_EQ(retaken.status, LockStatus::Held) << show(retaken);
  EXPECT_EQ(retaken.detail, "acquired");
  EXPECT_EQ(holders(server), "watchdog-leader replica-a");
}

TEST(PostgresLeaderLock, ElectorFollowsATerminatedBackend) {
  PostgresServer server;
  Changes changes;
  // Renewals 5 s apart, so b (polling) wins the race for the freed lock.
  LeaderElector a(postgres_lock(server.dsn(), "replica-a"), {20s, 5s}, changes.callback());
  a.start();
  ASSERT_TRUE(a.is_leader());
  auto b = postgres_lock(server.dsn(), "replica-b");
  server.psql(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
      " WHERE application_name = 'watchdog-leader replica-a'");
  ASSERT_TRUE(wait_until([&] { return b->acquire_or_renew(2s).status == LockStatus::Held; }, 15s));
  ASSERT_TRUE(wait_until([&] { return !a.is_leader(); }, 15s));
  b->release(2s);
  ASSERT_TRUE(wait_until([&] { return a.is_leader(); }, 15s));
  a.stop();
  EXPECT_EQ(holders(server), "") << "stop() releases";
}

TEST(PostgresLeaderLock, FrozenOrStoppedServerLosesTheLockWithinTheTimeout) {
  PostgresServer server;
  auto a = postgres_lock(server.dsn(), "replica-a");
  ASSERT_EQ(a->acquire_or_renew(2s).status, LockStatus::Held);
  server.freeze();
  auto frozen = bounded_call(*a, 500ms);
  EXPECT_EQ(frozen.status, LockStatus::NotHeld) << show(frozen);
  EXPECT_NE(frozen.detail.find("no answer within 500ms"), std::string::npos) << frozen.detail;
  server.thaw();
  // The old backend sees our closed socket and exits, freeing the lock.
  ASSERT_TRUE(wait_until([&] { return a->acquire_or_renew(2s).status == LockStatus::Held; }, 15s));

  server.stop();
  auto stopped = a->acquire_or_renew(2s);
  EXPECT_EQ(stopped.status, LockStatus::NotHeld) << show(stopped);
  EXPECT_NE(stopped.detail.find("lost the lock"), std::string::npos) << stopped.detail;
  server.start();
  auto back = a->acquire_or_renew(2s);
  EXPECT_EQ(back.status, LockStatus::Held) << show(back);
}

TEST(PostgresLeaderLock, NeverShowsTheDsnOrPassword) {
  PostgresServer server;
  std::string dsn = server.dsn();
  const std::string wrong = "wrong-" + server.password();
  dsn.replace(dsn.find(server.password()), server.password().size(), wrong);
  auto a = postgres_lock(dsn, "replica-a");
  auto rejected = a->acquire_or_renew(2s);
  EXPECT_EQ(rejected.status, LockStatus::NotHeld) << show(rejected);
  EXPECT_NE(rejected.detail.find("authentication failed"), std::string::npos) << rejected.detail;
  for (const auto& text : {rejected.detail, a->describe()}) {
    EXPECT_EQ(text.find(server.password()), std::string::npos) << text;
    EXPECT_EQ(text.find("password"), std::string::npos) << text;
  }
}

// Fencing tokens and the leader record in the lock's table.

std::string leader_row(const PostgresServer& server, const std::string& table = "watchdog_leader") {
  return psql_line(server,
                   "SELECT fencing || ' ' || holder || ' ' || coalesce(record, '-') FROM " + table +
                       " WHERE lock_id = " + std::to_string(PostgresLeaderLock::kDefaultLockId));
}

TEST(PostgresLeaderLock, FencingTokenAndRecordAreKeptInTheTableAndHandedOver) {
  PostgresServer server;
  auto a = postgres_lock(server.dsn(), "replica-a");
  auto b = postgres_lock(server.dsn(), "replica-b");
  auto first = a->acquire_or_renew(2s, R"({"open":["pg-1"]})");
  ASSERT_EQ(first.status, LockStatus::Held) << show(first);
  EXPECT_EQ(first.detail, "acquired");
  EXPECT_EQ(first.fencing_token, 1u) << "a new row";
  EXPECT_EQ(first.record, std::nullopt);
  auto renewed = a->acquire_or_renew(2s, R"({"open":["pg-1","redis-2"]})");
  ASSERT_EQ(renewed.status, LockStatus::Held) << show(renewed);
  EXPECT_EQ(renewed.fencing_token, 1u);
  EXPECT_EQ(renewed.record, std::nullopt);
  EXPECT_EQ(leader_row(server), R"(1 replica-a {"open":["pg-1","redis-2"]})");

  auto follower = b->acquire_or_renew(2s, "b's own, never written");
  ASSERT_EQ(follower.status, LockStatus::NotHeld) << show(follower);
  EXPECT_EQ(follower.record, R"({"open":["pg-1","redis-2"]})");
  EXPECT_EQ(follower.fencing_token, 0u);

  a->release(2s);
  auto taken = b->acquire_or_renew(2s, "");
  ASSERT_EQ(taken.status, LockStatus::Held) << show(taken);
  EXPECT_EQ(taken.fencing_token, 2u);
  EXPECT_EQ(taken.record, R"({"open":["pg-1","redis-2"]})") << "the previous holder's";
  EXPECT_EQ(leader_row(server), "2 replica-b ") << "an empty record is stored as ''";
  EXPECT_EQ(a->acquire_or_renew(2s).record, "");
  EXPECT_EQ(b->acquire_or_renew(2s, "b2").fencing_token, 2u);
}

TEST(PostgresLeaderLock, ATerminatedHoldersLastRecordReachesItsSuccessorAndNeverOverwritesIt) {
  PostgresServer server;
  auto a = postgres_lock(server.dsn(), "replica-a");
  auto b = postgres_lock(server.dsn(), "replica-b");
  auto first = a->acquire_or_renew(2s, "a's last");
  ASSERT_EQ(first.status, LockStatus::Held) << show(first);
  server.psql("SELECT pg_terminate_backend(" + std::to_string(a->backend_pid()) + ")");
  LockResult taken;
  ASSERT_TRUE(wait_until(
      [&] {
        taken = b->acquire_or_renew(2s, "b's");
        return taken.status == LockStatus::Held;
      },
      15s));
  EXPECT_EQ(taken.record, "a's last");
  EXPECT_GT(taken.fencing_token, first.fencing_token);
  auto stale = a->acquire_or_renew(2s, "a's stale");  // its session is gone; b holds the lock
  EXPECT_EQ(stale.status, LockStatus::NotHeld) << show(stale);
  EXPECT_EQ(stale.record, "b's");
  EXPECT_EQ(leader_row(server), std::to_string(taken.fencing_token) + " replica-b b's");
}

TEST(PostgresLeaderLock, WithoutRightsForTheTableTheLockWorksWithoutTokenOrRecord) {
  PostgresServer server;  // PostgreSQL 15+: ordinary roles may not CREATE in schema public
  server.psql("CREATE ROLE locker LOGIN PASSWORD 'locker-pw-51'");
  const std::string dsn = "host=127.0.0.1 port=" + std::to_string(server.port()) +
                          " user=locker password=locker-pw-51 dbname=postgres";
  auto a = postgres_lock(dsn, "replica-a");
  auto b = postgres_lock(dsn, "replica-b");
  auto first = a->acquire_or_renew(2s, "a's");
  ASSERT_EQ(first.status, LockStatus::Held) << show(first);
  EXPECT_EQ(first.detail, "acquired (no leader table: permission denied for schema public)");
  EXPECT_EQ(first.fencing_token, 0u);
  EXPECT_EQ(first.record, std::nullopt);
  auto renewed = a->acquire_or_renew(2s, "a's");
  EXPECT_EQ(renewed.status, LockStatus::Held) << show(renewed);
  EXPECT_EQ(renewed.detail, "renewed");
  EXPECT_EQ(renewed.fencing_token, 0u);
  auto follower = b->acquire_or_renew(2s);
  EXPECT_EQ(follower.status, LockStatus::NotHeld) << show(follower);
  EXPECT_EQ(follower.record, std::nullopt);
  EXPECT_EQ(server.psql("SELECT to_regclass('watchdog_leader') IS NULL"), "t\n");

  // The owner creates the table once and grants the rest: tokens and records work from the
  // next tenure on, in a table of the operator's choosing.
  server.psql(
      "CREATE SCHEMA ops; CREATE TABLE ops.leader (lock_id bigint PRIMARY KEY, fencing bigint"
      " NOT NULL, holder text, record text, updated_at timestamptz NOT NULL DEFAULT now());"
      " GRANT USAGE ON SCHEMA ops TO locker;"
      " GRANT SELECT, INSERT, UPDATE ON ops.leader TO locker");
  a->release(2s);
  auto settings = [&](const std::string& identity) {
    PostgresLeaderLock::Settings with_table{dsn, false, PostgresLeaderLock::kDefaultLockId,
                                            identity};
    with_table.table = "ops.leader";
    return std::make_unique<PostgresLeaderLock>(with_table);
  };
  auto c = settings("replica-c");
  auto d = settings("replica-d");
  auto granted = c->acquire_or_renew(2s, "c's");
  ASSERT_EQ(granted.status, LockStatus::Held) << show(granted);
  EXPECT_EQ(granted.detail, "acquired");
  EXPECT_EQ(granted.fencing_token, 1u);
  EXPECT_EQ(d->acquire_or_renew(2s).record, "c's");
  EXPECT_EQ(leader_row(server, "ops.leader"), "1 replica-c c's");
}

// Another session holds the lock's row locked (an operator's open transaction, a stuck old
// session). Without lock_timeout the upsert waited into statement_timeout, the session counted as
// broken and nobody ever led. Now the lock is taken within its timeout without the table, and
// the first tenure after that transaction ended uses the table again.
TEST(PostgresLeaderLock, ARowLockedByAnotherSessionCostsTheTableNotTheLock) {
  PostgresServer server;
  auto a = postgres_lock(server.dsn(), "replica-a");
  auto b = postgres_lock(server.dsn(), "replica-b");
  ASSERT_EQ(a->acquire_or_renew(4s, "a's").fencing_token, 1u);  // the row exists
  a->release(4s);

  pqxx::connection other(server.dsn());
  auto open = std::make_unique<pqxx::work>(other);
  open->exec("SELECT * FROM watchdog_leader WHERE lock_id = " +
             std::to_string(PostgresLeaderLock::kDefaultLockId) + " FOR UPDATE");
  const auto start = std::chrono::steady_clock::now();
  auto taken = b->acquire_or_renew(4s, "b's");
  const auto took = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(taken.status, LockStatus::Held) << show(taken);
  EXPECT_LT(took, 4s);
  EXPECT_EQ(taken.detail,
            "acquired (leader table watchdog_leader locked by another session: fencing token 0,"
            " no leader record)");
  EXPECT_EQ(taken.fencing_token, 0u);
  EXPECT_EQ(taken.record, std::nullopt);
  auto renewed = b->acquire_or_renew(4s, "b's");
  EXPECT_EQ(renewed.status, LockStatus::Held) << show(renewed);
  EXPECT_EQ(renewed.detail, "renewed");
  EXPECT_EQ(renewed.fencing_token, 0u);
  auto follower = a->acquire_or_renew(4s);
  EXPECT_EQ(follower.status, LockStatus::NotHeld) << show(follower);
  EXPECT_EQ(follower.record, "a's") << "reading is not blocked by the row lock";
  EXPECT_EQ(leader_row(server), "1 replica-a a's") << "nothing written while locked";

  open->commit();
  open.reset();
  b->release(4s);
  auto again = b->acquire_or_renew(4s, "b's");
  ASSERT_EQ(again.status, LockStatus::Held) << show(again);
  EXPECT_EQ(again.detail, "acquired");
  EXPECT_EQ(again.fencing_token, 2u);
  EXPECT_EQ(again.record, "a's");
  EXPECT_EQ(leader_row(server), "2 replica-b b's");
}

// The same during a tenure: the renewal keeps lock and token and skips only its record; the
// next renewal after the row is free writes again.
TEST(PostgresLeaderLock, ARowLockedDuringATenureSkipsOnlyThatRecord) {
  PostgresServer server;
  auto a = postgres_lock(server.dsn(), "replica-a");
  ASSERT_EQ(a->acquire_or_renew(4s, "a1").fencing_token, 1u);

  pqxx::connection other(server.dsn());
  auto open = std::make_unique<pqxx::work>(other);
  open->exec("SELECT * FROM watchdog_leader FOR UPDATE");
  auto renewed = a->acquire_or_renew(4s, "a2");
  ASSERT_EQ(renewed.status, LockStatus::Held) << show(renewed);
  EXPECT_EQ(renewed.detail,
            "renewed (leader record not written: leader table watchdog_leader locked by another"
            " session)");
  EXPECT_EQ(renewed.fencing_token, 1u);
  EXPECT_EQ(leader_row(server), "1 replica-a a1");

  open->commit();
  open.reset();
  auto next = a->acquire_or_renew(4s, "a3");
  ASSERT_EQ(next.status, LockStatus::Held) << show(next);
  EXPECT_EQ(next.detail, "renewed");
  EXPECT_EQ(next.fencing_token, 1u);
  EXPECT_EQ(leader_row(server), "1 replica-a a3");
}

}  // namespace
}  // namespace watchdog::testing
