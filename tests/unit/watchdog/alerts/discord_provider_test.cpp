// Discord: the exact content + embed body, its limits (6000 for the whole embed), mentions
// switched off, and retry_after from the body or the header.
#include "watchdog/alerts/discord_provider.h"

#include <gtest/gtest.h>

#include "alert_test_events.h"
#include "watchdog/alerts/message.h"

namespace watchdog::alerts {
namespace {

using nlohmann::json;
using namespace alert_test;

const char* kDiscord =
    "  - {name: chat, kind: discord, url: 'https://discord.test/api/webhooks/1/x'}\n";

json field(const std::string& name, const std::string& value, bool inline_field) {
  return {{"name", name}, {"value", value}, {"inline", inline_field}};
}

TEST(DiscordProvider, PostsContentAndOneEmbed) {
  auto provider = provider_from(kDiscord);
  const auto event = sample_event();
  const auto request = provider->format(event);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://discord.test/api/webhooks/1/x");
  EXPECT_EQ(header(request, "Content-Type"), "application/json");

  const json expected = {
      {"content", "api is RECOVERING\n" + headline(event)},
      {"embeds",
       {{{"title", "api is RECOVERING"},
         {"description",
          headline(event) + "\n\n\u2022 api-http (http): unhealthy \u2014 connection refused"},
         {"url", "https://watchdog.example/incidents/api-20261122T033500Z"},
         {"color", 0xE01E5A},
         {"fields",
          {field("Component", "api", true), field("State", "RECOVERING (was CRITICAL)", true),
           field("Root cause", "postgres (incident postgres-20261122T033000Z)", false),
           field("Action", "restart-api (docker_restart): ok \u2014 container restarted", false),
           field("Attempt", "1", true), field("Incident", "api-20261122T033500Z", true)}},
         {"footer", {{"text", "watchdog"}}},
         {"timestamp", "2026-11-22T03:35:00.123Z"}}}},
      {"allowed_mentions", {{"parse", json::array()}}},
  };
  EXPECT_EQ(json::parse(request.body), expected) << json::parse(request.body).dump(2);
}

TEST(DiscordProvider, ColourFollowsSeverityAndNoUrlWithoutLink) {
  auto provider = provider_from(kDiscord);
  auto event = resolved_event();
  event.link.clear();
  auto embed = json::parse(provider->format(event).body)["embeds"][0];
  EXPECT_EQ(embed["color"], 0x2EB67D);
  EXPECT_FALSE(embed.contains("url"));
  event = sample_event();
  event.from = core::State::Healthy;
  event.to = core::State::Degraded;
  embed = json::parse(provider->format(event).body)["embeds"][0];
  EXPECT_EQ(embed["color"], 0xECB22E);
}

TEST(DiscordProvider, WholeEmbedStaysWithin6000ByDroppingFieldsFromTheEnd) {
  auto provider = provider_from(kDiscord);
  auto event = sample_event();
  event.reason = std::string(5000, 'r');          // description → 4096
  event.root_cause = std::string(2000, 'c');      // Root cause field → 1024
  event.action->detail = std::string(2000, 'd');  // Action field → 1024
  const auto body = json::parse(provider->format(event).body);
  const auto& embed = body["embeds"][0];
  std::size_t total = text_length(embed["title"].get<std::string>()) +
                      text_length(embed["description"].get<std::string>()) +
                      text_length(embed["footer"]["text"].get<std::string>());
  for (const auto& f : embed["fields"]) {
    total += text_length(f["name"].get<std::string>()) + text_length(f["value"].get<std::string>());
  }
  EXPECT_LE(total, 6000u);
  EXPECT_EQ(text_length(embed["description"].get<std::string>()), 4096u);
  // The first facts survive; the last ones went.
  ASSERT_GE(embed["fields"].size(), 2u);
  EXPECT_EQ(embed["fields"][0]["name"], "Component");
  EXPECT_LT(embed["fields"].size(), 6u);
  EXPECT_EQ(text_length(body["content"].get<std::string>()), 2000u);
}

TEST(DiscordProvider, AnswersAndRetryAfter) {
  auto provider = provider_from(kDiscord);
  EXPECT_TRUE(provider->accepted(answer(204)));
  EXPECT_TRUE(provider->accepted(answer(200, "{}")));
  EXPECT_FALSE(provider->accepted(answer(404, R"({"message": "Unknown Webhook", "code": 10015})")));
  EXPECT_FALSE(provider->retryable(answer(404)));
  EXPECT_FALSE(provider->retryable(answer(400)));
  EXPECT_TRUE(provider->retryable(answer(429)));
  EXPECT_TRUE(provider->retryable(answer(502)));

  EXPECT_EQ(provider->retry_after(
                answer(429, R"({"message": "rate limited", "retry_after": 1.5, "global": false})")),
            std::chrono::milliseconds(1500));
  EXPECT_EQ(provider->retry_after(answer(429, R"({"retry_after": 0.0004})")),
            std::chrono::milliseconds(1));  // rounded up, never "now"
  // No body value → the header.
  EXPECT_EQ(provider->retry_after(answer(429, "not json", {{"retry-after", "2"}})),
            std::chrono::milliseconds(2000));
  EXPECT_EQ(
      provider->retry_after(answer(429, R"({"retry_after": "soon"})", {{"retry-after", "3"}})),
      std::chrono::milliseconds(3000));
  EXPECT_EQ(provider->retry_after(answer(429, R"({"retry_after": -1})")), std::nullopt);
  EXPECT_EQ(provider->retry_after(answer(429)), std::nullopt);
}

TEST(DiscordProvider, ThirtyMessagesAMinuteByDefault) {
  EXPECT_EQ(provider_from(kDiscord)->policy().min_spacing, std::chrono::milliseconds(2000));
  EXPECT_EQ(provider_from(kDiscord)->kind(), "discord");
}

TEST(DiscordProvider, ConfigErrorsNameTheKey) {
  const auto missing = config_error("  - {name: chat, kind: discord}\n");
  EXPECT_NE(missing.find("alerts[0].url"), std::string::npos) << missing;
}

}  // namespace
}  // namespace watchdog::alerts
