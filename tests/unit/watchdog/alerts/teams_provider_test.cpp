// Teams (Workflows): the exact envelope + Adaptive Card, the 28 000-byte ceiling, answers.
#include "watchdog/alerts/teams_provider.h"

#include <gtest/gtest.h>

#include "alert_test_events.h"

namespace watchdog::alerts {
namespace {

using nlohmann::json;
using namespace alert_test;

const char* kTeams = "  - {name: chat, kind: teams, url: 'https://prod.workflows.test/x?sig=y'}\n";

json fact(const std::string& title, const std::string& value) {
  return {{"title", title}, {"value", value}};
}

TEST(TeamsProvider, PostsAnAdaptiveCardInTheWorkflowsEnvelope) {
  auto provider = provider_from(kTeams);
  const auto event = sample_event();
  const auto request = provider->format(event);
  EXPECT_EQ(request.method, "POST");
  EXPECT_EQ(request.url, "https://prod.workflows.test/x?sig=y");
  EXPECT_EQ(header(request, "Content-Type"), "application/json");

  const json card = {
      {"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
      {"type", "AdaptiveCard"},
      {"version", "1.4"},
      {"body",
       {{{"type", "TextBlock"},
         {"text", "api is RECOVERING"},
         {"wrap", true},
         {"weight", "bolder"},
         {"size", "medium"},
         {"color", "attention"}},
        {{"type", "TextBlock"}, {"text", headline(event)}, {"wrap", true}},
        {{"type", "FactSet"},
         {"facts",
          {fact("Component", "api"), fact("State", "RECOVERING (was CRITICAL)"),
           fact("Root cause", "postgres (incident postgres-20261122T033000Z)"),
           fact("Action", "restart-api (docker_restart): ok \u2014 container restarted"),
           fact("Attempt", "1"), fact("Incident", "api-20261122T033500Z")}}},
        {{"type", "TextBlock"},
         {"text", "api-http (http): unhealthy \u2014 connection refused"},
         {"wrap", true},
         {"isSubtle", true}}}},
      {"actions",
       {{{"type", "Action.OpenUrl"},
         {"title", "Open incident"},
         {"url", "https://watchdog.example/incidents/api-20261122T033500Z"}}}},
  };
  const json expected = {
      {"type", "message"},
      {"attachments",
       {{{"contentType", "application/vnd.microsoft.card.adaptive"},
         {"contentUrl", nullptr},
         {"content", card}}}},
  };
  EXPECT_EQ(json::parse(request.body), expected) << json::parse(request.body).dump(2);
}

TEST(TeamsProvider, ColourBySeverityAndNoActionsWithoutLink) {
  auto provider = provider_from(kTeams);
  auto event = resolved_event();
  event.link.clear();
  auto content = json::parse(provider->format(event).body)["attachments"][0]["content"];
  EXPECT_EQ(content["body"][0]["color"], "good");
  EXPECT_EQ(content["body"][0]["text"], "api recovered after 3m 12s");
  EXPECT_FALSE(content.contains("actions"));
  event = sample_event();
  event.to = core::State::Degraded;
  content = json::parse(provider->format(event).body)["attachments"][0]["content"];
  EXPECT_EQ(content["body"][0]["color"], "warning");
}

TEST(TeamsProvider, ShrinksProbeLinesAndFactsToFit28000Bytes) {
  auto provider = provider_from(kTeams);
  auto event = sample_event();
  event.probes.clear();
  for (int i = 0; i < 100; ++i) {
    event.probes.push_back({"p" + std::to_string(i), "http", "unhealthy", "other",
                            std::string(10'000, '"')});  // each escapes to two bytes
  }
  event.action->detail = std::string(10'000, '\x01');  // six bytes each once escaped
  const auto request = provider->format(event);
  EXPECT_LE(request.body.size(), kTeamsBodyMax);
  const auto body = json::parse(request.body);
  const auto& facts = body["attachments"][0]["content"]["body"][2]["facts"];
  EXPECT_EQ(facts[0]["value"], "api");  // short facts are kept whole
}

TEST(TeamsProvider, Answers) {
  auto provider = provider_from(kTeams);
  EXPECT_TRUE(provider->accepted(answer(202)));
  EXPECT_TRUE(provider->accepted(answer(200)));
  EXPECT_FALSE(provider->accepted(answer(204)));
  EXPECT_FALSE(provider->retryable(answer(400)));
  EXPECT_FALSE(provider->retryable(answer(404)));
  EXPECT_TRUE(provider->retryable(answer(429)));
  EXPECT_TRUE(provider->retryable(answer(500)));
  EXPECT_EQ(provider->policy().min_spacing, std::chrono::milliseconds(1000));
  EXPECT_EQ(provider->kind(), "teams");
}

TEST(TeamsProvider, ConfigErrorsNameTheKey) {
  const auto missing = config_error("  - {name: chat, kind: teams}\n");
  EXPECT_NE(missing.find("alerts[0].url"), std::string::npos) << missing;
}

}  // namespace
}  // namespace watchdog::alerts
