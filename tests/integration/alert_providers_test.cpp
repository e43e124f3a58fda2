// Alert delivery end to end (issue #6), part two: every provider's body shape with a hostile
// probe detail, 404/410 and Slack's non-"ok" answers permanent, transient answers retried, the
// outbox surviving kill -9, a hanging sink costing the probes and the other sinks nothing, and the
// signed webhook's exact headers. Fixtures: alert_delivery_fixture.h.
//
// The "service" is a flag file: the command probe of `svc` passes while DIR/up exists (every
// 300 ms, one result decides), so each removal is one HEALTHY → CRITICAL transition and each
// restore one CRITICAL → HEALTHY: one event each, whatever the number of probe runs.
#include <gtest/gtest.h>
#include <signal.h>

#include <cstdio>
#include <map>
#include <set>
#include <thread>

#include "tests/integration/alert_delivery_fixture.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
using namespace alert_delivery;

std::size_t code_points(const std::string& text) {
  std::size_t count = 0;
  for (unsigned char c : text) count += (c & 0xC0) != 0x80;
  return count;
}

// Each provider against its own receiver, one incident (CRITICAL, then HEALTHY), with a probe
// detail that is hostile to every format: quotes, a Slack mention, a Discord mention, markup
// characters, a backslash and non-ASCII text.
TEST(AlertDelivery, EveryProviderPostsItsOwnShapeWithHostileDetails) {
  TempDir dir;
  heal_svc(dir);
  const std::string hostile = R"(disk "full" <!here> @everyone & <b>x</b> \ ünïcödé ✓)";
  dir.write("hostile.txt", hostile + "\n");
  WebhookReceiver hook, slack, discord, teams, pagerduty;
  discord.reply_always(Reply{204, ""});
  teams.reply_always(Reply{202, ""});
  pagerduty.reply_always(Reply{.status = 202,
                               .body = R"({"status":"success","message":"Event processed"})",
                               .content_type = "application/json"});
  const std::string routing_key = "pd-routing-key-sentinel-4411";
  const auto yaml = fill(fast_defaults() + R"(components:
  - name: svc
    probes:
      - name: svc-flag
        kind: command
        argv: ["/bin/sh", "-c", "test -f @DIR@/up && exit 0; cat @DIR@/hostile.txt; exit 2"]
alerts:
  - name: hook
    kind: webhook
    url: @HOOK@
  - name: slack
    kind: slack
    url: @SLACK@
    rate_limit: 10/s
  - name: discord
    kind: discord
    url: @DISCORD@
    rate_limit: 10/s
  - name: teams
    kind: teams
    url: @TEAMS@
    rate_limit: 10/s
  - name: pd
    kind: pagerduty
    url: @PD@
    routing_key: ${TEST_PD_KEY}
)",
                         {{"DIR", dir.path().string()},
                          {"HOOK", hook.url()},
                          {"SLACK", slack.url("/services/T0/B0/x")},
                          {"DISCORD", discord.url("/api/webhooks/1/t")},
                          {"TEAMS", teams.url("/workflows/1/triggers/manual/paths/invoke")},
                          {"PD", pagerduty.url("/v2/enqueue")}});
  auto options = watchdog_options(yaml, {{"TEST_PD_KEY", routing_key}});
  options.watchdog_keys = "  external_url: http://watchdog.example:9187\n";
  WatchdogProcess watchdog(dir, options);
  ASSERT_TRUE(reaches(watchdog, "HEALTHY")) << watchdog.log();
  break_svc(dir);
  ASSERT_TRUE(reaches(watchdog, "CRITICAL")) << watchdog.log();
  heal_svc(dir);
  for (const WebhookReceiver* receiver : {&hook, &slack, &discord, &teams, &pagerduty}) {
    ASSERT_TRUE(receiver->wait_for(2, 10s)) << "port " << receiver->port() << "\n"
                                            << describe(receiver->requests()) << watchdog.log();
  }
  std::this_thread::sleep_for(500ms);
  for (const WebhookReceiver* receiver : {&hook, &slack, &discord, &teams, &pagerduty}) {
    const auto all = receiver->requests("POST");
    ASSERT_EQ(all.size(), 2u) << describe(all);
    for (const auto& request : all) {
      EXPECT_TRUE(request.json.is_object()) << "not a JSON object: " << request.body;
      EXPECT_NE(request.header("Content-Type").find("application/json"), std::string::npos);
      EXPECT_TRUE(request.answered_2xx());
    }
  }

  // Our webhook: the detail byte for byte, the link.
  const auto events = hook.requests("POST");
  const auto incident = events[0].json.value("incident_id", "");
  ASSERT_FALSE(incident.empty());
  EXPECT_EQ(events[0].json["probes"][0].value("detail", ""), hostile) << events[0].body;
  EXPECT_EQ(events[0].json.value("link", ""), "http://watchdog.example:9187/incidents/" + incident);

  // Slack: fallback text and blocks; the mention is escaped, never sent raw.
  for (const auto& request : slack.requests("POST")) {
    SCOPED_TRACE(request.body);
    EXPECT_NE(request.json.value("text", "").find("svc"), std::string::npos);
    ASSERT_TRUE(request.json.contains("blocks") && request.json["blocks"].is_array());
    EXPECT_FALSE(request.json["blocks"].empty());
    EXPECT_EQ(request.body.find("<!here>"), std::string::npos);
  }
  EXPECT_NE(slack.requests("POST")[0].body.find("&lt;!here&gt;"), std::string::npos)
      << "the probe detail should be shown, escaped";

  // Discord: content within 2000 characters, 1–10 embeds, mentions disabled.
  for (const auto& request : discord.requests("POST")) {
    SCOPED_TRACE(request.body);
    const auto& body = request.json;
    EXPECT_LE(code_points(body.value("content", "")), 2000u);
    EXPECT_NE(body.value("content", "").find("svc"), std::string::npos);
    ASSERT_TRUE(body.contains("embeds") && body["embeds"].is_array());
    EXPECT_GE(body["embeds"].size(), 1u);
    EXPECT_LE(body["embeds"].size(), 10u);
    ASSERT_TRUE(body.contains("allowed_mentions"));
    EXPECT_EQ(body["allowed_mentions"]["parse"], nlohmann::json::array());
  }

  // Teams: the Workflows envelope around an Adaptive Card, under 28 KB.
  for (const auto& request : teams.requests("POST")) {
    SCOPED_TRACE(request.body);
    const auto& body = request.json;
    EXPECT_EQ(body.value("type", ""), "message");
    ASSERT_TRUE(body.contains("attachments") && body["attachments"].size() == 1);
    const auto& attachment = body["attachments"][0];
    EXPECT_EQ(attachment.value("contentType", ""), "application/vnd.microsoft.card.adaptive");
    EXPECT_EQ(attachment["content"].value("type", ""), "AdaptiveCard");
    EXPECT_LT(request.body.size(), 28000u);
  }

  // PagerDuty: trigger then resolve of one dedup_key, the incident id.
  const auto pd = pagerduty.requests("POST");
  EXPECT_EQ(pd[0].path, "/v2/enqueue");
  EXPECT_EQ(pd[0].json.value("routing_key", ""), routing_key);
  EXPECT_EQ(pd[0].json.value("event_action", ""), "trigger");
  EXPECT_EQ(pd[0].json.value("dedup_key", ""), incident);
  ASSERT_TRUE(pd[0].json.contains("payload")) << pd[0].body;
  const auto& payload = pd[0].json["payload"];
  EXPECT_FALSE(payload.value("summary", "").empty());
  EXPECT_LE(code_points(payload.value("summary", "")), 1024u);
  EXPECT_FALSE(payload.value("source", "").empty());
  EXPECT_EQ(payload.value("severity", ""), "critical");
  EXPECT_EQ(pd[1].json.value("routing_key", ""), routing_key);
  EXPECT_EQ(pd[1].json.value("event_action", ""), "resolve");
  EXPECT_EQ(pd[1].json.value("dedup_key", ""), incident);

  for (const char* alert : {"hook", "slack", "discord", "teams", "pd"}) {
    EXPECT_EQ(sent(watchdog, alert, "success"), 2) << alert;
  }
  for (const std::string& text : {watchdog.log(), watchdog.metrics()}) {
    EXPECT_EQ(text.find(routing_key), std::string::npos) << "the routing key leaked";
  }
}

