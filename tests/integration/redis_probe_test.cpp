// The `redis` probe against real redis-server processes: auth, ACL users, refused and frozen
// servers, persistence and memory thresholds, kept connections, config errors, secrets.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <optional>
#include <sstream>
#include <thread>

#include "config/loader.h"
#include "probes/factory.h"
#include "tests/integration/harness.h"
#include "tests/support/redis_server.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
using probes::FailureKind;
using probes::ProbeResult;
using probes::ProbeStatus;

constexpr const char* kPassword = "redis-pw-sentinel-5e1f";

std::string probe_yaml(const std::string& keys) {
  std::ostringstream yaml;
  yaml << "components:\n  - name: cache\n    probes:\n      - name: cache-redis\n"
          "        kind: redis\n";
  std::istringstream lines(keys);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) yaml << "        " << line << "\n";
  }
  return yaml.str();
}

// `keys`: the probe's own YAML keys, one per line, unindented; host and port are added.
std::unique_ptr<probes::Probe> redis_probe(const RedisServer& server,
                                           const std::string& keys = "") {
  auto config = config::load_config_text(
      probe_yaml("host: 127.0.0.1\nport: " + std::to_string(server.port()) + "\n" + keys),
      "test.yaml");
  return probes::make_probe(config.components.at(0).probes.at(0));
}

std::optional<double> measurement(const ProbeResult& result, const std::string& name) {
  for (const auto& m : result.measurements) {
    if (m.name == name) return m.value;
  }
  return std::nullopt;
}

std::string describe(const ProbeResult& result) {
  return std::string(probes::to_string(result.status)) + "/" +
         std::string(probes::to_string(result.failure)) + ": " + result.detail;
}

void expect_no_password(const ProbeResult& result) {
  EXPECT_EQ(result.detail.find(kPassword), std::string::npos) << result.detail;
}

TEST(RedisProbe, HealthyServerReportsMeasurements) {
  RedisServer server;
  auto probe = redis_probe(server);
  auto result = probe->check(2s);
  ASSERT_EQ(result.status, ProbeStatus::Healthy) << describe(result);
  EXPECT_NE(result.detail.find("PONG"), std::string::npos) << result.detail;
  EXPECT_GT(result.latency.count(), 0);
  EXPECT_GT(measurement(result, "redis_ping_seconds").value_or(-1), 0);
  EXPECT_GE(measurement(result, "redis_connected_clients").value_or(0), 1);
  EXPECT_GT(measurement(result, "redis_used_memory_bytes").value_or(0), 0);
  EXPECT_GE(measurement(result, "redis_last_save_age_seconds").value_or(-1), 0);
  EXPECT_EQ(measurement(result, "redis_rdb_last_bgsave_ok"), 1.0);
  EXPECT_FALSE(measurement(result, "redis_memory_used_ratio")) << "maxmemory is 0";
  EXPECT_FALSE(measurement(result, "redis_aof_last_write_ok")) << "AOF is off";
}

TEST(RedisProbe, AofEnabledReportsLastWrite) {
  RedisServer server({"", {"--appendonly", "yes"}});
  auto result = redis_probe(server)->check(2s);
  ASSERT_EQ(result.status, ProbeStatus::Healthy) << describe(result);
  EXPECT_EQ(measurement(result, "redis_aof_last_write_ok"), 1.0);
}

TEST(RedisProbe, RoleMismatchIsUnhealthy) {
  RedisServer server;
  EXPECT_EQ(redis_probe(server, "expect_role: master")->check(2s).status, ProbeStatus::Healthy);
  auto result = redis_probe(server, "expect_role: replica")->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy) << describe(result);
  EXPECT_EQ(result.failure, FailureKind::BadResponse);
  EXPECT_NE(result.detail.find("role master, expected replica"), std::string::npos)
      << result.detail;
}

TEST(RedisProbe, RequirepassWithRightPasswordIsHealthy) {
  RedisServer server({kPassword, {}});
  auto inline_password = redis_probe(server, std::string("password: ") + kPassword);
  auto result = inline_password->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << describe(result);

  TempDir dir;
  auto file = dir.write("redis-password", std::string(kPassword) + "\n");
  result = redis_probe(server, "password_file: " + file.string())->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << describe(result);
}

TEST(RedisProbe, WrongPasswordIsAuthFailureWithoutThePassword) {
  RedisServer server({"the-right-one", {}});
  auto result = redis_probe(server, std::string("password: ") + kPassword)->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy) << describe(result);
  EXPECT_EQ(result.failure, FailureKind::Auth) << describe(result);
  EXPECT_NE(result.detail.find("wrong password"), std::string::npos) << result.detail;
  expect_no_password(result);
}

TEST(RedisProbe, MissingPasswordIsAuthFailure) {
  RedisServer server({kPassword, {}});
  auto result = redis_probe(server)->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy) << describe(result);
  EXPECT_EQ(result.failure, FailureKind::Auth);
  EXPECT_NE(result.detail.find("authentication required but no password configured"),
            std::string::npos)
      << result.detail;
}

