// The `mysql` probe against a real MariaDB (tests/support/mariadb_server.h). Two tests, one
// server each (start-up costs ~5 s, and ctest runs every test in a process of its own): healthy
// figures, a procedure's several results, roles, the connection budget, a broken replication
// link on a named connection and replication stopped on purpose; then rejected logins (wrong
// password, locked account, the user's connection limit), an unknown database, and the server
// stopped and frozen.
#include <gtest/gtest.h>

#include <filesystem>

#include "probes/clients/mysql_session.h"
#include "tests/integration/probe_fixture.h"
#include "tests/support/mariadb_server.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
using probes::FailureKind;
using probes::ProbeResult;
using probes::ProbeStatus;

constexpr const char* kWrongPassword = "mysql-pw-sentinel-7c3a";

class MysqlProbeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // An unprivileged login, as a monitoring user without REPLICA MONITOR would be.
    server_.sql("CREATE DATABASE shop; CREATE USER 'app'@'127.0.0.1' IDENTIFIED BY 'app-pw-41d9';");
  }

  // A probe of this test's server as `user` (root: its password), then `extra`.
  std::unique_ptr<probes::Probe> probe(const std::string& extra = "",
                                       const std::string& user = "root",
                                       const std::string& password = "") {
    return make("        host: 127.0.0.1\n        port: " + std::to_string(server_.port()) +
                    "\n        user: " + user + "\n        password: " +
                    (password.empty() ? server_.password() : password) + "\n" + extra,
                "mysql");
  }

  MariaDbServer server_;
};

TEST_F(MysqlProbeTest, HealthyFiguresRolesConnectionBudgetAndBrokenReplication) {
  // A procedure answers with its result set and then a status: both are read, so the
  // statements after it are not "out of sync".
  server_.sql("CREATE PROCEDURE shop.two_rows() SELECT 1 AS n UNION ALL SELECT 2");
  auto result = probe("        database: shop\n        query: CALL two_rows()\n")->check(5s);
  ASSERT_EQ(result.status, ProbeStatus::Healthy) << describe(result);
  EXPECT_NE(result.detail.find("primary"), std::string::npos) << result.detail;
  EXPECT_GT(measurement(result, "mysql_query_seconds").value_or(-1), 0);
  EXPECT_GE(measurement(result, "mysql_connections").value_or(0), 1);  // this probe's own
  EXPECT_EQ(measurement(result, "mysql_max_connections"), 20);
  EXPECT_GT(measurement(result, "mysql_connections_used_ratio").value_or(0), 0);
  EXPECT_EQ(measurement(result, "mysql_replica"), 0);
  EXPECT_FALSE(measurement(result, "mysql_replica_lag_seconds"));
  EXPECT_FALSE(measurement(result, "mysql_replica_threads_running"));

  // The harness keeps root's password out of the server user's reach.
  namespace fs = std::filesystem;
  EXPECT_EQ(fs::status(server_.client_defaults_file()).permissions(),
            fs::perms::owner_read | fs::perms::owner_write);
  EXPECT_EQ(fs::status(server_.client_defaults_file().parent_path()).permissions(),
            fs::perms::owner_all);
  EXPECT_EQ(std::distance(fs::directory_iterator(server_.client_defaults_file().parent_path()),
                          fs::directory_iterator()),
            1)
      << "the password script is deleted";

  EXPECT_EQ(probe("        expect_role: primary\n")->check(5s).status, ProbeStatus::Healthy);
  auto wrong_role = probe("        expect_role: replica\n")->check(5s);
  EXPECT_EQ(wrong_role.status, ProbeStatus::Unhealthy) << describe(wrong_role);
  EXPECT_EQ(wrong_role.failure, FailureKind::BadResponse);
  EXPECT_NE(wrong_role.detail.find("not a replica"), std::string::npos) << wrong_role.detail;

  auto over_budget = probe("        connections_warn: 1%\n")->check(5s);
  EXPECT_EQ(over_budget.status, ProbeStatus::Degraded) << describe(over_budget);
  EXPECT_EQ(over_budget.failure, FailureKind::Threshold);
  EXPECT_NE(over_budget.detail.find("of 20"), std::string::npos) << over_budget.detail;

  // A replica whose source does not answer: the IO thread stays "Connecting", the SQL one runs.
  // A named connection (MariaDB multi-source), which only SHOW ALL … STATUS lists.
  server_.sql("CHANGE MASTER 'feed' TO MASTER_HOST='127.0.0.1', MASTER_PORT=" +
              std::to_string(free_port()) +
              ", MASTER_USER='repl', MASTER_PASSWORD='repl-pw', MASTER_CONNECT_RETRY=1;"
              " START SLAVE 'feed';");
  auto replica_probe = probe("        expect_role: replica\n");
  ProbeResult replica;
  ASSERT_TRUE(wait_until(  // START SLAVE returns before the SQL thread reports running
      [&] {
        replica = replica_probe->check(5s);
        return measurement(replica, "mysql_replica_threads_running") == 1;
      },
      10s, 100ms))
      << describe(replica);
  auto other_role = probe("        expect_role: primary\n")->check(5s);
  auto any_role = probe()->check(5s);
  // Promoted: STOP SLAVE; RESET SLAVE (not ALL) keeps a row with both threads "No" and no error.
  server_.sql("STOP SLAVE 'feed'; RESET SLAVE 'feed';");
  ASSERT_NE(server_.sql("SHOW ALL SLAVES STATUS"), "") << "the row stays";
  auto promoted = probe("        expect_role: primary\n")->check(5s);
  server_.sql("RESET SLAVE 'feed' ALL;");

  EXPECT_EQ(replica.status, ProbeStatus::Unhealthy) << describe(replica);
  EXPECT_EQ(replica.failure, FailureKind::BadResponse) << describe(replica);
  EXPECT_NE(replica.detail.find("channel 'feed' IO thread"), std::string::npos) << replica.detail;
  EXPECT_EQ(replica.detail.find("repl-pw"), std::string::npos) << replica.detail;
  EXPECT_EQ(measurement(replica, "mysql_replica"), 1);
  EXPECT_EQ(measurement(replica, "mysql_replica_threads_running"), 1);  // SQL only
  EXPECT_FALSE(measurement(replica, "mysql_replica_lag_seconds")) << "NULL while not connected";
  EXPECT_EQ(other_role.failure, FailureKind::BadResponse) << describe(other_role);
  EXPECT_EQ(any_role.status, ProbeStatus::Degraded) << describe(any_role);
  EXPECT_EQ(promoted.status, ProbeStatus::Healthy) << describe(promoted);
  EXPECT_EQ(measurement(promoted, "mysql_replica"), 0);
}