// Slack's success is 200 with the body "ok": a 200 with anything else is an error answer, and
// a permanent one.
TEST(AlertDelivery, SlackAnswerOtherThanOkIsPermanent) {
  TempDir dir;
  heal_svc(dir);
  WebhookReceiver slack;
  slack.reply_always(Reply{200, "invalid_payload"});
  const auto yaml = flag_yaml(dir, fill(R"(alerts:
  - name: slack
    kind: slack
    url: @URL@
    retry_backoff: 100ms
    max_backoff: 200ms
    rate_limit: 10/s
)",
                                        {{"URL", slack.url()}}));
  WatchdogProcess watchdog(dir, watchdog_options(yaml));
  ASSERT_TRUE(reaches(watchdog, "HEALTHY")) << watchdog.log();
  break_svc(dir);
  ASSERT_TRUE(slack.wait_for(1, 10s)) << watchdog.log();
  ASSERT_TRUE(wait_until([&] { return sent(watchdog, "slack", "failure") >= 1; }, 5s))
      << watchdog.metrics();
  std::this_thread::sleep_for(2s);  // retries at 100–200 ms would have come by now
  EXPECT_EQ(slack.requests("POST").size(), 1u) << describe(slack.requests());
  EXPECT_EQ(sent(watchdog, "slack", "retry"), 0);
  EXPECT_EQ(watchdog.metric("watchdog_alerts_failed", {{"alert", "slack"}}), 1);
}

