// The webhook provider's request: body shape, headers, HMAC signature; JSON escaping of hostile
// names and details (built with nlohmann::json, so it must round-trip exactly).
#include "watchdog/alerts/webhook_provider.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "alert_test_events.h"

namespace watchdog::alerts {
namespace {

using alert_test::header;
using alert_test::provider_from;

// The shared sample without an action, a root cause or a link (the plain case).
AlertEvent sample_event() {
  auto e = alert_test::sample_event();
  e.action.reset();
  e.root_cause.clear();
  e.root_incident.clear();
  return e;
}

TEST(HmacSha256, MatchesRfc4231TestCase2) {
  EXPECT_EQ(hmac_sha256_hex("Jefe", "what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(WebhookProvider, PostsTheEventAsJsonWithIdempotencyKeyAndSignature) {
  setenv("WEBHOOK_TEST_URL", "http://127.0.0.1:9/hook?token=sentinel-url", 1);
  setenv("WEBHOOK_TEST_SECRET", "sentinel-secret", 1);
  auto provider = provider_from(
      "  - {name: ops, kind: webhook, url: '${WEBHOOK_TEST_URL}', secret: "
      "'${WEBHOOK_TEST_SECRET}', "
      "timeout: 2s}\n");
  const auto request = provider->format(sample_event());
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "http://127.0.0.1:9/hook?token=sentinel-url");
  EXPECT_EQ(request.timeout, std::chrono::milliseconds(2000));
  EXPECT_EQ(header(request, "Content-Type"), "application/json");
  EXPECT_EQ(header(request, "Idempotency-Key"), "api-20261122T033500Z/2-RECOVERING");
  EXPECT_EQ(header(request, "X-Watchdog-Signature"),
            "sha256=" + hmac_sha256_hex("sentinel-secret", request.body));

  const auto body = nlohmann::json::parse(request.body);
  EXPECT_EQ(body["component"], "api");
  EXPECT_EQ(body["from"], "CRITICAL");
  EXPECT_EQ(body["to"], "RECOVERING");
  EXPECT_EQ(body["incident_id"], "api-20261122T033500Z");
  EXPECT_EQ(body["at"], "2026-11-22T03:35:00.123Z");
  EXPECT_EQ(body["probes"][0]["failure"], "refused");
  EXPECT_TRUE(body["action"].is_null());
  // Secrets stay out of the body and out of the summary.
  EXPECT_EQ(request.body.find("sentinel"), std::string::npos);
  EXPECT_EQ(provider->describe().find("sentinel"), std::string::npos);
  EXPECT_EQ(provider->describe(),
            "url from env WEBHOOK_TEST_URL, signed (key from env WEBHOOK_TEST_SECRET)");
}

TEST(WebhookProvider, UnsignedWithoutSecret) {
  auto provider = provider_from("  - {name: ops, kind: webhook, url: 'http://127.0.0.1:9/x'}\n");
  EXPECT_EQ(header(provider->format(sample_event()), "X-Watchdog-Signature"), "<absent>");
}

TEST(WebhookProvider, RejectsNonHttpUrlWithoutPrintingIt) {
  try {
    provider_from("  - {name: ops, kind: webhook, url: 'ftp://sentinel-host/x'}\n");
    FAIL() << "expected a ConfigError";
  } catch (const config::ConfigError& error) {
    EXPECT_NE(std::string(error.what()).find("alerts[0].url"), std::string::npos) << error.what();
    EXPECT_EQ(std::string(error.what()).find("sentinel"), std::string::npos) << error.what();
  }
}

TEST(WebhookProvider, UnknownKeyIsAnError) {
  EXPECT_THROW(provider_from("  - {name: ops, kind: webhook, url: 'http://x/', retries: 3}\n"),
               config::ConfigError);
}

TEST(WebhookProvider, RemindersCarryTheirOwnKeyAndEventType) {
  auto provider = provider_from("  - {name: ops, kind: webhook, url: 'http://127.0.0.1:9/x'}\n");
  auto event = sample_event();
  event.type = "reminder";
  event.reminder = 3;
  const auto request = provider->format(event);
  EXPECT_EQ(header(request, "Idempotency-Key"), "api-20261122T033500Z/2-RECOVERING/reminder-20261122T033500Z");
  EXPECT_EQ(header(request, "X-Watchdog-Event"), "reminder");
  EXPECT_EQ(nlohmann::json::parse(request.body)["reminder"], 3);
}

TEST(AlertRouteConfig, ReadsSharedDeliveryAndRouteKeys) {
  auto provider = provider_from(
      "  - name: ops\n    kind: webhook\n    url: 'http://127.0.0.1:9/x'\n"
      "    rate_limit: 30/m\n    retry_backoff: 2s\n    max_backoff: 1m\n"
      "    give_up_after: 2h\n    components: [api, 'db-*']\n    min_severity: critical\n"
      "    repeat_interval: 30m\n");
  EXPECT_EQ(provider->policy().min_spacing, std::chrono::milliseconds(2000));
  EXPECT_EQ(provider->policy().retry_backoff, std::chrono::milliseconds(2000));
  EXPECT_EQ(provider->policy().max_backoff, std::chrono::milliseconds(60000));
  EXPECT_EQ(provider->policy().give_up_after, std::chrono::hours(2));
  EXPECT_EQ(provider->route().repeat_interval, std::chrono::minutes(30));
  auto event = sample_event();
  EXPECT_TRUE(provider->route().wants(event));  // api, RECOVERING = critical
  event.to = core::State::Degraded;
  EXPECT_FALSE(provider->route().wants(event));  // below min_severity
  event.to = core::State::Failed;
  event.component = "db-replica";
  EXPECT_TRUE(provider->route().wants(event));
  event.component = "web";
  EXPECT_FALSE(provider->route().wants(event));
}

TEST(AlertRouteConfig, BadValuesNameTheKey) {
  const std::pair<const char*, const char*> cases[] = {
      {"repeat_interval: 1m", "alerts[0].repeat_interval: must be at least 5m"},
      {"min_severity: info", "alerts[0].min_severity: expected warning or critical"},
      {"rate_limit: fast", "alerts[0].rate_limit: expected COUNT/s"},
      {"rate_limit: 0/s", "alerts[0].rate_limit: expected COUNT/s"},
      {"give_up_after: 10s", "alerts[0].give_up_after: must be at least 1m"},
      {"max_backoff: 500ms", "alerts[0].max_backoff: must not be shorter than retry_backoff"},
  };
  for (const auto& [line, expected] : cases) {
    try {
      provider_from(std::string("  - name: ops\n    kind: webhook\n    url: 'http://x/'\n    ") +
                    line + "\n");
      ADD_FAILURE() << line << ": expected a ConfigError";
    } catch (const config::ConfigError& error) {
      EXPECT_NE(std::string(error.what()).find(expected), std::string::npos) << error.what();
      EXPECT_NE(std::string(error.what()).find("test.yaml:"), std::string::npos) << error.what();
    }
  }
}

TEST(AlertEventJson, HostileStringsRoundTripExactly) {
  auto event = sample_event();
  const std::string hostile =
      "q\"uote\\ back\nnew\tline \x01 ü€😀 </script> {\"a\":1}" + std::string(10'000, 'x');
  event.component = "api\"\n";
  event.reason = hostile;
  event.probes[0].detail = hostile;
  const auto text = dump_json(to_json(event));
  EXPECT_EQ(text.find('\n'), std::string::npos);  // one line: raw newlines are escaped
  const auto parsed = nlohmann::json::parse(text);
  EXPECT_EQ(parsed["reason"], hostile);
  EXPECT_EQ(parsed["probes"][0]["detail"], hostile);
  EXPECT_EQ(parsed["component"], "api\"\n");
}

TEST(AlertEvent, HeadlineNamesComponentStatesAndReason) {
  EXPECT_EQ(headline(sample_event()),
            "api is RECOVERING (was CRITICAL): attempt 1/3: api-http: connection refused");
}

}  // namespace
}  // namespace watchdog::alerts