TEST_F(MysqlProbeTest, RejectedLoginsUnknownDatabaseDownAndFrozenServer) {
  auto wrong_password = probe("", "root", kWrongPassword)->check(5s);
  EXPECT_EQ(wrong_password.status, ProbeStatus::Unhealthy) << describe(wrong_password);
  EXPECT_EQ(wrong_password.failure, FailureKind::Auth) << describe(wrong_password);
  EXPECT_NE(wrong_password.detail.find("access denied for user 'root'"), std::string::npos)
      << wrong_password.detail;
  EXPECT_EQ(wrong_password.detail.find(kWrongPassword), std::string::npos);

  server_.sql(
      "CREATE USER 'locked'@'127.0.0.1' IDENTIFIED BY 'locked-pw-5e1b' ACCOUNT LOCK;"
      " CREATE USER 'capped'@'127.0.0.1' IDENTIFIED BY 'capped-pw-08f2' WITH"
      " MAX_USER_CONNECTIONS 1;");
  auto locked = probe("", "locked", "locked-pw-5e1b")->check(5s);
  EXPECT_EQ(locked.failure, FailureKind::Auth) << describe(locked);
  probes::mysql::Session holder({"127.0.0.1", server_.port(), "capped", "capped-pw-08f2", {}});
  ASSERT_TRUE(holder.connect(std::chrono::steady_clock::now() + 5s).ok());
  auto capped = probe("", "capped", "capped-pw-08f2")->check(5s);
  holder.close();
  EXPECT_EQ(capped.status, ProbeStatus::Unhealthy) << describe(capped);
  EXPECT_EQ(capped.failure, FailureKind::Threshold) << describe(capped);
  EXPECT_NE(capped.detail.find("connection limit reached"), std::string::npos) << capped.detail;

  auto unknown_database = probe("        database: no_such_db\n")->check(5s);
  EXPECT_EQ(unknown_database.status, ProbeStatus::Unhealthy) << describe(unknown_database);
  EXPECT_EQ(unknown_database.failure, FailureKind::NotFound) << describe(unknown_database);
  EXPECT_NE(unknown_database.detail.find("unknown database 'no_such_db'"), std::string::npos);

  // The unprivileged user: may log in, but not into `shop` (1044), nor read the replica status.
  auto no_grant = probe("        database: shop\n", "app", "app-pw-41d9")->check(5s);
  EXPECT_EQ(no_grant.failure, FailureKind::Auth) << describe(no_grant);
  auto plain = probe("", "app", "app-pw-41d9")->check(5s);
  EXPECT_EQ(plain.status, ProbeStatus::Healthy) << describe(plain);
  EXPECT_FALSE(measurement(plain, "mysql_replica")) << "no REPLICA MONITOR: figures absent";
  auto role = probe("        expect_role: primary\n", "app", "app-pw-41d9")->check(5s);
  EXPECT_EQ(role.failure, FailureKind::Auth) << describe(role);
  EXPECT_NE(role.detail.find("REPLICA MONITOR"), std::string::npos) << role.detail;
  for (const auto* result : {&wrong_password, &unknown_database, &no_grant, &role}) {
    EXPECT_EQ(result->detail.find(server_.password()), std::string::npos) << result->detail;
  }

  // A server that is down or hung is unhealthy, never merely degraded.
  auto check = probe();
  server_.freeze();
  const auto start = std::chrono::steady_clock::now();
  auto frozen = check->check(1500ms);
  const auto took = std::chrono::steady_clock::now() - start;
  server_.thaw();
  EXPECT_EQ(frozen.status, ProbeStatus::Unhealthy) << describe(frozen);
  EXPECT_EQ(frozen.failure, FailureKind::Timeout) << describe(frozen);
  EXPECT_GE(took, 1400ms);
  EXPECT_LT(took, 4s) << "the check must end at its timeout, not the library's";

  server_.stop();
  auto down = check->check(2s);
  EXPECT_EQ(down.status, ProbeStatus::Unhealthy) << describe(down);
  EXPECT_EQ(down.failure, FailureKind::Refused) << describe(down);
  server_.start();
  auto back = check->check(5s);
  EXPECT_EQ(back.status, ProbeStatus::Healthy) << describe(back);
}

}  // namespace
}  // namespace watchdog::testing
