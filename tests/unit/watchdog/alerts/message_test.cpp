// compose(): what a human reads in every chat/paging provider; and the UTF-8-safe text
// helpers every provider uses to respect its receiver's limits.
#include "watchdog/alerts/message.h"

#include <gtest/gtest.h>

#include "alert_test_events.h"

namespace watchdog::alerts {
namespace {

using Facts = std::vector<std::pair<std::string, std::string>>;
using alert_test::resolved_event;
using alert_test::sample_event;

TEST(MessageCompose, NamesComponentStateRootCauseActionAndLink) {
  const auto event = sample_event();
  const auto m = compose(event);
  EXPECT_EQ(m.title, "api is RECOVERING");
  EXPECT_EQ(m.summary, headline(event));
  EXPECT_EQ(m.facts,
            (Facts{{"Component", "api"},
                   {"State", "RECOVERING (was CRITICAL)"},
                   {"Root cause", "postgres (incident postgres-20261122T033000Z)"},
                   {"Action", "restart-api (docker_restart): ok \u2014 container restarted"},
                   {"Attempt", "1"},
                   {"Incident", "api-20261122T033500Z"}}));
  EXPECT_EQ(m.probe_lines,
            std::vector<std::string>{"api-http (http): unhealthy \u2014 connection refused"});
  EXPECT_EQ(m.link, "https://watchdog.example/incidents/api-20261122T033500Z");
  EXPECT_EQ(m.severity, Severity::Critical);
  EXPECT_FALSE(m.resolved);
}

TEST(MessageCompose, ResolvedSaysHowLongTheOutageLasted) {
  const auto m = compose(resolved_event());
  EXPECT_EQ(m.title, "api recovered after 3m 12s");
  EXPECT_TRUE(m.resolved);
  EXPECT_EQ(m.severity, Severity::Info);
  ASSERT_FALSE(m.facts.empty());
  EXPECT_EQ(m.facts.back(), (std::pair<std::string, std::string>{"Outage", "3m 12s"}));
}

TEST(MessageCompose, ResolvedWithoutAKnownStart) {
  auto event = resolved_event();
  event.incident_started.reset();
  const auto m = compose(event);
  EXPECT_EQ(m.title, "api is HEALTHY again");
  for (const auto& fact : m.facts) EXPECT_NE(fact.first, "Outage");
}

TEST(MessageCompose, ReminderSaysHowLongTheIncidentHasBeenOpen) {
  auto event = sample_event();
  event.type = "reminder";
  event.reminder = 1;
  event.from = core::State::Recovering;
  event.to = core::State::Critical;
  event.incident_started = event.at - std::chrono::hours(4);
  EXPECT_EQ(compose(event).title, "Reminder: api is still CRITICAL (for 4h 00m)");
  event.incident_started.reset();
  EXPECT_EQ(compose(event).title, "Reminder: api is still CRITICAL");
}

TEST(MessageCompose, AbsentFactsAreLeftOut) {
  auto event = sample_event();
  event.root_cause.clear();
  event.root_incident.clear();
  event.action.reset();
  event.attempt = 0;
  event.from = core::State::Healthy;
  event.to = core::State::Degraded;
  const auto m = compose(event);
  EXPECT_EQ(m.facts, (Facts{{"Component", "api"},
                            {"State", "DEGRADED (was HEALTHY)"},
                            {"Incident", "api-20261122T033500Z"}}));
  EXPECT_EQ(m.severity, Severity::Warning);
}

TEST(MessageCompose, FailedActionAndEmptyDetails) {
  auto event = sample_event();
  event.action = ActionSnapshot{"restart-api", "docker_restart", false, ""};
  event.probes[0].detail = "";
  const auto m = compose(event);
  EXPECT_EQ(m.facts.at(3).second, "restart-api (docker_restart): failed");
  EXPECT_EQ(m.probe_lines.at(0), "api-http (http): unhealthy");
}

// The conditions: FLAPPING (and its reminders), its resolution, a component removed mid-incident.
TEST(MessageCompose, FlappingSettledAndRemoved) {
  auto flapping = sample_event();
  flapping.condition = "flapping";
  flapping.from = flapping.to = core::State::Critical;
  flapping.reason = "5 change(s) of health within 10m";
  auto m = compose(flapping);
  EXPECT_EQ(m.title, "api is FLAPPING");
  EXPECT_EQ(m.summary, "api is FLAPPING (up to CRITICAL): 5 change(s) of health within 10m");
  EXPECT_EQ(m.facts[1],
            (std::pair<std::string, std::string>{"State", "FLAPPING (up to CRITICAL)"}));
  EXPECT_EQ(m.severity, Severity::Critical);
  flapping.type = "reminder";
  EXPECT_EQ(compose(flapping).title, "Reminder: api is still FLAPPING");

  auto settled = resolved_event();
  settled.condition = "flapping_stopped";
  settled.reason = "2 change(s) of health within 10m; now HEALTHY";
  m = compose(settled);
  EXPECT_EQ(m.title, "api stopped flapping");
  EXPECT_TRUE(m.resolved);
  for (const auto& [label, value] : m.facts) EXPECT_NE(label, "Outage") << "nothing recovered";

  auto removed = resolved_event();
  removed.condition = "removed";
  removed.from = core::State::Failed;
  removed.reason = "removed from configuration";
  m = compose(removed);
  EXPECT_EQ(m.title, "api removed from the configuration; incident closed");
  EXPECT_EQ(m.summary,
            "api was removed from the configuration (was FAILED): removed from configuration");
  EXPECT_TRUE(m.resolved);
  // The condition survives the outbox (to_json → from_json); none is null.
  EXPECT_EQ(from_json(to_json(removed)).condition, "removed");
  EXPECT_TRUE(to_json(sample_event()).at("condition").is_null());
  EXPECT_EQ(from_json(to_json(sample_event())).condition, "");
}

TEST(MessageText, TruncateKeepsShortTextAndCountsTheEllipsis) {
  EXPECT_EQ(truncate_text("hello", 10), "hello");
  EXPECT_EQ(truncate_text("hello", 5), "hello");
  EXPECT_EQ(truncate_text("hello world", 5), "hell\u2026");
  EXPECT_EQ(text_length(truncate_text("hello world", 5)), 5u);
  EXPECT_EQ(truncate_text("ab cd", 4), "ab\u2026");  // no blank before the ellipsis
  EXPECT_EQ(truncate_text("hello", 1), "\u2026");
  EXPECT_EQ(truncate_text("hello", 0), "");
  EXPECT_EQ(truncate_text("", 0), "");
}

TEST(MessageText, TruncateCountsCodePointsAndNeverSplitsThem) {
  EXPECT_EQ(truncate_text("日本語テキスト", 4), "日本語\u2026");
  EXPECT_EQ(truncate_text("😀😀😀😀", 3), "😀😀\u2026");
  EXPECT_EQ(truncate_text("😀😀😀", 3), "😀😀😀");
  EXPECT_EQ(text_length("e\u0301"), 2u);  // a combining mark is a code point of its own
  EXPECT_EQ(text_length("é日😀"), 3u);
}

TEST(MessageText, InvalidBytesBecomeReplacementCharacters) {
  EXPECT_EQ(valid_utf8("a\xff"
                       "b"),
            "a\uFFFD"
            "b");
  EXPECT_EQ(valid_utf8("ok ü€😀"), "ok ü€😀");
  EXPECT_EQ(valid_utf8("\xC0\xAF"), "\uFFFD\uFFFD");                      // overlong '/'
  EXPECT_EQ(valid_utf8("\xED\xA0\x80"), "\uFFFD\uFFFD\uFFFD");            // a UTF-16 surrogate
  EXPECT_EQ(valid_utf8("\xF4\x90\x80\x80"), "\uFFFD\uFFFD\uFFFD\uFFFD");  // above U+10FFFF
  EXPECT_EQ(valid_utf8("x\xE2\x82"), "x\uFFFD\uFFFD");                    // cut at the end
  EXPECT_EQ(text_length("a\xff"
                        "b"),
            3u);
  EXPECT_EQ(truncate_text("\xff\xff\xff\xff", 3), "\uFFFD\uFFFD\u2026");
  EXPECT_EQ(truncate_text("a\xff", 5), "a\uFFFD");  // repaired even when not cut
}

}  // namespace
}  // namespace watchdog::alerts
