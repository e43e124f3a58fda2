// The webhook provider's request: body shape, headers, HMAC signature; JSON escaping of hostile
// names and details (built with nlohmann::json, so it must round-trip exactly).
#include "watchdog/alerts/webhook_provider.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "config/loader.h"
#include "watchdog/alerts/factory.h"

namespace watchdog::alerts {
namespace {

std::unique_ptr<Provider> provider_from(const std::string& alert_yaml) {
  auto config = config::load_config_text(
      "components:\n  - name: c\n    probes:\n      - {name: p, kind: tcp, host: 127.0.0.1, port: "
      "1}\n"
      "alerts:\n" +
          alert_yaml,
      "test.yaml");
  return make_provider(config.alerts.at(0));
}

AlertEvent sample_event() {
  AlertEvent e;
  e.event_id = "api-20261122T033500Z/2-RECOVERING";
  e.component = "api";
  e.from = core::State::Critical;
  e.to = core::State::Recovering;
  e.reason = "attempt 1/3: api-http: connection refused";
  e.incident_id = "api-20261122T033500Z";
  e.attempt = 1;
  e.at = core::TimePoint(std::chrono::milliseconds(1'795'318'500'123));
  e.overall = core::State::Recovering;
  e.probes.push_back({"api-http", "http", "unhealthy", "refused", "connection refused"});
  return e;
}

std::string header(const probes::HttpRequest& request, const std::string& name) {
  for (const auto& h : request.headers) {
    if (h.rfind(name + ": ", 0) == 0) return h.substr(name.size() + 2);
  }
  return "<absent>";
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

TEST(AlertEventJson, HostileStringsRoundTripExactly) {
  auto event = sample_event();
  const std::string hostile =
      "q\"uote\\ back\nnew\tline \x01 ü€😀 </script> {\"a\":1}" + std::string(10'000, 'x');
  event.component = "api\"\n";
  event.reason = hostile;
  event.probes[0].detail = hostile;
  const auto text = to_json(event).dump();
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