TEST(AlertDelivery, KillNineKeepsThePendingOutboxAndTheRestartSendsItOnce) {
  TempDir dir;
  heal_svc(dir);
  WebhookReceiver receiver;
  receiver.reply_always(Reply{500, "down for maintenance"});
  const auto yaml = flag_yaml(dir, ops_webhook(receiver.url(), "2s", "200ms", "1s"));
  std::map<std::string, OutboxRow> queued;
  std::filesystem::path config;
  {
    WatchdogProcess first(dir, watchdog_options(yaml));
    config = first.config_path();
    ASSERT_TRUE(reaches(first, "HEALTHY")) << first.log();
    break_svc(dir);
    ASSERT_TRUE(reaches(first, "CRITICAL")) << first.log();
    heal_svc(dir);
    ASSERT_TRUE(reaches(first, "HEALTHY")) << first.log();
    ASSERT_TRUE(wait_until([&] { return pending(first, "ops") == 2; }, 10s)) << first.metrics();
    ASSERT_TRUE(receiver.wait_for(2, 10s)) << "the first event should be retried against the 500";
    queued = rows_by_key(outbox_rows(config), "ops");
    ASSERT_EQ(queued.size(), 2u);
    first.process().signal(SIGKILL);
    ASSERT_TRUE(first.process().wait(5s).has_value());
  }
  EXPECT_TRUE(receiver.delivered().empty());
  const auto refused_key = receiver.requests("POST").front().header("Idempotency-Key");
  EXPECT_TRUE(queued.count(refused_key)) << refused_key;

  // After the crash: still two pending rows on disk.
  const auto after_crash = rows_by_key(outbox_rows(config), "ops");
  ASSERT_EQ(after_crash.size(), 2u);
  for (const auto& [key, row] : after_crash) {
    EXPECT_EQ(row.status, "pending") << key;
    EXPECT_TRUE(queued.count(key)) << key;
  }
  EXPECT_GE(after_crash.at(refused_key).attempts, 2);
  EXPECT_NE(after_crash.at(refused_key).last_error.find("500"), std::string::npos)
      << after_crash.at(refused_key).last_error;

  receiver.reply_always(Reply{});
  const std::size_t before_restart = receiver.requests("POST").size();
  WatchdogProcess second(dir, watchdog_options(yaml));
  ASSERT_TRUE(wait_until(
      [&] {
        const auto keys = receiver.delivered_keys();
        for (const auto& [key, row] : queued) {
          if (!keys.count(key)) return false;
        }
        return true;
      },
      15s))
      << describe(receiver.requests()) << second.log();
  std::this_thread::sleep_for(1500ms);  // room for a duplicate to show up
  for (const auto& [key, count] : receiver.delivered_keys()) {
    EXPECT_EQ(count, 1) << key << " delivered more than once";
  }
  // The first request after the restart is the event that was refused before the crash, under
  // the same key: a receiver that had taken it could drop the repeat.
  const auto all = receiver.requests("POST");
  ASSERT_GT(all.size(), before_restart);
  EXPECT_EQ(all[before_restart].header("Idempotency-Key"), refused_key);
  for (const auto& [key, row] : rows_by_key(outbox_rows(config), "ops")) {
    EXPECT_EQ(row.status, "delivered") << key;
  }
  EXPECT_TRUE(wait_until([&] { return pending(second, "ops") == 0; }, 5s));
}

