// Fuzz-ish: events full of hostile text (quotes, backslashes, newlines, mentions, markup,
// emoji, CJK, combining marks, invalid UTF-8, 10 kB strings, 100 probes) through every
// provider. Each body must parse, hold only valid UTF-8, respect its receiver's limits, cut
// cleanly ("…", whole code points) and carry short hostile text through exactly.
#include <gtest/gtest.h>

#include <random>

#include "alert_test_events.h"
#include "watchdog/alerts/message.h"
#include "watchdog/alerts/slack_provider.h"
#include "watchdog/alerts/teams_provider.h"

namespace watchdog::alerts {
namespace {

using nlohmann::json;
using namespace alert_test;

const std::string kEllipsis = "\u2026";

const std::vector<std::string> kPieces = {"\"",
                                          "\\",
                                          "\n",
                                          "\r\n",
                                          "\t",
                                          "<@here>",
                                          "<!channel>",
                                          "@everyone",
                                          "&",
                                          "&amp;",
                                          "<",
                                          ">",
                                          "*bold*",
                                          "`code`",
                                          "${HOME}",
                                          "%s%n",
                                          "{\"a\":1}",
                                          "</script>",
                                          "|",
                                          "😀",
                                          "👩‍👩‍👧",
                                          "日本語",
                                          "e\u0301",
                                          "\u202E",
                                          "\u200B",
                                          std::string(1, '\0'),
                                          "\x01",
                                          "\x7f",
                                          "\xff",
                                          "\xC0\xAF",
                                          "\xED\xA0\x80",
                                          "\xE2\x82",
                                          "\xF4\x90\x80\x80",
                                          "x",
                                          "api",
                                          " "};

class Hostile {
 public:
  explicit Hostile(std::uint32_t seed) : random_(seed) {}

