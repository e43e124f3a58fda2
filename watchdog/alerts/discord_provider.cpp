#include "watchdog/alerts/discord_provider.h"

#include <cmath>

#include "config/time_text.h"
#include "watchdog/alerts/json_post.h"
#include "watchdog/alerts/message.h"

namespace watchdog::alerts {
namespace {

// Discord's limits (characters).
constexpr std::size_t kContentMax = 2000;
constexpr std::size_t kTitleMax = 256;
constexpr std::size_t kDescriptionMax = 4096;
constexpr std::size_t kFieldsMax = 25;
constexpr std::size_t kFieldNameMax = 256;
constexpr std::size_t kFieldValueMax = 1024;
constexpr std::size_t kEmbedTotalMax = 6000;  // title + description + fields + footer
constexpr std::size_t kInlineMax = 40;        // longer facts get a row of their own

int colour_of(Severity severity) {
  switch (severity) {
    case Severity::Critical:
      return 0xE01E5A;  // red
    case Severity::Warning:
      return 0xECB22E;  // amber
    case Severity::Info:
      break;
  }
  return 0x2EB67D;  // green
}

struct Field {
  std::string name;
  std::string value;
};

nlohmann::json embed(const Message& message, const AlertEvent& event) {
  const std::string title = truncate_text(message.title, kTitleMax);
  const std::string footer = "watchdog";
  std::string description = message.summary;
  if (!message.probe_lines.empty()) description += "\n";
  for (const auto& line : message.probe_lines) {
    // More than 4 bytes per character means more characters than fit: stop copying.
    if (description.size() > 4 * kDescriptionMax) break;
    description += "\n\xE2\x80\xA2 " + line;  // "• "
  }
  description = truncate_text(description, kDescriptionMax);

  std::vector<Field> fields;
  for (const auto& [label, value] : message.facts) {
    if (fields.size() == kFieldsMax) break;
    // Discord refuses an empty field value.
    fields.push_back({truncate_text(label, kFieldNameMax),
                      value.empty() ? "-" : truncate_text(value, kFieldValueMax)});
  }

  // Keep the whole embed within 6000: drop fields from the end, then shorten the description.
  auto total = [&] {
    std::size_t sum = text_length(title) + text_length(description) + text_length(footer);
    for (const auto& f : fields) sum += text_length(f.name) + text_length(f.value);
    return sum;
  };
  while (total() > kEmbedTotalMax && !fields.empty()) fields.pop_back();
  if (const std::size_t sum = total(); sum > kEmbedTotalMax) {
    description = truncate_text(description, text_length(description) - (sum - kEmbedTotalMax));
  }

  nlohmann::json out = {{"title", title}, {"description", description}};
  if (!message.link.empty()) out["url"] = valid_utf8(message.link);
  out["color"] = colour_of(message.severity);
  out["fields"] = nlohmann::json::array();
  for (const auto& f : fields) {
    out["fields"].push_back(
        {{"name", f.name}, {"value", f.value}, {"inline", text_length(f.value) <= kInlineMax}});
  }
  out["footer"] = {{"text", footer}};
  out["timestamp"] = config::format_rfc3339_ms(event.at);
  return out;
}

}  // namespace

std::unique_ptr<Provider> DiscordProvider::create(std::string name, config::Options& options) {
  DeliveryPolicy defaults;
  defaults.min_spacing = milliseconds(2000);  // Discord: 30 messages a minute per webhook
  auto policy = read_policy(options, defaults);
  auto route = read_route(options);
  auto url = required_url(options, "url");
  return std::make_unique<DiscordProvider>(std::move(name), policy, std::move(route),
                                           std::move(url));
}

DiscordProvider::DiscordProvider(std::string name, DeliveryPolicy policy, Route route,
                                 config::Secret url)
    : Provider(std::move(name), policy, std::move(route)), url_(std::move(url)) {}

std::string DiscordProvider::describe() const { return "url from " + url_.source; }

probes::HttpRequest DiscordProvider::format(const AlertEvent& event) const {
  const Message message = compose(event);
  const nlohmann::json body = {
      {"content", truncate_text(message.title + "\n" + message.summary, kContentMax)},
      {"embeds", nlohmann::json::array({embed(message, event)})},
      {"allowed_mentions", {{"parse", nlohmann::json::array()}}},
  };
  return json_post(*this, url_.value, body, event);
}

bool DiscordProvider::accepted(const probes::HttpResponse& response) const {
  return response.ok() && (response.status == 200 || response.status == 204);
}

std::optional<milliseconds> DiscordProvider::retry_after(
    const probes::HttpResponse& response) const {
  const auto doc = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_object()) {
    const auto it = doc.find("retry_after");
    if (it != doc.end() && it->is_number()) {
      const double seconds = it->get<double>();
      if (std::isfinite(seconds) && seconds >= 0 && seconds < 86400) {
        return milliseconds(static_cast<long long>(std::ceil(seconds * 1000)));
      }
    }
  }
  return Provider::retry_after(response);
}

}  // namespace watchdog::alerts