TEST(RedisProbe, AclUserAuthenticatesAndSelectsDatabase) {
  RedisServer server;
  ASSERT_EQ(server.command({"ACL", "SETUSER", "probe", "on", std::string(">") + kPassword, "+ping",
                            "+info", "+select", "~*"}),
            "OK");
  auto result = redis_probe(server, std::string("user: probe\ndatabase: 3\npassword: ") + kPassword)
                    ->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << describe(result);

  result = redis_probe(server, std::string("user: nobody\npassword: ") + kPassword)->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy) << describe(result);
  EXPECT_EQ(result.failure, FailureKind::Auth) << describe(result);
  EXPECT_NE(result.detail.find("user 'nobody'"), std::string::npos) << result.detail;
  expect_no_password(result);
}

TEST(RedisProbe, StoppedServerIsRefused) {
  RedisServer server;
  auto probe = redis_probe(server);  // keeps its connection
  ASSERT_EQ(probe->check(2s).status, ProbeStatus::Healthy);
  server.stop();
  auto result = probe->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy) << describe(result);
  EXPECT_EQ(result.failure, FailureKind::Refused) << describe(result);
  EXPECT_NE(result.detail.find("connection refused"), std::string::npos) << result.detail;
}

// A frozen server accepts connections (kernel backlog) but never answers: the check must end
// at its timeout, and a probe of another server on another thread must not notice.
TEST(RedisProbe, FrozenServerTimesOutWithoutBlockingOthers) {
  RedisServer frozen;
  RedisServer live;
  auto kept = redis_probe(frozen);
  auto fresh = redis_probe(frozen, "keep_connection: false");
  auto other = redis_probe(live);
  ASSERT_EQ(kept->check(2s).status, ProbeStatus::Healthy);
  frozen.freeze();

  std::chrono::nanoseconds slowest_other{0};
  int other_checks = 0;
  bool other_healthy = true;
  std::atomic<bool> done{false};
  std::thread neighbour([&] {
    while (!done) {
      auto result = other->check(2s);
      other_healthy = other_healthy && result.status == ProbeStatus::Healthy;
      slowest_other = std::max(slowest_other, result.latency);
      ++other_checks;
      std::this_thread::sleep_for(20ms);
    }
  });
  for (auto* probe : {kept.get(), fresh.get()}) {
    auto start = std::chrono::steady_clock::now();
    auto result = probe->check(1s);
    auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(result.status, ProbeStatus::Unhealthy) << describe(result);
    EXPECT_EQ(result.failure, FailureKind::Timeout) << describe(result);
    EXPECT_GE(elapsed, 900ms);
    EXPECT_LT(elapsed, 2s);
  }
  done = true;
  neighbour.join();
  EXPECT_GT(other_checks, 5);
  EXPECT_TRUE(other_healthy);
  EXPECT_LT(slowest_other, 500ms);

  frozen.thaw();
  auto result = kept->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << describe(result);
}

// A real failed BGSAVE: the server's working dir is deleted under it.
TEST(RedisProbe, FailedBgsaveIsDegradedOrCritical) {
  RedisServer server({"", {"--enable-protected-configs", "yes"}});
  const auto doomed = server.dir() / "doomed";
  std::filesystem::create_directory(doomed);
  ASSERT_EQ(server.command({"CONFIG", "SET", "dir", doomed.string()}), "OK");
  std::filesystem::remove_all(doomed);
  ASSERT_EQ(server.command({"SET", "key", "value"}), "OK");
  server.command({"BGSAVE"});
  ASSERT_TRUE(wait_until([&] { return server.info("rdb_last_bgsave_status") == "err"; }, 10s));

  auto result = redis_probe(server)->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Degraded) << describe(result);
  EXPECT_EQ(result.failure, FailureKind::Threshold);
  EXPECT_NE(result.detail.find("last bgsave failed"), std::string::npos) << result.detail;
  EXPECT_EQ(measurement(result, "redis_rdb_last_bgsave_ok"), 0.0);

  result = redis_probe(server, "persistence_critical: true")->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy) << describe(result);
  EXPECT_EQ(result.failure, FailureKind::Threshold);
}

// With --save '' rdb_last_save_time is the start time; the RPO counts only with unsaved changes.
TEST(RedisProbe, PersistenceRpoExceededWithUnsavedChanges) {
  RedisServer server;
  auto probe = redis_probe(server, "persistence_rpo: 1s");
  std::this_thread::sleep_for(2100ms);
  auto result = probe->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << "nothing unsaved: " << describe(result);
  EXPECT_GE(measurement(result, "redis_last_save_age_seconds").value_or(0), 1.0);

  ASSERT_EQ(server.command({"SET", "key", "value"}), "OK");
  result = probe->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Degraded) << describe(result);
  EXPECT_EQ(result.failure, FailureKind::Threshold);
  EXPECT_NE(result.detail.find("unsaved changes (rpo 1s)"), std::string::npos) << result.detail;
}

