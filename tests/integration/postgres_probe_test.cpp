// The `postgres` probe (issue #3) against a real PostgreSQL 15 (scram-sha-256 auth).
#include <gtest/gtest.h>

#include <future>
#include <pqxx/pqxx>
#include <thread>

#include "tests/integration/backup_fixture.h"
#include "tests/integration/postgres_probe_fixture.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
using probes::FailureKind;
using probes::ProbeStatus;

TEST(PostgresProbe, HealthyReportsMeasurementsAndOldestTransaction) {
  PostgresServer server;
  pqxx::connection other(server.dsn());
  pqxx::work open_transaction(other);
  open_transaction.exec("SELECT txid_current()");
  auto probe = make(keys(server, "        check_oldest_transaction: true\n"));
  std::this_thread::sleep_for(1100ms);

  auto result = probe->check(2s);
  ASSERT_EQ(result.status, ProbeStatus::Healthy) << describe(result);
  EXPECT_NE(result.detail.find("primary"), std::string::npos) << result.detail;
  EXPECT_GT(result.latency, 0ns);
  const auto ratio = measurement(result, "postgres_connections_used_ratio");
  ASSERT_TRUE(ratio);
  EXPECT_GT(*ratio, 0);
  EXPECT_LT(*ratio, 1);
  EXPECT_EQ(measurement(result, "postgres_max_connections"), 20);
  EXPECT_GE(measurement(result, "postgres_connections").value_or(0), 2);  // probe + `other`
  EXPECT_EQ(measurement(result, "postgres_in_recovery"), 0);
  EXPECT_GE(measurement(result, "postgres_query_seconds").value_or(-1), 0);
  EXPECT_FALSE(measurement(result, "postgres_replication_lag_seconds"));
  EXPECT_GE(measurement(result, "postgres_oldest_transaction_seconds").value_or(0), 1.0);
  EXPECT_EQ(result.detail.find(server.password()), std::string::npos);
}

TEST(PostgresProbe, WrongPasswordIsAuthFailureWithoutThePassword) {
  PostgresServer server;
  const std::string wrong = "wrong-sentinel-7c41";
  auto probe = make("        dsn: postgresql://postgres:" + wrong +
                    "@127.0.0.1:" + std::to_string(server.port()) + "/postgres\n");
  auto result = probe->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(result.failure, FailureKind::Auth) << describe(result);
  EXPECT_EQ(result.detail, "authentication failed for user 'postgres'");
  EXPECT_EQ(result.detail.find(wrong), std::string::npos);
}

TEST(PostgresProbe, UnknownDatabaseIsNotFound) {
  PostgresServer server;
  auto probe = make("        dsn: " + server.dsn() + " dbname=nosuchdb\n");
  auto result = probe->check(2s);
  EXPECT_EQ(result.failure, FailureKind::NotFound) << describe(result);
  EXPECT_EQ(result.detail, "database 'nosuchdb' does not exist");
}

TEST(PostgresProbe, StoppedServerIsRefusedAndComesBack) {
  PostgresServer server;
  auto probe = make(keys(server));
  ASSERT_EQ(probe->check(2s).status, ProbeStatus::Healthy);
  server.stop();
  auto result = probe->check(2s);  // the kept connection is gone, and so is the listener
  EXPECT_EQ(result.failure, FailureKind::Refused) << describe(result);
  EXPECT_EQ(result.detail, "connection refused");
  server.start();
  EXPECT_EQ(probe->check(2s).status, ProbeStatus::Healthy);
}

TEST(PostgresProbe, FrozenServerCostsAtMostTheTimeoutAndBlocksNoOtherProbe) {
  PostgresServer server;
  WebhookReceiver live;  // a second, healthy target
  auto kept = make(keys(server));
  auto fresh = make(keys(server, "        keep_connection: false\n"));
  auto other =
      make("        host: 127.0.0.1\n        port: " + std::to_string(live.port()) + "\n", "tcp");
  ASSERT_EQ(kept->check(2s).status, ProbeStatus::Healthy);
  server.freeze();

  for (auto* probe : {kept.get(), fresh.get()}) {
    const auto start = std::chrono::steady_clock::now();
    auto frozen = std::async(std::launch::async, [&] { return probe->check(1s); });
    auto beside = std::async(std::launch::async, [&] { return other->check(1s); });
    ASSERT_EQ(beside.wait_for(500ms), std::future_status::ready);
    EXPECT_EQ(beside.get().status, ProbeStatus::Healthy);
    ASSERT_EQ(frozen.wait_for(2s), std::future_status::ready) << "the frozen check hangs";
    auto result = frozen.get();
    const auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(result.failure, FailureKind::Timeout) << describe(result);
    EXPECT_EQ(result.detail, "no answer within 1s");
    EXPECT_GE(elapsed, 1s);
    EXPECT_LT(elapsed, 1300ms);
  }
  server.thaw();
  EXPECT_EQ(kept->check(2s).status, ProbeStatus::Healthy);
}

