// Issue #20 item 5, secrets echo back: real HTTP stand-ins that echo what they were sent —
// a "Kubernetes API" answering 401 with the request's Authorization header in its Status, a
// webhook answering 404 "Cannot POST /<path with the token>" — and a command probe that prints
// its token and dumps its environment. Nothing of either token reaches the log, the alert
// bodies, `watchdog alerts`, the incident API or the state store; the probe's child sees only
// the explicit environment.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/integration/harness.h"
#include "tests/support/http_get.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;

constexpr const char* kApiToken = "k8sT0ken-9f8e7d6c5b4a-echoed";
constexpr const char* kSinkToken = "S1nkPath-0a1b2c3d4e5f-secret";
constexpr const char* kUnrelated = "unrelated-watchdog-env-secret-77";

bool holds(const std::string& text, const std::string& needle) {
  return text.find(needle) != std::string::npos;
}

TEST(SecretRedaction, EchoedTokensNeverReachLogsAlertsStoreOrApi) {
  TempDir dir;
  WebhookReceiver api;  // the "Kubernetes API": 401, echoing the header it was sent
  api.reply_with([](const ReceivedRequest& request, std::size_t) {
    Reply reply;
    reply.status = 401;
    reply.content_type = "application/json";
    reply.body = nlohmann::json{{"kind", "Status"},
                                {"status", "Failure"},
                                {"code", 401},
                                {"message", "Unauthorized; request headers: Authorization: " +
                                                request.header("Authorization")}}
                     .dump();
    return reply;
  });
  WebhookReceiver good;  // a sink that works: the alert bodies are checked
  WebhookReceiver bad;   // a sink that echoes the path of its URL (which holds a token)
  bad.reply_with([](const ReceivedRequest& request, std::size_t) {
    Reply reply;
    reply.status = 404;
    reply.body = "Cannot POST " + request.path + "\n";
    return reply;
  });
  const auto env_file = dir.path() / "probe-env.txt";
  const auto script = write_script(dir, "check.sh",
                                   "#!/bin/sh\nenv > \"$1\"\n"
                                   "echo \"login refused for token $API_TOKEN\"\nexit 2\n");
  const std::string yaml =
      fast_defaults() + fill(R"(components:
  - name: api
    probes:
      - name: api-check
        kind: command
        argv: [@SCRIPT@, @ENVFILE@]
        env:
          API_TOKEN: ${WD_TEST_API_TOKEN}
    recovery:
      max_attempts: 1
      backoff: 1s
      actions:
        - name: restart-api
          kind: k8s_rollout_restart
          server: http://127.0.0.1:@API_PORT@
          token: ${WD_TEST_API_TOKEN}
          namespace: shop
          deployment: api
alerts:
  - name: good
    kind: webhook
    url: @GOOD@
  - name: bad
    kind: webhook
    url: @BAD@
)",
                             {{"SCRIPT", script.string()},
                              {"ENVFILE", env_file.string()},
                              {"API_PORT", std::to_string(api.port())},
                              {"GOOD", good.url()},
                              {"BAD", bad.url(std::string("/hook/") + kSinkToken)}});
  WatchdogProcess wd(dir, watchdog_options(yaml, {{"WD_TEST_API_TOKEN", kApiToken},
                                                  {"WD_TEST_UNRELATED_SECRET", kUnrelated}}));

  // CRITICAL → the action gets 401 → FAILED; the bad sink has refused alerts by then.
  ASSERT_TRUE(wait_until([&] { return component_state(wd.status(), "api") == "FAILED"; }, 20s))
      << wd.log();
  ASSERT_TRUE(wait_until(
      [&] {
        for (const auto& r : good.requests("POST")) {
          if (r.json.value("to", "") == "FAILED") return true;
        }
        return false;
      },
      20s))
      << wd.log();
  ASSERT_TRUE(bad.wait_for(1, 20s)) << wd.log();
  ASSERT_TRUE(wait_until([&] { return holds(wd.log(), "alert_failed alert=bad"); }, 20s))
      << wd.log();
  ASSERT_FALSE(api.requests().empty());
  EXPECT_EQ(api.requests().front().header("Authorization"), std::string("Bearer ") + kApiToken);

  // The log: the echoes are there, scrubbed.
  const std::string log = wd.log();
  EXPECT_FALSE(holds(log, kApiToken)) << log;
  EXPECT_FALSE(holds(log, kSinkToken)) << log;
  EXPECT_TRUE(holds(log, "Authorization: Bearer [REDACTED]")) << log;
  EXPECT_TRUE(holds(log, "Cannot POST /hook/[REDACTED]")) << log;
  EXPECT_TRUE(holds(log, "login refused for token [REDACTED]")) << log;

  // The alert bodies the working sink received.
  std::string bodies;
  for (const auto& r : good.requests("POST")) bodies += r.body + "\n";
  EXPECT_FALSE(holds(bodies, kApiToken)) << bodies;
  EXPECT_TRUE(holds(bodies, "[REDACTED]")) << bodies;

  // `watchdog alerts` (text and JSON) shows the bad sink's error without the token.
  for (const std::vector<std::string>& format :
       {std::vector<std::string>{}, std::vector<std::string>{"--json"}}) {
    std::vector<std::string> argv = {kWatchdog, "alerts", "--state-dir", wd.state_dir().string()};
    argv.insert(argv.end(), format.begin(), format.end());
    const auto alerts = run_command(argv);
    EXPECT_EQ(alerts.exit_code, 0) << alerts.err;
    EXPECT_FALSE(holds(alerts.out + alerts.err, kSinkToken)) << alerts.out;
    EXPECT_FALSE(holds(alerts.out + alerts.err, kApiToken)) << alerts.out;
    EXPECT_TRUE(holds(alerts.out, "Cannot POST /hook/[REDACTED]")) << alerts.out;
  }

  // The incident API and the state store's files.
  const auto list = wd.get("/api/v1/incidents");
  EXPECT_FALSE(holds(list.body, kApiToken)) << list.body;
  const auto incidents = nlohmann::json::parse(list.body, nullptr, false);
  ASSERT_TRUE(incidents.is_array() && !incidents.empty()) << list.body;
  const auto id = incidents.front().value("id", incidents.front().value("incident_id", ""));
  const auto one = wd.get("/api/v1/incidents/" + id);
  EXPECT_EQ(one.status, 200) << one.body;
  EXPECT_FALSE(holds(one.body, kApiToken)) << one.body;
  EXPECT_TRUE(holds(one.body, "[REDACTED]")) << one.body;
  for (const auto& entry : std::filesystem::directory_iterator(wd.state_dir())) {
    const std::string bytes = read_text(entry.path());
    EXPECT_FALSE(holds(bytes, kApiToken)) << entry.path();
    EXPECT_FALSE(holds(bytes, kSinkToken)) << entry.path();
  }

  // The probe's child saw its `env` and the minimal base, nothing else of the watchdog's.
  const std::string child_env = read_text(env_file);
  EXPECT_TRUE(holds(child_env, std::string("API_TOKEN=") + kApiToken)) << child_env;
  EXPECT_TRUE(holds(child_env, "PATH=")) << child_env;
  EXPECT_FALSE(holds(child_env, kUnrelated)) << child_env;
  EXPECT_FALSE(holds(child_env, "WD_TEST_API_TOKEN")) << child_env;
}

}  // namespace
}  // namespace watchdog::testing