// The sink answers `status` (404 or 410: the webhook is gone) to everything: one request for
// the event, recorded as failed, never retried.
void expect_permanent_failure(int status) {
  TempDir dir;
  heal_svc(dir);
  WebhookReceiver receiver;
  receiver.reply_always(Reply{status, "Unknown Webhook"});
  const auto yaml = flag_yaml(dir, ops_webhook(receiver.url(), "2s", "100ms", "200ms"));
  WatchdogProcess watchdog(dir, watchdog_options(yaml));
  ASSERT_TRUE(reaches(watchdog, "HEALTHY")) << watchdog.log();
  break_svc(dir);
  ASSERT_TRUE(receiver.wait_for(1, 10s)) << watchdog.log();
  ASSERT_TRUE(wait_until(
      [&] {
        return sent(watchdog, "ops", "failure") >= 1 &&
               watchdog.metric("watchdog_alerts_failed", {{"alert", "ops"}}) >= 1;
      },
      5s))
      << watchdog.metrics();
  std::this_thread::sleep_for(3s);  // a retry at 100–200 ms back-off would have come by now
  const auto all = receiver.requests("POST");
  ASSERT_EQ(all.size(), 1u) << describe(all);
  const auto key = all[0].header("Idempotency-Key");
  EXPECT_EQ(sent(watchdog, "ops", "retry"), 0);
  EXPECT_EQ(sent(watchdog, "ops", "success"), 0);
  EXPECT_EQ(sent(watchdog, "ops", "failure"), 1);
  EXPECT_EQ(watchdog.metric("watchdog_alerts_failed", {{"alert", "ops"}}), 1);
  EXPECT_EQ(pending(watchdog, "ops"), 0);
  const auto rows = rows_by_key(outbox_rows(watchdog.config_path()), "ops");
  ASSERT_EQ(rows.count(key), 1u);
  EXPECT_EQ(rows.at(key).status, "failed");
  EXPECT_EQ(rows.at(key).attempts, 1);
  EXPECT_NE(rows.at(key).last_error.find(std::to_string(status)), std::string::npos)
      << rows.at(key).last_error;
}

TEST(AlertDelivery, NotFoundIsAPermanentFailureAndNeverRetried) { expect_permanent_failure(404); }

TEST(AlertDelivery, GoneIsAPermanentFailureAndNeverRetried) { expect_permanent_failure(410); }