  std::string text() {
    std::string out;
    const int pieces = pick(12);
    for (int i = 0; i < pieces; ++i) out += piece();
    if (pick(5) == 0) {  // now and then a 10 kB string
      const std::string unit = piece();
      while (out.size() < 10'000) out += unit.empty() ? "x" : unit;
    }
    return out;
  }

  AlertEvent event() {
    static const core::State states[] = {core::State::Healthy, core::State::Degraded,
                                         core::State::Critical, core::State::Recovering,
                                         core::State::Failed};
    auto e = sample_event();
    e.component = text() + "c";  // never empty, like a configured name
    e.reason = text();
    e.from = states[pick(5)];
    e.to = states[pick(5)];
    if (pick(4) == 0) {
      e.type = "reminder";
      e.reminder = 1 + pick(3);
    }
    if (pick(3) == 0) e.incident_id = text();
    e.root_cause = pick(2) ? text() : "";
    e.root_incident = e.root_cause.empty() ? "" : text();
    if (pick(3) == 0) {
      e.action.reset();
    } else {
      e.action->detail = text();
    }
    if (pick(4) == 0) e.link.clear();
    static const int probe_counts[] = {0, 1, 3, 100};
    e.probes.clear();
    const int probes = probe_counts[pick(4)];
    for (int i = 0; i < probes; ++i) {
      e.probes.push_back({text() + "p", "http", "unhealthy", "other", text()});
    }
    return e;
  }

 private:
  int pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(random_); }
  const std::string& piece() { return kPieces[pick(static_cast<int>(kPieces.size()))]; }
  std::mt19937 random_;
};

std::string str(const json& value) { return value.get<std::string>(); }

bool ends_with_ellipsis(const std::string& text) {
  return text.size() >= kEllipsis.size() &&
         text.compare(text.size() - kEllipsis.size(), kEllipsis.size(), kEllipsis) == 0;
}

// `sent` is `source` (repaired) when that fits in `limit`; otherwise a clean cut of it.
void expect_exact_or_cut(const std::string& sent, const std::string& source, std::size_t limit,
                         const std::string& what) {
  const std::string whole = valid_utf8(source);
  if (text_length(whole) <= limit) {
    EXPECT_EQ(sent, whole) << what;
    return;
  }
  EXPECT_LE(text_length(sent), limit) << what;
  ASSERT_TRUE(ends_with_ellipsis(sent)) << what;
  const std::string kept = sent.substr(0, sent.size() - kEllipsis.size());
  EXPECT_EQ(whole.compare(0, kept.size(), kept), 0) << what << ": not a prefix";
}

void expect_valid_strings(const json& value, const std::string& where) {
  if (value.is_string()) {
    EXPECT_EQ(valid_utf8(str(value)), str(value)) << where;
  } else if (value.is_structured()) {
    for (const auto& [key, item] : value.items()) {
      EXPECT_EQ(valid_utf8(key), key) << where;
      expect_valid_strings(item, where + "." + key);
    }
  }
}

json body_of(const Provider& provider, const AlertEvent& event) {
  const auto request = provider.format(event);
  json body = json::parse(request.body);  // throws (fails the test) when it does not parse
  expect_valid_strings(body, std::string(provider.kind()));
  return body;
}

// Slack mrkdwn: no raw < or > (no mention, no link injection), & only as an entity.
void expect_escaped(const std::string& mrkdwn) {
  EXPECT_EQ(mrkdwn.find_first_of("<>"), std::string::npos) << mrkdwn.substr(0, 200);
  for (auto amp = mrkdwn.find('&'); amp != std::string::npos; amp = mrkdwn.find('&', amp + 1)) {
    const auto entity = mrkdwn.substr(amp, 5);
    EXPECT_TRUE(entity == "&amp;" || entity.rfind("&lt;", 0) == 0 || entity.rfind("&gt;", 0) == 0)
        << entity;
  }
}

void check_slack(const Provider& provider, const AlertEvent& event) {
  const auto body = body_of(provider, event);
  const auto m = compose(event);
  EXPECT_LE(text_length(str(body["text"])), 3000u);
  const auto& blocks = body["blocks"];
  EXPECT_LE(blocks.size(), 50u);
  expect_exact_or_cut(str(blocks[0]["text"]["text"]), m.title, 150, "slack header");
  const auto summary = str(blocks[1]["text"]["text"]);
  EXPECT_LE(text_length(summary), 3000u);
  expect_escaped(summary);
  const auto& fields = blocks[2]["fields"];
  EXPECT_LE(fields.size(), 10u);
  for (const auto& f : fields) {
    EXPECT_LE(text_length(str(f["text"])), 2000u);
    EXPECT_FALSE(str(f["text"]).empty());
  }
  const std::string head = "*Component*\n";
  const auto component = str(fields[0]["text"]).substr(head.size());
  expect_escaped(component);
  const auto escaped = slack_escape(valid_utf8(event.component));
  if (text_length(escaped) <= 2000 - head.size()) {
    EXPECT_EQ(component, escaped);
  }
  for (std::size_t i = 3; i < blocks.size(); ++i) {
    if (blocks[i]["type"] != "context") continue;
    EXPECT_LE(blocks[i]["elements"].size(), 10u);
    for (const auto& element : blocks[i]["elements"]) {
      EXPECT_LE(text_length(str(element["text"])), 3000u);
      expect_escaped(str(element["text"]));
    }
  }
}

void check_discord(const Provider& provider, const AlertEvent& event) {
  const auto body = body_of(provider, event);
  const auto m = compose(event);
  expect_exact_or_cut(str(body["content"]), m.title + "\n" + m.summary, 2000, "discord content");
  EXPECT_EQ(body["allowed_mentions"]["parse"], json::array());
  ASSERT_EQ(body["embeds"].size(), 1u);
  const auto& embed = body["embeds"][0];
  expect_exact_or_cut(str(embed["title"]), m.title, 256, "discord title");
  EXPECT_LE(text_length(str(embed["description"])), 4096u);
  EXPECT_LE(text_length(str(embed["footer"]["text"])), 2048u);
  EXPECT_LE(embed["fields"].size(), 25u);
  std::size_t total = text_length(str(embed["title"])) + text_length(str(embed["description"])) +
                      text_length(str(embed["footer"]["text"]));
  for (const auto& f : embed["fields"]) {
    EXPECT_LE(text_length(str(f["name"])), 256u);
    EXPECT_LE(text_length(str(f["value"])), 1024u);
    EXPECT_FALSE(str(f["value"]).empty());
    total += text_length(str(f["name"])) + text_length(str(f["value"]));
  }
  EXPECT_LE(total, 6000u);
  if (!embed["fields"].empty()) {
    expect_exact_or_cut(str(embed["fields"][0]["value"]), event.component, 1024, "discord field");
  }
}

void check_teams(const Provider& provider, const AlertEvent& event) {
  const auto request = provider.format(event);
  EXPECT_LE(request.body.size(), kTeamsBodyMax);
  const auto body = body_of(provider, event);
  const auto& card_body = body["attachments"][0]["content"]["body"];
  expect_exact_or_cut(str(card_body[0]["text"]), compose(event).title, 256, "teams title");
  const auto& component = card_body[2]["facts"][0];
  EXPECT_EQ(component["title"], "Component");
  if (text_length(event.component) <= 40) {
    EXPECT_EQ(str(component["value"]), valid_utf8(event.component));
  }
}

void check_pagerduty(const Provider& provider, const AlertEvent& event) {
  const auto body = body_of(provider, event);
  EXPECT_LE(text_length(str(body["dedup_key"])), 255u);
  const std::string incident = event.incident_id.empty() ? event.component : event.incident_id;
  expect_exact_or_cut(str(body["dedup_key"]), incident, 255, "pagerduty dedup_key");
  if (event.to == core::State::Healthy) {
    EXPECT_FALSE(body.contains("payload"));
    return;
  }
  const auto& payload = body["payload"];
  expect_exact_or_cut(str(payload["summary"]), compose(event).summary, 1024, "pagerduty summary");
  EXPECT_LE(text_length(str(payload["source"])), 255u);
  expect_exact_or_cut(str(payload["component"]), event.component, 2000, "pagerduty component");
  EXPECT_LE(payload["custom_details"]["probes"].size(), 51u);
  EXPECT_LT(dump_json(body).size(), 512u * 1024);
}

void check_alertmanager(const Provider& provider, const AlertEvent& event) {
  const auto body = body_of(provider, event);
  ASSERT_TRUE(body.is_array());
  ASSERT_GE(body.size(), 1u);
  ASSERT_LE(body.size(), 2u);
  for (const auto& alert : body) {
    EXPECT_EQ(str(alert["labels"]["component"]), valid_utf8(event.component));
    EXPECT_LE(text_length(str(alert["annotations"]["description"])), 4000u);
    EXPECT_TRUE(alert.contains("startsAt"));
  }
}

struct Kind {
  const char* name;
  const char* yaml;
  void (*check)(const Provider&, const AlertEvent&);
};

const Kind kKinds[] = {
    {"slack", "  - {name: s, kind: slack, url: 'https://hooks.slack.test/x'}\n", check_slack},
    {"discord", "  - {name: d, kind: discord, url: 'https://discord.test/x'}\n", check_discord},
    {"teams", "  - {name: t, kind: teams, url: 'https://teams.test/x'}\n", check_teams},
    {"pagerduty", "  - {name: p, kind: pagerduty, routing_key: k}\n", check_pagerduty},
    {"alertmanager", "  - {name: a, kind: alertmanager, url: 'http://am:9093'}\n",
     check_alertmanager},
};

class AlertTextFuzz : public ::testing::TestWithParam<Kind> {};

TEST_P(AlertTextFuzz, HostileEventsStayWithinTheReceiversRules) {
  const Kind& kind = GetParam();
  auto provider = provider_from(kind.yaml);
  Hostile hostile(20261122);
  int long_names = 0, many_probes = 0;
  for (int i = 0; i < 40; ++i) {
    SCOPED_TRACE("event " + std::to_string(i));
    const auto event = hostile.event();
    long_names += text_length(event.component) > 2000;
    many_probes += event.probes.size() == 100;
    kind.check(*provider, event);
    if (HasFatalFailure()) return;
  }
  // The seed does reach the cutting paths.
  EXPECT_GT(long_names, 0);
  EXPECT_GT(many_probes, 0);
}

std::string kind_name(const ::testing::TestParamInfo<Kind>& param) { return param.param.name; }

INSTANTIATE_TEST_SUITE_P(EveryKind, AlertTextFuzz, ::testing::ValuesIn(kKinds), kind_name);

TEST(AlertTextFuzzFixed, ShortHostileNamesRoundTripExactly) {
  auto event = sample_event();
  event.component = "q\"uote\\ new\nline <@here> & 😀 日本 e\u0301";
  event.probes.assign(100, {"p\"\\\n", "http", "unhealthy", "other", std::string(10'000, '\\')});
  for (const auto& kind : kKinds) {
    SCOPED_TRACE(kind.name);
    kind.check(*provider_from(kind.yaml), event);
  }
}

TEST(AlertTextFuzzFixed, InvalidUtf8NeverBreaksABody) {
  auto event = sample_event();
  event.component = "bad\xff\xfe name";
  event.reason = std::string("\xC3", 1);  // a lone lead byte at the very end
  event.probes[0].detail = "\xED\xA0\x80\xF8\x88\x80\x80\x80";
  for (const auto& kind : kKinds) {
    SCOPED_TRACE(kind.name);
    kind.check(*provider_from(kind.yaml), event);
  }
}

}  // namespace
}  // namespace watchdog::alerts
