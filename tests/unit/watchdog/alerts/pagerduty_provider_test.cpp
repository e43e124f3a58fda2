// PagerDuty Events v2: exact trigger and resolve bodies, dedup_key = incident id, severity
// mapping, the routing key kept secret, answers and config errors.
#include "watchdog/alerts/pagerduty_provider.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "alert_test_events.h"
#include "watchdog/alerts/message.h"

namespace watchdog::alerts {
namespace {

using nlohmann::json;
using namespace alert_test;

const std::string kKey = "0123456789abcdef0123456789abcdef";
const std::string kPagerDuty = "  - {name: pager, kind: pagerduty, routing_key: '" + kKey + "'}\n";

TEST(PagerDutyProvider, TriggersWithTheIncidentAsDedupKey) {
  auto provider = provider_from(kPagerDuty);
  const auto event = sample_event();
  const auto request = provider->format(event);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://events.pagerduty.com/v2/enqueue");
  EXPECT_EQ(header(request, "Content-Type"), "application/json");

  const std::string link = "https://watchdog.example/incidents/api-20261122T033500Z";
  const json expected = {
      {"routing_key", kKey},
      {"event_action", "trigger"},
      {"dedup_key", "api-20261122T033500Z"},
      {"client", "watchdog"},
      {"client_url", link},
      {"links", {{{"href", link}, {"text", "Incident"}}}},
      {"payload",
       {{"summary", headline(event)},
        {"source", "watchdog"},
        {"severity", "error"},
        {"component", "api"},
        {"group", "postgres"},
        {"class", "RECOVERING"},
        {"timestamp", "2026-11-22T03:35:00.123Z"},
        {"custom_details",
         {{"reason", "attempt 1/3: api-http: connection refused"},
          {"incident_id", "api-20261122T033500Z"},
          {"from", "CRITICAL"},
          {"to", "RECOVERING"},
          {"attempt", 1},
          {"probes", {"api-http (http): unhealthy \u2014 connection refused"}},
          {"root_cause", "postgres (incident postgres-20261122T033000Z)"},
          {"action", "restart-api (docker_restart): ok \u2014 container restarted"}}}}},
  };
  EXPECT_EQ(json::parse(request.body), expected) << json::parse(request.body).dump(2);
}

TEST(PagerDutyProvider, ResolvesTheSameDedupKey) {
  auto provider = provider_from(kPagerDuty);
  const json expected = {
      {"routing_key", kKey}, {"event_action", "resolve"}, {"dedup_key", "api-20261122T033500Z"}};
  EXPECT_EQ(json::parse(provider->format(resolved_event()).body), expected);
}

TEST(PagerDutyProvider, SeverityAndGroupFollowTheState) {
  auto provider = provider_from(kPagerDuty);
  auto event = sample_event();
  event.root_cause.clear();
  const std::pair<core::State, std::string> cases[] = {{core::State::Degraded, "warning"},
                                                       {core::State::Critical, "critical"},
                                                       {core::State::Recovering, "error"},
                                                       {core::State::Failed, "critical"}};
  for (const auto& [state, severity] : cases) {
    event.to = state;
    const auto payload = json::parse(provider->format(event).body)["payload"];
    EXPECT_EQ(payload["severity"], severity) << core::to_string(state);
    EXPECT_EQ(payload["class"], std::string(core::to_string(state)));
    EXPECT_EQ(payload["group"], "api");
    EXPECT_FALSE(payload["custom_details"].contains("root_cause"));
  }
}

TEST(PagerDutyProvider, LongIncidentIdsAndSummariesAreCut) {
  auto provider = provider_from(kPagerDuty);
  auto event = sample_event();
  event.incident_id = std::string(400, 'i');
  event.reason = std::string(3000, 'r');
  event.link.clear();
  const auto body = json::parse(provider->format(event).body);
  EXPECT_EQ(text_length(body["dedup_key"].get<std::string>()), 255u);
  EXPECT_EQ(text_length(body["payload"]["summary"].get<std::string>()), 1024u);
  EXPECT_FALSE(body.contains("links"));
  EXPECT_FALSE(body.contains("client_url"));
}

TEST(PagerDutyProvider, CustomUrlAndSource) {
  auto provider = provider_from(
      "  - {name: pager, kind: pagerduty, routing_key: k, url: 'http://127.0.0.1:9/v2/enqueue', "
      "source: watchdog-eu1}\n");
  const auto request = provider->format(sample_event());
  EXPECT_EQ(request.url, "http://127.0.0.1:9/v2/enqueue");
  EXPECT_EQ(json::parse(request.body)["payload"]["source"], "watchdog-eu1");
}

TEST(PagerDutyProvider, RoutingKeyIsNeverDescribed) {
  setenv("PD_TEST_KEY", "sentinel-routing-key", 1);
  auto provider =
      provider_from("  - {name: pager, kind: pagerduty, routing_key: '${PD_TEST_KEY}'}\n");
  EXPECT_EQ(provider->describe(),
            "https://events.pagerduty.com/v2/enqueue, routing key from env PD_TEST_KEY");
  EXPECT_EQ(provider->describe().find("sentinel"), std::string::npos);
  EXPECT_EQ(provider->kind(), "pagerduty");
}

TEST(PagerDutyProvider, Answers) {
  auto provider = provider_from(kPagerDuty);
  EXPECT_TRUE(provider->accepted(answer(202, R"({"status":"success","dedup_key":"x"})")));
  EXPECT_TRUE(provider->accepted(answer(200)));
  EXPECT_FALSE(provider->accepted(answer(204)));
  EXPECT_FALSE(provider->accepted(answer(400, R"({"status":"invalid event"})")));
  EXPECT_FALSE(provider->retryable(answer(400)));
  EXPECT_TRUE(provider->retryable(answer(429)));
  EXPECT_TRUE(provider->retryable(answer(500)));
  EXPECT_TRUE(provider->retryable(transport_error()));
}

TEST(PagerDutyProvider, ConfigErrorsNameTheKey) {
  const auto missing = config_error("  - {name: pager, kind: pagerduty}\n");
  EXPECT_NE(missing.find("alerts[0].routing_key"), std::string::npos) << missing;
  const auto bad_url =
      config_error("  - {name: pager, kind: pagerduty, routing_key: sentinel, url: 'ftp://x/'}\n");
  EXPECT_NE(bad_url.find("alerts[0].url"), std::string::npos) << bad_url;
  EXPECT_EQ(bad_url.find("sentinel"), std::string::npos) << bad_url;
}

}  // namespace
}  // namespace watchdog::alerts
