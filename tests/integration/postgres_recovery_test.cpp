// The `postgres` probe end to end (issue #3): the watchdog binary sees a real PostgreSQL stop,
// starts it again through a command action, alerts each transition; the password stays hidden.
#include <gtest/gtest.h>

#include "tests/integration/harness.h"
#include "tests/support/postgres_server.h"
#include "tests/support/prometheus_text.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;

TEST(PostgresRecovery, RestartsStoppedServerAndNeverShowsThePassword) {
  TempDir dir;
  PostgresServer server;
  WebhookReceiver receiver;
  const std::string yaml = fill(R"(
components:
  - name: db
    critical: true
    probes:
      - name: db-postgres
        kind: postgres
        dsn: ${TEST_PG_DSN}
        interval: 1s
        timeout: 1s
        jitter: 0s
        recheck_interval: 200ms
        failure_threshold: 2
        success_threshold: 2
    recovery:
      max_attempts: 3
      backoff: 1s
      actions:
        - name: start-postgres
          kind: command
          argv: ["runuser", "-u", "postgres", "--", "/usr/lib/postgresql/15/bin/pg_ctl", "-D", "@DATA@", "-o", "@OPTIONS@", "-l", "@LOG@", "-w", "start"]
          timeout: 30s
alerts:
  - name: hook
    kind: webhook
    url: @URL@
)",
                                {{"DATA", server.data_dir().string()},
                                 {"OPTIONS", server.server_options()},
                                 {"LOG", server.log_path().string()},
                                 {"URL", receiver.url()}});
  const std::map<std::string, std::string> env = {{"TEST_PG_DSN", server.dsn()}};
  WatchdogProcess watchdog(dir, watchdog_options(yaml, env));

  ASSERT_TRUE(wait_until(
      [&] {
        return watchdog.metric("watchdog_probe_runs_total",
                               {{"probe", "db-postgres"}, {"status", "healthy"}}) >= 2 &&
               component_state(watchdog.status(), "db") == "HEALTHY";
      },
      10s))
      << watchdog.status().dump(2) << watchdog.log();
  EXPECT_TRUE(receiver.requests("POST").empty());

  server.stop();
  ASSERT_TRUE(receiver.wait_for(3, 30s)) << watchdog.log();
  ASSERT_TRUE(
      wait_until([&] { return component_state(watchdog.status(), "db") == "HEALTHY"; }, 10s));
  EXPECT_EQ(server.psql("SELECT 1"), "1\n");

  std::vector<std::string> to;
  for (const auto& alert : receiver.requests("POST")) to.push_back(alert.json.value("to", ""));
  EXPECT_EQ(to, (std::vector<std::string>{"CRITICAL", "RECOVERING", "HEALTHY"})) << watchdog.log();

  const std::string metrics = watchdog.metrics();
  EXPECT_EQ(
      metric_sum(metrics, "watchdog_component_state", {{"component", "db"}, {"state", "healthy"}}),
      1);
  EXPECT_GE(metric_sum(metrics, "watchdog_recovery_actions_total",
                       {{"component", "db"}, {"action", "start-postgres"}})
                .value_or(0),
            1);
  EXPECT_GE(metric_sum(metrics, "watchdog_postgres_max_connections", {}).value_or(0), 20)
      << "the probe's measurements are exported";

  auto check = run_command({kWatchdog, "check-config", watchdog.config_path().string()}, env);
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  std::vector<std::string> texts = {watchdog.log(), metrics, check.out, check.err};
  for (const auto& alert : receiver.requests()) texts.push_back(alert.body);
  for (const auto& text : texts) {
    EXPECT_EQ(text.find(server.password()), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace watchdog::testing
