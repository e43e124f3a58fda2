// libFuzzer target: one event with fuzzed text through every provider's format(). Identifiers
// (component, incident, event id, probe names) come from the alphabet config/ allows; free text
// (reason, probe details and statuses, action detail, link path) is any bytes.
// Properties, each a trap when broken:
//   - every body is JSON that nlohmann parses (so valid UTF-8, every control byte escaped);
//   - no request header holds CR or LF (no header injection through an event field);
//   - the webhook body reads back (from_json) to the same text, when that text is valid UTF-8;
//   - Slack's mrkdwn never carries a mention or markup of our input ("<!", "<@", "<#", bare '<');
//   - Discord never lets a mention ping (allowed_mentions.parse is empty) and keeps its limits;
//   - Slack, PagerDuty and Teams keep their receivers' length limits.
// Built and run by scripts/fuzz.sh, not by the test suite.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "watchdog/alerts/alertmanager_provider.h"
#include "watchdog/alerts/discord_provider.h"
#include "watchdog/alerts/event.h"
#include "watchdog/alerts/message.h"
#include "watchdog/alerts/pagerduty_provider.h"
#include "watchdog/alerts/slack_provider.h"
#include "watchdog/alerts/teams_provider.h"
#include "watchdog/alerts/webhook_provider.h"

