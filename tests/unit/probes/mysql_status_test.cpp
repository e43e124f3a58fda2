// The `mysql` probe's verdict (probes/mysql_status.h) and error classes
// (probes/clients/mysql_session.h) and its keys: pure, figures in, verdicts out. The real
// server is in tests/integration/mysql_probe_test.cpp.
#include "probes/mysql_status.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "config/options.h"
#include "probes/clients/mysql_session.h"
#include "tests/unit/probes/probe_test_helpers.h"

namespace watchdog::probes::mysql_status {
namespace {

using namespace std::chrono_literals;
using testing::measurement;

Replica replica(std::string io, std::string sql, std::optional<double> lag,
                std::string io_error = "", std::string channel = "") {
  return {std::move(io), std::move(sql), lag, std::move(io_error), "", std::move(channel)};
}

// A replica stopped on purpose: STOP SLAVE; RESET SLAVE (not ALL) after a promotion.
const Replica kStoppedOnPurpose = replica("No", "No", std::nullopt);

TEST(MysqlStatus, RulesTable) {
  struct Case {
    std::string what;
    Role role;
    std::vector<Replica> replicas;
    ProbeStatus status;
    FailureKind kind;
    std::string detail_part;
  };
  const auto healthy_replica = replica("Yes", "Yes", 1);
  const std::vector<Case> cases = {
      {"primary, any role", Role::Any, {}, ProbeStatus::Healthy, FailureKind::None, "primary"},
      {"primary expected", Role::Primary, {}, ProbeStatus::Healthy, FailureKind::None, "primary"},
      {"replica expected, none",
       Role::Replica,
       {},
       ProbeStatus::Unhealthy,
       FailureKind::BadResponse,
       "not a replica (no replication configured), expected replica"},
      {"primary expected, a replica",
       Role::Primary,
       {healthy_replica},
       ProbeStatus::Unhealthy,
       FailureKind::BadResponse,
       "expected primary"},
      {"replica running",
       Role::Replica,
       {healthy_replica},
       ProbeStatus::Healthy,
       FailureKind::None,
       "replica, lag 1s"},
      {"IO thread connecting",
       Role::Replica,
       {replica("Connecting", "Yes", std::nullopt, "error connecting to master")},
       ProbeStatus::Unhealthy,
       FailureKind::BadResponse,
       "replication stopped: IO thread Connecting (error connecting to master)"},
      {"SQL thread stopped, role not expected",
       Role::Any,
       {replica("Yes", "No", std::nullopt)},
       ProbeStatus::Degraded,
       FailureKind::BadResponse,
       "SQL thread No"},
      {"lag over warn",
       Role::Replica,
       {replica("Yes", "Yes", 90)},
       ProbeStatus::Degraded,
       FailureKind::Threshold,
       "replica lag 1m30s (warn 1m)"},
      {"lag over critical",
       Role::Replica,
       {replica("Yes", "Yes", 600)},
       ProbeStatus::Unhealthy,
       FailureKind::Threshold,
       "replica lag 10m (critical 5m)"},
      {"worst first, all named",
       Role::Replica,
       {replica("Yes", "No", 600)},
       ProbeStatus::Unhealthy,
       FailureKind::BadResponse,
       "replication stopped: SQL thread No; replica lag 10m (critical 5m); connections"},
      // STOP SLAVE; RESET SLAVE: the row stays, the server is no replica and nothing is broken.
      {"stopped on purpose, primary expected",
       Role::Primary,
       {kStoppedOnPurpose},
       ProbeStatus::Healthy,
       FailureKind::None,
       "primary"},
      {"stopped on purpose, any role",
       Role::Any,
       {kStoppedOnPurpose},
       ProbeStatus::Healthy,
       FailureKind::None,
       "primary"},
      {"stopped on purpose, replica expected",
       Role::Replica,
       {kStoppedOnPurpose},
       ProbeStatus::Unhealthy,
       FailureKind::BadResponse,
       "not a replica"},
      {"stopped by an error is broken",
       Role::Any,
       {{"No", "No", std::nullopt, "", "Duplicate entry '1'", ""}},
       ProbeStatus::Degraded,
       FailureKind::BadResponse,
       "SQL thread No (Duplicate entry '1')"},
      // Several channels (MariaDB named connections, MySQL channels): the worst decides.
      {"one channel of two broken",
       Role::Replica,
       {healthy_replica, replica("Connecting", "Yes", std::nullopt, "", "feed")},
       ProbeStatus::Unhealthy,
       FailureKind::BadResponse,
       "replication stopped: channel 'feed' IO thread Connecting"},
      {"the most lagging channel",
       Role::Replica,
       {replica("Yes", "Yes", 600, "", "eu"), healthy_replica, replica("Yes", "Yes", 90, "", "us")},
       ProbeStatus::Unhealthy,
       FailureKind::Threshold,
       "replica lag 10m in channel 'eu' (critical 5m)"},
      {"a channel stopped on purpose beside a running one",
       Role::Primary,
       {kStoppedOnPurpose, replica("Yes", "Yes", 0, "", "feed")},
       ProbeStatus::Unhealthy,
       FailureKind::BadResponse,
       "expected primary"},
  };
  for (const auto& c : cases) {
    Settings settings;
    settings.expect_role = c.role;
    settings.replica_lag_warn = 1min;
    settings.replica_lag_critical = 5min;
    Figures figures{2ms, c.what.find("all named") != std::string::npos ? 19.0 : 5.0, 20, true,
                    c.replicas};
    auto result = evaluate(settings, figures);
    EXPECT_EQ(result.status, c.status) << c.what << ": " << result.detail;
    EXPECT_EQ(result.failure, c.kind) << c.what << ": " << result.detail;
    EXPECT_NE(result.detail.find(c.detail_part), std::string::npos)
        << c.what << ": " << result.detail;
    const bool replicating = std::any_of(c.replicas.begin(), c.replicas.end(),
                                         [](const Replica& r) { return !stopped_on_purpose(r); });
    EXPECT_EQ(measurement(result, "mysql_replica"), replicating ? 1 : 0) << c.what;
  }
}

TEST(MysqlStatus, MeasurementsAndThresholds) {
  Settings settings;
  settings.latency_warn = 10ms;
  Figures figures{25ms, 18, 20, true, {replica("Yes", "No", std::nullopt)}};
  auto result = evaluate(settings, figures);
  EXPECT_EQ(result.status, ProbeStatus::Degraded) << result.detail;
  EXPECT_EQ(result.detail,
            "replication stopped: SQL thread No; connections 18 of 20 (90%, warn 90%); query took "
            "25.0 ms (warn 10ms)");
  EXPECT_DOUBLE_EQ(measurement(result, "mysql_query_seconds"), 0.025);
  EXPECT_EQ(measurement(result, "mysql_connections"), 18);
  EXPECT_EQ(measurement(result, "mysql_max_connections"), 20);
  EXPECT_DOUBLE_EQ(measurement(result, "mysql_connections_used_ratio"), 0.9);
  EXPECT_EQ(measurement(result, "mysql_replica_threads_running"), 1);
  EXPECT_EQ(measurement(result, "mysql_replica_lag_seconds"), -1) << "NULL lag: absent";

  figures.replicas = {replica("Yes", "Yes", 3)};
  figures.connections = 2;
  figures.query_time = 1ms;
  result = evaluate(settings, figures);
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_EQ(result.detail, "query in 1.0 ms, replica, lag 3s, connections 2/20");
  EXPECT_EQ(measurement(result, "mysql_replica_lag_seconds"), 3);
  EXPECT_EQ(measurement(result, "mysql_replica_threads_running"), 2);

  // Several channels: the worst lag and the fewest running threads.
  figures.replicas = {replica("Yes", "Yes", 3, "", "a"), replica("Connecting", "Yes", 1, "", "b"),
                      replica("Yes", "Yes", 7, "", "c"), kStoppedOnPurpose};
  result = evaluate(settings, figures);
  EXPECT_EQ(measurement(result, "mysql_replica_lag_seconds"), 7);
  EXPECT_EQ(measurement(result, "mysql_replica_threads_running"), 1);
  EXPECT_EQ(result.detail, "replication stopped: channel 'b' IO thread Connecting");
  figures.replicas[1].io_running = "Yes";
  result = evaluate(settings, figures);
  EXPECT_EQ(result.detail, "query in 1.0 ms, replica (3 channels), lag 7s, connections 2/20");

  figures.replicas = {kStoppedOnPurpose};  // promoted: no replica figures, primary
  result = evaluate(settings, figures);
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_EQ(measurement(result, "mysql_replica"), 0);
  EXPECT_EQ(measurement(result, "mysql_replica_threads_running"), -1);

  figures.replica_known = false;  // no privilege to read it: no replica figures, no verdict
  figures.replicas.clear();
  result = evaluate(settings, figures);
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_EQ(measurement(result, "mysql_replica"), -1);
}

TEST(MysqlStatus, ParsesEveryChannelUnderEitherNaming) {
  EXPECT_TRUE(parse_replicas({"Slave_IO_Running"}, {}).empty());
  // MariaDB's SHOW ALL SLAVES STATUS: one row per named connection ("" is the default one).
  auto mariadb = parse_replicas({"Connection_name", "Slave_IO_State", "Slave_IO_Running",
                                 "Slave_SQL_Running", "Seconds_Behind_Master", "Last_IO_Error"},
                                {{"", "Waiting", "Yes", "No", std::nullopt, "boom"},
                                 {"feed", "Waiting", "Yes", "Yes", "12", ""}});
  ASSERT_EQ(mariadb.size(), 2u);
  EXPECT_EQ(mariadb[0].channel, "");
  EXPECT_EQ(mariadb[0].io_running, "Yes");
  EXPECT_EQ(mariadb[0].sql_running, "No");
  EXPECT_FALSE(mariadb[0].lag_seconds);
  EXPECT_EQ(mariadb[0].last_io_error, "boom");
  EXPECT_EQ(mariadb[1].channel, "feed");
  EXPECT_EQ(mariadb[1].lag_seconds, 12);
  // MySQL 8's SHOW REPLICA STATUS: one row per channel.
  auto mysql8 = parse_replicas(
      {"Replica_IO_Running", "Replica_SQL_Running", "Seconds_Behind_Source", "Channel_Name"},
      {{"Yes", "Yes", "42", ""}, {"No", "No", std::nullopt, "group_replication_applier"}});
  ASSERT_EQ(mysql8.size(), 2u);
  EXPECT_EQ(mysql8[0].sql_running, "Yes");
  EXPECT_EQ(mysql8[0].lag_seconds, 42);
  EXPECT_EQ(mysql8[1].channel, "group_replication_applier");
  EXPECT_TRUE(stopped_on_purpose(mysql8[1]));
  EXPECT_FALSE(stopped_on_purpose(mysql8[0]));
  EXPECT_FALSE(stopped_on_purpose(mariadb[0]));
}

TEST(MysqlSession, ClassifiesErrorNumbers) {
  using mysql::classify_error;
  using mysql::Failure;
  EXPECT_EQ(classify_error(1045, "Access denied for user 'x'@'h' (using password: YES)"),
            Failure::Auth);
  EXPECT_EQ(classify_error(1044, "Access denied for user 'x'@'h' to database 'd'"), Failure::Auth);
  EXPECT_EQ(classify_error(1049, "Unknown database 'd'"), Failure::UnknownDatabase);
  EXPECT_EQ(classify_error(1040, "Too many connections"), Failure::TooManyConnections);
  EXPECT_EQ(classify_error(2003, "Can't connect to server on '127.0.0.1' (111)"), Failure::Refused);
  EXPECT_EQ(classify_error(2002, "Can't connect to local server through socket '/x' (2)"),
            Failure::Refused);
  EXPECT_EQ(classify_error(2003, "Can't connect to server on '10.0.0.1' (113)"),
            Failure::ConnectionError);
  EXPECT_EQ(classify_error(2013, "Lost connection to server during query"),
            Failure::ConnectionError);
  EXPECT_EQ(classify_error(1064, "You have an error in your SQL syntax"), Failure::ServerError);
  // A locked account or an expired password: the login is refused, like a wrong password.
  EXPECT_EQ(classify_error(3118, "Access denied for user 'x'@'h'. Account is locked."),
            Failure::Auth);
  EXPECT_EQ(classify_error(4151, "Access denied, this account is locked"), Failure::Auth);
  EXPECT_EQ(classify_error(1820, "You must SET PASSWORD before executing this statement"),
            Failure::Auth);
  // The user's own connection limits count like max_connections.
  EXPECT_EQ(classify_error(1203,
                           "User x already has more than 'max_user_connections' active "
                           "connections"),
            Failure::TooManyConnections);
  EXPECT_EQ(classify_error(1226, "User 'x' has exceeded the 'max_user_connections' resource"),
            Failure::TooManyConnections);
  EXPECT_EQ(classify_error(1129,
                           "Host '10.0.0.7' is blocked because of many connection errors; "
                           "unblock with 'mariadb-admin flush-hosts'"),
            Failure::HostBlocked);
}

TEST(MysqlSession, ClassifiesTheRawMessageThenRedacts) {
  using mysql::error_outcome;
  using mysql::Failure;
  // A password that is part of the refusal's text: still Refused, and not shown.
  auto refused = error_outcome(2003, "Can't connect to server on '127.0.0.1' (111)", "111)");
  EXPECT_EQ(refused.failure, Failure::Refused);
  EXPECT_EQ(refused.message, "Can't connect to server on '127.0.0.1' (***");
  EXPECT_EQ(refused.code, 2003u);
  // Shorter than 4 characters: not redacted, so messages stay readable.
  EXPECT_EQ(mysql::redact("Can't connect to server on '127.0.0.1' (111)", "1"),
            "Can't connect to server on '127.0.0.1' (111)");
  EXPECT_EQ(mysql::redact("Access denied", "a"), "Access denied");
  EXPECT_EQ(mysql::redact("pw s3cret and s3cret", "s3cret"), "pw *** and ***");
  EXPECT_EQ(mysql::redact("no password", std::nullopt), "no password");
  EXPECT_EQ(mysql::redact("aaaaaaaa", "aaaa"), "******");
}

TEST(MysqlProbeKeys, ValidatesAndNeverShowsThePassword) {
  EXPECT_TRUE(testing::probe_from_yaml("mysql", "host: db\nuser: app\npassword: s3cret-9f\n"));
  auto error_of = [](const std::string& keys) {
    try {
      testing::probe_from_yaml("mysql", keys);
    } catch (const config::ConfigError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of("host: db\n").find("user"), std::string::npos);
  EXPECT_NE(error_of("host: db\nuser: a\nexpect_role: leader\npassword: s3cret-9f\n")
                .find("primary or replica"),
            std::string::npos);
  EXPECT_NE(error_of("host: db\nuser: a\nreplica_lag_warn: 5m\nreplica_lag_critical: 1m\n")
                .find("shorter than replica_lag_critical"),
            std::string::npos);
  const auto typo = error_of("host: db\nuser: a\npasword: s3cret-9f\n");
  EXPECT_NE(typo.find("pasword"), std::string::npos) << typo;
  EXPECT_EQ(typo.find("s3cret-9f"), std::string::npos) << typo;
}

}  // namespace
}  // namespace watchdog::probes::mysql_status
