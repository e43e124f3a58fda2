// Slack: the exact Block Kit body, mrkdwn escaping, limits, and how Slack's answers are read.
#include "watchdog/alerts/slack_provider.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include "alert_test_events.h"
#include "watchdog/alerts/message.h"

namespace watchdog::alerts {
namespace {

using nlohmann::json;
using namespace alert_test;

const char* kSlack =
    "  - {name: chat, kind: slack, url: 'https://hooks.slack.test/services/T/B/x'}\n";

json mrkdwn(const std::string& text) { return {{"type", "mrkdwn"}, {"text", text}}; }

TEST(SlackProvider, PostsTextAndBlocks) {
  auto provider = provider_from(kSlack);
  const auto event = sample_event();
  const auto request = provider->format(event);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://hooks.slack.test/services/T/B/x");
  EXPECT_EQ(header(request, "Content-Type"), "application/json");
  EXPECT_EQ(header(request, "Idempotency-Key"), "api-20261122T033500Z/2-RECOVERING");

  const std::string link =
      "<https://watchdog.example/incidents/api-20261122T033500Z|Open incident>";
  const json expected = {
      {"text", "api is RECOVERING\n" + headline(event) + "\n" + link},
      {"blocks",
       {{{"type", "header"},
         {"text", {{"type", "plain_text"}, {"text", "api is RECOVERING"}, {"emoji", true}}}},
        {{"type", "section"}, {"text", mrkdwn(headline(event))}},
        {{"type", "section"},
         {"fields",
          {mrkdwn("*Component*\napi"), mrkdwn("*State*\nRECOVERING (was CRITICAL)"),
           mrkdwn("*Root cause*\npostgres (incident postgres-20261122T033000Z)"),
           mrkdwn("*Action*\nrestart-api (docker_restart): ok \u2014 container restarted"),
           mrkdwn("*Attempt*\n1"), mrkdwn("*Incident*\napi-20261122T033500Z")}}},
        {{"type", "context"},
         {"elements", {mrkdwn("api-http (http): unhealthy \u2014 connection refused")}}},
        {{"type", "section"}, {"text", mrkdwn(link)}}}},
  };
  EXPECT_EQ(json::parse(request.body), expected) << json::parse(request.body).dump(2);
}

TEST(SlackProvider, NoLinkNoProbesNoBlocksForThem) {
  auto provider = provider_from(kSlack);
  auto event = sample_event();
  event.link.clear();
  event.probes.clear();
  const auto body = json::parse(provider->format(event).body);
  EXPECT_EQ(body["text"], "api is RECOVERING\n" + headline(event));
  ASSERT_EQ(body["blocks"].size(), 3u);
  EXPECT_EQ(body["blocks"][2]["type"], "section");
  EXPECT_TRUE(body["blocks"][2].contains("fields"));
}

TEST(SlackProvider, EscapesMrkdwnControlCharactersButNotThePlainTextHeader) {
  auto provider = provider_from(kSlack);
  auto event = sample_event();
  event.component = "a&b<!here>";
  event.probes[0].detail = "<@U123> & <https://evil|click>";
  const auto body = json::parse(provider->format(event).body);
  EXPECT_EQ(body["blocks"][0]["text"]["text"], "a&b<!here> is RECOVERING");
  EXPECT_EQ(body["blocks"][2]["fields"][0]["text"], "*Component*\na&amp;b&lt;!here&gt;");
  EXPECT_EQ(body["blocks"][3]["elements"][0]["text"],
            "api-http (http): unhealthy \u2014 &lt;@U123&gt; &amp; &lt;https://evil|click&gt;");
  EXPECT_EQ(body["text"].get<std::string>().find("<!here>"), std::string::npos);
}

TEST(SlackProvider, ACutNeverLeavesHalfAnEntity) {
  auto provider = provider_from(kSlack);
  auto event = sample_event();
  event.reason = "";
  const std::size_t prefix = headline(event).size();  // ASCII
  // Escaped, the 2999th character is the "a" of an "&amp;": the cut drops the whole entity.
  event.reason = std::string(2999 - prefix - 2, 'x') + "&&&&";
  const auto body = json::parse(provider->format(event).body);
  const auto text = body["blocks"][1]["text"]["text"].get<std::string>();
  EXPECT_EQ(text, headline(event).substr(0, 2999 - 2) + "\u2026");
  EXPECT_EQ(text.find('&'), std::string::npos);
}

TEST(SlackProvider, AtMostTenProbeLinesWithACountOfTheRest) {
  auto provider = provider_from(kSlack);
  auto event = sample_event();
  event.probes.assign(13, event.probes[0]);
  const auto body = json::parse(provider->format(event).body);
  const auto& elements = body["blocks"][3]["elements"];
  ASSERT_EQ(elements.size(), 10u);
  EXPECT_EQ(elements[9]["text"], "\u2026 and 4 more probes");
}

TEST(SlackProvider, OnlyOkIsAccepted) {
  auto provider = provider_from(kSlack);
  EXPECT_TRUE(provider->accepted(answer(200, "ok")));
  EXPECT_TRUE(provider->accepted(answer(200, "ok\n")));
  // Slack's refusals come as 200 (or 400) with a reason: permanent.
  EXPECT_FALSE(provider->accepted(answer(200, "invalid_payload")));
  EXPECT_FALSE(provider->retryable(answer(200, "invalid_payload")));
  EXPECT_FALSE(provider->accepted(answer(200, "")));
  EXPECT_FALSE(provider->accepted(answer(204)));
  for (long status : {400L, 403L, 404L, 410L}) {
    EXPECT_FALSE(provider->accepted(answer(status, "no_service"))) << status;
    EXPECT_FALSE(provider->retryable(answer(status, "no_service"))) << status;
  }
  for (long status : {429L, 500L, 503L}) {
    EXPECT_FALSE(provider->accepted(answer(status))) << status;
    EXPECT_TRUE(provider->retryable(answer(status))) << status;
  }
  EXPECT_FALSE(provider->accepted(transport_error()));
  EXPECT_TRUE(provider->retryable(transport_error()));
  EXPECT_EQ(provider->retry_after(answer(429, "", {{"retry-after", "30"}})),
            std::chrono::milliseconds(30000));
}

TEST(SlackProvider, OneMessagePerSecondByDefault) {
  EXPECT_EQ(provider_from(kSlack)->policy().min_spacing, std::chrono::milliseconds(1000));
  EXPECT_EQ(provider_from(kSlack)->kind(), "slack");
}

TEST(SlackProvider, UrlIsASecret) {
  setenv("SLACK_TEST_URL", "https://hooks.slack.test/services/sentinel", 1);
  auto provider = provider_from("  - {name: chat, kind: slack, url: '${SLACK_TEST_URL}'}\n");
  EXPECT_EQ(provider->describe(), "url from env SLACK_TEST_URL");
  EXPECT_EQ(provider->format(sample_event()).url, "https://hooks.slack.test/services/sentinel");
}

TEST(SlackProvider, ConfigErrorsNameTheKey) {
  const auto missing = config_error("  - {name: chat, kind: slack}\n");
  EXPECT_NE(missing.find("alerts[0].url"), std::string::npos) << missing;
  const auto bad = config_error("  - {name: chat, kind: slack, url: 'ftp://sentinel/x'}\n");
  EXPECT_NE(bad.find("alerts[0].url"), std::string::npos) << bad;
  EXPECT_EQ(bad.find("sentinel"), std::string::npos) << bad;
  const auto unknown =
      config_error("  - {name: chat, kind: slack, url: 'https://x/', channel: '#ops'}\n");
  EXPECT_NE(unknown.find("alerts[0].channel"), std::string::npos) << unknown;
}

TEST(SlackEscape, EscapesOnlyTheThreeControlCharacters) {
  EXPECT_EQ(slack_escape("a & b < c > d * _ ~ `"), "a &amp; b &lt; c &gt; d * _ ~ `");
}

}  // namespace
}  // namespace watchdog::alerts