namespace {

using namespace watchdog;
using namespace watchdog::alerts;
using nlohmann::json;

void check(bool property) {
  if (!property) __builtin_trap();
}

// A name as config/ validates it (letters, digits, '-', '_', '.'), never empty.
std::string identifier(FuzzedDataProvider& in) {
  static constexpr char kAlphabet[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.";
  std::string name = "c";
  const auto length = in.ConsumeIntegralInRange<std::size_t>(0, 40);
  for (std::size_t i = 0; i < length; ++i) {
    name += kAlphabet[in.ConsumeIntegralInRange<std::size_t>(0, sizeof kAlphabet - 2)];
  }
  return name;
}

// Long enough to pass every receiver's limit (Discord's 4096-character description) once.
std::string text(FuzzedDataProvider& in, std::size_t max = 5000) {
  return in.ConsumeRandomLengthString(max);
}

core::State state(FuzzedDataProvider& in) {
  return core::kAllStates[in.ConsumeIntegralInRange<std::size_t>(0, 4)];
}

AlertEvent fuzzed_event(FuzzedDataProvider& in) {
  static const char* const kTypes[] = {"state_change", "reminder", "acknowledge", "backup_report"};
  static const char* const kConditions[] = {"", "flapping", "flapping_stopped", "removed"};
  AlertEvent e;
  e.component = identifier(in);
  e.incident_id = e.component + "-" + identifier(in);
  e.event_id = e.incident_id + "/" + std::to_string(in.ConsumeIntegral<std::uint8_t>());
  e.type = kTypes[in.ConsumeIntegralInRange<std::size_t>(0, 3)];
  e.reminder = e.type == std::string("reminder") ? in.ConsumeIntegralInRange<int>(1, 1000) : 0;
  e.condition = kConditions[in.ConsumeIntegralInRange<std::size_t>(0, 3)];
  e.from = state(in);
  e.to = state(in);
  e.overall = state(in);
  e.attempt = in.ConsumeIntegralInRange<int>(0, 100);
  // Within ±100 years of 2026: the engine's clock, not an arbitrary number of nanoseconds.
  const std::int64_t at_s = 1'795'000'000 + in.ConsumeIntegralInRange<std::int64_t>(
                                                -3'000'000'000LL, 3'000'000'000LL);
  e.at = core::TimePoint(std::chrono::seconds(at_s));
  if (in.ConsumeBool()) {
    e.incident_started = e.at - std::chrono::seconds(in.ConsumeIntegralInRange<int>(0, 1 << 30));
  }
  e.reason = text(in);
  // A few more than Slack shows (10), each line over its 500-character cut. Up to 60 probes of
  // 5000 characters ran at ~11 inputs/s (-O0) and reach no other branch.
  const auto probes = in.ConsumeIntegralInRange<std::size_t>(0, 12);
  for (std::size_t i = 0; i < probes && in.remaining_bytes() > 0; ++i) {
    e.probes.push_back({identifier(in), identifier(in), text(in, 40), text(in, 40), text(in, 700)});
  }
  if (in.ConsumeBool()) e.action = ActionSnapshot{identifier(in), identifier(in), in.ConsumeBool(), text(in)};
  if (in.ConsumeBool()) {  // a dependency: another component
    e.root_cause = identifier(in);
    e.root_incident = e.root_cause + "-" + identifier(in);
  }
  // watchdog.external_url (an operator's URL) + "/incidents/" + the id; the rest is fuzzed.
  if (in.ConsumeBool()) e.link = "https://watchdog.example/incidents/" + text(in);
  return e;
}

bool is_valid_utf8(const std::string& s) { return valid_utf8(s) == s; }

json parsed_body(const probes::HttpRequest& request) {
  for (const auto& header : request.headers) {
    check(header.find_first_of("\r\n") == std::string::npos);
  }
  // One parse (no exceptions): a body that is not JSON comes back discarded.
  json body = json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  check(!body.is_discarded());
  return body;
}

std::size_t length(const json& text) { return text_length(text.get<std::string>()); }

void check_webhook(const json& body, const AlertEvent& e) {
  const AlertEvent back = from_json(body);
  check(back.component == e.component && back.incident_id == e.incident_id);
  check(back.probes.size() == e.probes.size());
  // A backup report's states are its severity (event.h); every other event keeps its own.
  if (e.type != "backup_report") check(back.from == e.from && back.to == e.to);
  if (is_valid_utf8(e.reason)) check(back.reason == e.reason);
  for (std::size_t i = 0; i < e.probes.size(); ++i) {
    if (is_valid_utf8(e.probes[i].detail)) check(back.probes[i].detail == e.probes[i].detail);
  }
}

// Every mrkdwn text (Slack reads mentions and links only there, not in plain_text).
void mrkdwn_texts(const json& doc, std::vector<std::string>& out) {
  if (doc.is_object() && doc.value("type", "") == "mrkdwn") out.push_back(doc.value("text", ""));
  if (doc.is_structured()) {
    for (const auto& item : doc) mrkdwn_texts(item, out);
  }
}

// Only our own link markup "<https://…|Open incident>" may open a Slack control sequence.
void check_slack(const json& body) {
  std::vector<std::string> texts{body["text"].get<std::string>()};
  mrkdwn_texts(body, texts);
  for (const auto& s : texts) {
    check(s.find("<!") == std::string::npos && s.find("<@") == std::string::npos &&
          s.find("<#") == std::string::npos);
    for (std::size_t at = s.find('<'); at != std::string::npos; at = s.find('<', at + 1)) {
      check(s.compare(at, 9, "<https://") == 0);
    }
  }
  check(length(body["text"]) <= 3000);
  for (const auto& block : body["blocks"]) {
    if (block["type"] == "header") check(length(block["text"]["text"]) <= 150);
    if (block.contains("fields")) {
      check(block["fields"].size() <= 10);
      for (const auto& field : block["fields"]) check(length(field["text"]) <= 2000);
    }
    if (block.contains("elements")) check(block["elements"].size() <= 10);
    if (block.contains("text") && block["type"] == "section") {
      check(length(block["text"]["text"]) <= 3000);
    }
  }
}

void check_discord(const json& body) {
  check(body["allowed_mentions"]["parse"] == json::array());
  check(length(body["content"]) <= 2000);
  for (const auto& embed : body["embeds"]) {
    std::size_t total = 0;
    if (embed.contains("title")) check((total += length(embed["title"])) <= 6000 && length(embed["title"]) <= 256);
    if (embed.contains("description")) {
      check(length(embed["description"]) <= 4096);
      total += length(embed["description"]);
    }
    if (embed.contains("fields")) {
      check(embed["fields"].size() <= 25);
      for (const auto& field : embed["fields"]) {
        check(length(field["name"]) <= 256 && length(field["value"]) <= 1024);
        total += length(field["name"]) + length(field["value"]);
      }
    }
    if (embed.contains("footer")) total += length(embed["footer"]["text"]);
    check(total <= 6000);
  }
}

void check_pagerduty(const json& body) {
  if (body.contains("dedup_key")) check(length(body["dedup_key"]) <= 255);
  if (body.contains("payload")) {
    check(length(body["payload"]["summary"]) <= 1024);
    check(length(body["payload"]["source"]) <= 255);
  }
}

struct Sinks {
  std::vector<std::unique_ptr<Provider>> all;
  Sinks() {
    const config::Secret url{"https://receiver.example/hook/s3cr3t", "test"};
    all.push_back(std::make_unique<WebhookProvider>("webhook", DeliveryPolicy{}, Route{}, url,
                                                    config::Secret{"key", "test"}));
    all.push_back(std::make_unique<SlackProvider>("slack", DeliveryPolicy{}, Route{}, url));
    all.push_back(std::make_unique<DiscordProvider>("discord", DeliveryPolicy{}, Route{}, url));
    all.push_back(std::make_unique<TeamsProvider>("teams", DeliveryPolicy{}, Route{}, url));
    all.push_back(std::make_unique<PagerDutyProvider>(
        "pagerduty", DeliveryPolicy{}, Route{}, config::Secret{"routing-key", "test"},
        "https://events.pagerduty.example/v2/enqueue", "watchdog-host"));
    all.push_back(std::make_unique<AlertmanagerProvider>(
        "alertmanager", DeliveryPolicy{}, Route{}, "http://alertmanager.example:9093",
        std::chrono::seconds(60), std::map<std::string, std::string>{{"team", "ops"}}));
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Sinks sinks;
  FuzzedDataProvider in(data, size);
  const AlertEvent event = fuzzed_event(in);
  for (const auto& sink : sinks.all) {
    const json body = parsed_body(sink->format(event));
    const auto kind = sink->kind();
    if (kind == "webhook") check_webhook(body, event);
    if (kind == "slack") check_slack(body);
    if (kind == "discord") check_discord(body);
    if (kind == "pagerduty") check_pagerduty(body);
    if (kind == "teams") check(json::accept(body.dump()));
  }
  // compose() is what every chat provider starts from: its lines stay valid once repaired.
  const Message message = compose(event);
  check(is_valid_utf8(truncate_text(message.summary, 100)));
  check(text_length(truncate_text(message.summary, 100)) <= 100);
  return 0;
}