TEST(RedisProbe, MemoryOverWarnIsDegraded) {
  RedisServer server;
  const auto used = std::stoll(server.info("used_memory"));
  ASSERT_EQ(server.command({"CONFIG", "SET", "maxmemory", std::to_string(used * 4)}), "OK");

  auto result = redis_probe(server)->check(2s);  // default warn 90%
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << describe(result);
  auto ratio = measurement(result, "redis_memory_used_ratio");
  ASSERT_TRUE(ratio);
  EXPECT_GT(*ratio, 0.1);
  EXPECT_LT(*ratio, 0.9);

  result = redis_probe(server, "memory_warn: 1%")->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Degraded) << describe(result);
  EXPECT_EQ(result.failure, FailureKind::Threshold);
  EXPECT_NE(result.detail.find("of maxmemory"), std::string::npos) << result.detail;
}

TEST(RedisProbe, SlowPingIsDegraded) {
  RedisServer server;
  auto result = redis_probe(server, "latency_warn: 0ms")->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Degraded) << describe(result);
  EXPECT_EQ(result.failure, FailureKind::Threshold);
  EXPECT_NE(result.detail.find("PING took"), std::string::npos) << result.detail;
}

TEST(RedisProbe, KilledKeptConnectionIsReplacedWithinTheCheck) {
  RedisServer server({kPassword, {}});
  auto probe = redis_probe(server, std::string("password: ") + kPassword);
  ASSERT_EQ(probe->check(2s).status, ProbeStatus::Healthy);
  // redis-cli skips its own connection: a count of 1 is the probe's kept connection.
  EXPECT_EQ(server.command({"CLIENT", "KILL", "TYPE", "normal"}), "1");
  auto result = probe->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << describe(result);

  server.restart();  // same port, every connection gone
  result = probe->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << describe(result);
}

TEST(RedisProbe, ConfigErrorsNameTheKeyAndHideThePassword) {
  struct Case {
    std::string keys;
    std::string key;
  };
  const std::string password = std::string("password: ") + kPassword + "\n";
  const std::vector<Case> cases = {
      {"host: 127.0.0.1\n" + password + "databse: 1", "databse"},
      {"host: 127.0.0.1\n" + password + "tls: true", "tls"},
      {"host: 127.0.0.1\n" + password + "port: 70000", "port"},
      {"host: 127.0.0.1\n" + password + "expect_role: primary", "expect_role"},
      {"host: 127.0.0.1\n" + password + "memory_warn: 0%", "memory_warn"},
      {"host: 127.0.0.1\nuser: probe", "user"},
      {password, "host"},
  };
  for (const auto& c : cases) {
    try {
      auto config = config::load_config_text(probe_yaml(c.keys), "test.yaml");
      probes::make_probe(config.components.at(0).probes.at(0));
      ADD_FAILURE() << "accepted: " << c.keys;
    } catch (const config::ConfigError& error) {
      const std::string message = error.what();
      EXPECT_NE(message.find(c.key), std::string::npos) << message;
      EXPECT_EQ(message.find(kPassword), std::string::npos) << message;
    }
  }
}

// Through the binary: the password (from the environment) is never printed by check-config,
// `once`, the run log or /metrics.
TEST(RedisProbe, BinaryNeverPrintsThePassword) {
  RedisServer server({"the-right-one", {}});
  TempDir dir;
  const std::map<std::string, std::string> env = {{"REDIS_IT_PASSWORD", kPassword}};
  const std::string yaml = fill(R"(
components:
  - name: cache
    probes:
      - name: cache-redis
        kind: redis
        host: 127.0.0.1
        port: @PORT@
        password: ${REDIS_IT_PASSWORD}
        timeout: 1s
        interval: 1s
)",
                                {{"PORT", std::to_string(server.port())}});
  auto path = dir.write("redis.yaml", yaml);
  auto checked = run_command({kWatchdog, "check-config", path.string()}, env);
  EXPECT_EQ(checked.exit_code, 0) << checked.err;
  auto once = run_command({kWatchdog, "once", "-c", path.string()}, env);
  EXPECT_NE(once.exit_code, 0) << once.out;
  EXPECT_NE(once.out.find("wrong password"), std::string::npos) << once.out << once.err;
  for (const auto* text : {&checked.out, &checked.err, &once.out, &once.err}) {
    EXPECT_EQ(text->find(kPassword), std::string::npos) << *text;
  }

  WatchdogProcess watchdog(dir, watchdog_options(yaml, env));
  ASSERT_TRUE(wait_until(
      [&] {
        return watchdog.metric("watchdog_probe_runs_total", {{"probe", "cache-redis"}}) > 0;
      },
      10s));
  EXPECT_EQ(watchdog.metrics().find(kPassword), std::string::npos);
  EXPECT_EQ(watchdog.log().find(kPassword), std::string::npos);
}

}  // namespace
}  // namespace watchdog::testing