// Transport errors aside, 408, 425, 429 and 5xx are worth another try: one of each, then 200.
TEST(AlertDelivery, TransientAnswersAreRetriedUntilAccepted) {
  TempDir dir;
  heal_svc(dir);
  WebhookReceiver receiver;
  const std::vector<int> transient = {408, 425, 502, 503};
  receiver.reply_with([transient](const ReceivedRequest&, std::size_t n) {
    return n < transient.size() ? Reply{transient[n], "try later"} : Reply{};
  });
  const auto yaml = flag_yaml(dir, ops_webhook(receiver.url(), "", "100ms", "200ms"));
  WatchdogProcess watchdog(dir, watchdog_options(yaml));
  ASSERT_TRUE(reaches(watchdog, "HEALTHY")) << watchdog.log();
  break_svc(dir);
  ASSERT_TRUE(wait_until([&] { return receiver.delivered().size() == 1; }, 10s))
      << describe(receiver.requests()) << watchdog.log();
  std::this_thread::sleep_for(500ms);
  const auto all = receiver.requests("POST");
  ASSERT_EQ(all.size(), transient.size() + 1) << describe(all);
  for (const auto& request : all) {
    EXPECT_EQ(request.header("Idempotency-Key"), all[0].header("Idempotency-Key"));
  }
  EXPECT_EQ(sent(watchdog, "ops", "retry"), static_cast<double>(transient.size()));
  EXPECT_EQ(sent(watchdog, "ops", "success"), 1);
  EXPECT_EQ(sent(watchdog, "ops", "failure"), 0);
}

TEST(AlertDelivery, HangingSinkKeepsTheProbeIntervalAndTheOtherSinkPrompt) {
  TempDir dir;
  heal_svc(dir);
  WebhookReceiver hung;
  hung.reply_always(Reply{200, "ok", 30s});
  WebhookReceiver fast;
  const auto yaml = flag_yaml(dir,
                              fill(R"(alerts:
  - name: slow
    kind: webhook
    url: @HUNG@
    timeout: 20s
  - name: fast
    kind: webhook
    url: @FAST@
    timeout: 2s
)",
                                   {{"HUNG", hung.url()}, {"FAST", fast.url()}}),
                              R"(  - name: live
    probes:
      - name: live-cmd
        kind: command
        argv: ["/bin/true"]
        interval: 1s
        timeout: 1s
        jitter: 0s
)");
  WatchdogProcess watchdog(dir, watchdog_options(yaml));
  ASSERT_TRUE(reaches(watchdog, "HEALTHY")) << watchdog.log();
  break_svc(dir);
  ASSERT_TRUE(hung.wait_for(1, 10s)) << watchdog.log();  // now stuck in that send
  ASSERT_TRUE(fast.wait_for(1, 5s)) << "the healthy sink waits for the hung one";

  const std::map<std::string, std::string> live = {{"probe", "live-cmd"}};
  const std::map<std::string, std::string> svc = {{"probe", "svc-flag"}};
  const double live_before = watchdog.metric("watchdog_probe_runs_total", live);
  const double svc_before = watchdog.metric("watchdog_probe_runs_total", svc);
  const auto start = Clock::now();
  // svc recovers while the slow sink still hangs: the fast sink gets that at once too.
  heal_svc(dir);
  EXPECT_TRUE(fast.wait_for(2, 5s)) << "the HEALTHY event is held up by the hung sink";
  std::this_thread::sleep_until(start + 6s);
  const double live_runs = watchdog.metric("watchdog_probe_runs_total", live) - live_before;
  const double svc_runs = watchdog.metric("watchdog_probe_runs_total", svc) - svc_before;

  EXPECT_GE(live_runs, 4) << "the 1 s probe was held up by the hung sink";
  EXPECT_GE(svc_runs, 10) << "the 300 ms probe was held up by the hung sink";
  EXPECT_EQ(component_state(watchdog.status(), "svc"), "HEALTHY");
  EXPECT_EQ(field(fast.requests("POST"), "to"), (std::vector<std::string>{"CRITICAL", "HEALTHY"}));
  // Per sink in order: the slow sink's HEALTHY waits behind its hanging CRITICAL.
  EXPECT_EQ(hung.requests("POST").size(), 1u);
  EXPECT_EQ(sent(watchdog, "slow", "success"), 0);
  EXPECT_EQ(sent(watchdog, "fast", "success"), 2);
  EXPECT_EQ(watchdog.get("/healthz").status, 200);
}