TEST(PostgresProbe, QueryBehindAnotherSessionsLockIsLockedThenHealthyAgain) {
  PostgresServer server;
  server.psql("CREATE TABLE items (id int); INSERT INTO items SELECT generate_series(1, 10)");
  auto probe = make(keys(server, "        query: SELECT count(*) FROM items\n"));
  ASSERT_EQ(probe->check(1s).status, ProbeStatus::Healthy);  // the kept connection is reused next

  pqxx::connection migration(server.dsn());
  auto lock = std::make_unique<pqxx::work>(migration);
  lock->exec("LOCK TABLE items IN ACCESS EXCLUSIVE MODE");
  const auto start = std::chrono::steady_clock::now();
  auto result = probe->check(1s);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(result.failure, FailureKind::Locked) << describe(result);
  EXPECT_NE(result.detail.find("waited on a lock for 0.8 s"), std::string::npos) << result.detail;
  EXPECT_NE(result.detail.find("relation items is locked by another session"), std::string::npos)
      << result.detail;
  EXPECT_LT(elapsed, 1s) << "the server answered before the client-side deadline";
  EXPECT_EQ(probe->check(1s).failure, FailureKind::Locked) << "a fresh connection sees it too";

  lock->abort();
  lock.reset();
  result = probe->check(1s);
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << describe(result);
}

TEST(PostgresProbe, DamagedHeapPageIsCorrupt) {
  PostgresServer server;
  server.psql(
      "CREATE TABLE items (id int, v text);"
      "INSERT INTO items SELECT g, 'row ' || g FROM generate_series(1, 500) g");
  corrupt_first_page(server, "postgres", "items");
  auto probe = make(keys(server, "        query: SELECT count(*) FROM items\n"));
  auto result = probe->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(result.failure, FailureKind::Corrupt) << describe(result);
  EXPECT_NE(result.detail.find("SQLSTATE XX001"), std::string::npos) << result.detail;
  EXPECT_NE(result.detail.find("invalid page in block 0"), std::string::npos) << result.detail;
  EXPECT_EQ(result.detail.find(server.password()), std::string::npos);
  // The default query does not touch the table: the server itself is fine.
  EXPECT_EQ(make(keys(server))->check(2s).status, ProbeStatus::Healthy);
}

TEST(PostgresProbe, ConnectionsNearMaxAreDegraded) {
  PostgresServer server(10);
  auto probe = make(keys(server, "        connections_warn: 50%\n"));
  ASSERT_EQ(probe->check(2s).status, ProbeStatus::Healthy);
  std::vector<std::unique_ptr<pqxx::connection>> idle;
  for (int i = 0; i < 5; ++i) idle.push_back(std::make_unique<pqxx::connection>(server.dsn()));
  auto result = probe->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Degraded) << describe(result);
  EXPECT_EQ(result.failure, FailureKind::Threshold);
  EXPECT_NE(result.detail.find("6/10 connections"), std::string::npos) << result.detail;
  EXPECT_DOUBLE_EQ(measurement(result, "postgres_connections_used_ratio").value_or(0), 0.6);
}

TEST(PostgresProbe, KilledKeptConnectionIsReplacedWithinOneCheck) {
  PostgresServer server;
  auto probe = make(keys(server));
  ASSERT_EQ(probe->check(2s).status, ProbeStatus::Healthy);
  const std::string find = "SELECT pid FROM pg_stat_activity WHERE application_name='watchdog'";
  const std::string before = server.psql(find);
  ASSERT_FALSE(before.empty());
  EXPECT_EQ(server.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                        "WHERE application_name='watchdog'"),
            "t\n");
  auto result = probe->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << describe(result);
  const std::string after = server.psql(find);
  EXPECT_FALSE(after.empty());
  EXPECT_NE(after, before);
  EXPECT_EQ(probe->check(2s).status, ProbeStatus::Healthy);
  EXPECT_EQ(server.psql(find), after) << "the new connection is kept";
}

TEST(PostgresProbe, ReplicaExpectedOnPrimaryIsUnhealthy) {
  PostgresServer server;
  auto result = make(keys(server, "        expect_role: replica\n"))->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(result.failure, FailureKind::BadResponse);
  EXPECT_EQ(result.detail, "server is a primary, expected replica");
  EXPECT_EQ(make(keys(server, "        expect_role: primary\n"))->check(2s).status,
            ProbeStatus::Healthy);
}

TEST(PostgresProbe, ConfigErrorsNameTheKeyNeverTheSecret) {
  const std::string secret = "cfg-secret-sentinel-19fe";
  auto error_of = [](const std::string& settings) -> std::string {
    try {
      make(settings);
    } catch (const config::ConfigError& error) {
      return error.what();
    }
    return "";
  };
  auto both =
      error_of("        dsn: host=127.0.0.1 password=" + secret + "\n        host: 127.0.0.1\n");
  EXPECT_NE(both.find("probes[0].host"), std::string::npos) << both;
  EXPECT_NE(both.find("not both"), std::string::npos) << both;
  auto sslmode =
      error_of("        dsn: host=127.0.0.1 password=" + secret + "\n        sslmode: sometimes\n");
  EXPECT_NE(sslmode.find("probes[0].sslmode"), std::string::npos) << sslmode;
  auto role =
      error_of("        host: h\n        password: " + secret + "\n        expect_role: leader\n");
  EXPECT_NE(role.find("expect_role"), std::string::npos) << role;
  auto neither = error_of("        query: SELECT 2\n");
  EXPECT_NE(neither.find("host"), std::string::npos) << neither;
  for (const auto& text : {both, sslmode, role}) EXPECT_EQ(text.find(secret), std::string::npos);
}

}  // namespace
}  // namespace watchdog::testing