TEST(AlertDelivery, SignedWebhookCarriesItsKeyAndAVerifiableSignature) {
  TempDir dir;
  heal_svc(dir);
  WebhookReceiver receiver;
  const std::string secret = "alert-hmac-sentinel-7e21c9";
  const std::string external = "http://127.0.0.1:" + std::to_string(free_port()) + "/wd";
  const auto yaml = flag_yaml(dir, R"(alerts:
  - name: ops
    kind: webhook
    url: ${TEST_HOOK_URL}
    secret: ${TEST_HOOK_SECRET}
)");
  auto options = watchdog_options(
      yaml, {{"TEST_HOOK_URL", receiver.url("/signed")}, {"TEST_HOOK_SECRET", secret}});
  options.watchdog_keys = "  external_url: " + external + "/\n";
  WatchdogProcess watchdog(dir, options);
  ASSERT_TRUE(reaches(watchdog, "HEALTHY")) << watchdog.log();
  break_svc(dir);
  ASSERT_TRUE(reaches(watchdog, "CRITICAL")) << watchdog.log();
  heal_svc(dir);
  ASSERT_TRUE(receiver.wait_for(2, 10s)) << watchdog.log();

  const auto all = receiver.requests("POST");
  ASSERT_EQ(all.size(), 2u) << describe(all);
  const std::vector<std::pair<std::string, std::string>> transitions = {{"HEALTHY", "CRITICAL"},
                                                                        {"CRITICAL", "HEALTHY"}};
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto& request = all[i];
    SCOPED_TRACE(request.body);
    ASSERT_TRUE(request.json.is_object());
    const auto& body = request.json;
    EXPECT_EQ(request.path, "/signed");
    EXPECT_EQ(request.header("X-Watchdog-Signature"),
              "sha256=" + hmac_sha256_hex(secret, request.body));
    EXPECT_NE(request.header("X-Watchdog-Signature"),
              "sha256=" + hmac_sha256_hex(secret + "x", request.body));
    EXPECT_FALSE(body.value("event_id", "").empty());
    EXPECT_EQ(request.header("Idempotency-Key"), body.value("event_id", "?"));
    EXPECT_EQ(request.header("X-Watchdog-Event"), "state_change");
    EXPECT_NE(request.header("Content-Type").find("application/json"), std::string::npos);
    EXPECT_EQ(body.value("version", 0), 1);
    EXPECT_EQ(body.value("type", ""), "state_change");
    EXPECT_EQ(body.value("component", ""), "svc");
    EXPECT_EQ(body.value("from", ""), transitions[i].first);
    EXPECT_EQ(body.value("to", ""), transitions[i].second);
    EXPECT_FALSE(body.value("reason", "").empty());
    EXPECT_FALSE(body.value("at", "").empty());
    const auto incident = body.value("incident_id", "");
    EXPECT_FALSE(incident.empty());
    EXPECT_EQ(body.value("link", ""), external + "/incidents/" + incident);
    ASSERT_TRUE(body.contains("probes") && body["probes"].is_array());
    ASSERT_EQ(body["probes"].size(), 1u);
    EXPECT_EQ(body["probes"][0].value("name", ""), "svc-flag");
  }
  EXPECT_EQ(all[0].json.value("incident_id", "a"), all[1].json.value("incident_id", "b"));
  EXPECT_NE(all[0].header("Idempotency-Key"), all[1].header("Idempotency-Key"));
  // The resolved message says how long the outage lasted.
  ASSERT_TRUE(all[1].json.contains("outage_seconds")) << all[1].body;
  EXPECT_GE(all[1].json["outage_seconds"].get<double>(), 0);

  for (const std::string& text : {watchdog.log(), watchdog.metrics()}) {
    EXPECT_EQ(text.find(secret), std::string::npos) << "the HMAC key leaked";
  }
}


}  // namespace
}  // namespace watchdog::testing
