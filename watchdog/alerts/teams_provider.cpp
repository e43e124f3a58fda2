#include "watchdog/alerts/teams_provider.h"

#include "watchdog/alerts/json_post.h"
#include "watchdog/alerts/message.h"

namespace watchdog::alerts {
namespace {

constexpr std::size_t kTitleMax = 256;
constexpr std::size_t kSummaryMax = 2000;
constexpr std::size_t kSummaryLastResort = 300;

// How much of the variable text a card may carry; tried from the most to the least.
struct Budget {
  std::size_t probe_lines;  // how many probe lines
  std::size_t line_chars;   // code points per probe line
  std::size_t fact_chars;   // code points per fact value
  std::size_t summary_chars;
};
constexpr Budget kBudgets[] = {
    {50, 1000, 1000, kSummaryMax}, {20, 500, 500, kSummaryMax}, {10, 200, 200, kSummaryMax},
    {5, 80, 80, kSummaryMax},      {0, 0, 80, kSummaryMax},     {0, 0, 40, kSummaryLastResort},
};

std::string_view colour_of(Severity severity) {
  switch (severity) {
    case Severity::Critical:
      return "attention";
    case Severity::Warning:
      return "warning";
    case Severity::Info:
      break;
  }
  return "good";
}

nlohmann::json text_block(std::string text) {
  return {{"type", "TextBlock"}, {"text", std::move(text)}, {"wrap", true}};
}

nlohmann::json card(const Message& message, const Budget& budget) {
  nlohmann::json body = nlohmann::json::array();
  auto title = text_block(truncate_text(message.title, kTitleMax));
  title["weight"] = "bolder";
  title["size"] = "medium";
  title["color"] = colour_of(message.severity);
  body.push_back(title);
  body.push_back(text_block(truncate_text(message.summary, budget.summary_chars)));

  nlohmann::json facts = nlohmann::json::array();
  for (const auto& [label, value] : message.facts) {
    facts.push_back(
        {{"title", valid_utf8(label)}, {"value", truncate_text(value, budget.fact_chars)}});
  }
  body.push_back({{"type", "FactSet"}, {"facts", facts}});

  const auto& lines = message.probe_lines;
  if (!lines.empty() && budget.probe_lines > 0) {
    const std::size_t shown = std::min(lines.size(), budget.probe_lines);
    std::string text;
    for (std::size_t i = 0; i < shown; ++i) {
      if (i > 0) text += "\n\n";  // a paragraph per line: a single \n is not a break
      text += truncate_text(lines[i], budget.line_chars);
    }
    if (shown < lines.size()) {
      text += "\n\n\xE2\x80\xA6 and " + std::to_string(lines.size() - shown) + " more probes";
    }
    auto block = text_block(text);
    block["isSubtle"] = true;
    body.push_back(block);
  }

  nlohmann::json content = {{"$schema", "http://adaptivecards.io/schemas/adaptive-card.json"},
                            {"type", "AdaptiveCard"},
                            {"version", "1.4"},
                            {"body", body}};
  if (!message.link.empty()) {
    content["actions"] = nlohmann::json::array({{{"type", "Action.OpenUrl"},
                                                 {"title", "Open incident"},
                                                 {"url", valid_utf8(message.link)}}});
  }
  return {{"type", "message"},
          {"attachments",
           nlohmann::json::array({{{"contentType", "application/vnd.microsoft.card.adaptive"},
                                   {"contentUrl", nullptr},
                                   {"content", content}}})}};
}

}  // namespace

std::unique_ptr<Provider> TeamsProvider::create(std::string name, config::Options& options) {
  DeliveryPolicy defaults;
  defaults.min_spacing = milliseconds(1000);
  auto policy = read_policy(options, defaults);
  auto route = read_route(options);
  auto url = required_url(options, "url");
  return std::make_unique<TeamsProvider>(std::move(name), policy, std::move(route), std::move(url));
}

TeamsProvider::TeamsProvider(std::string name, DeliveryPolicy policy, Route route,
                             config::Secret url)
    : Provider(std::move(name), policy, std::move(route)), url_(std::move(url)) {}

std::string TeamsProvider::describe() const { return "url from " + url_.source; }

probes::HttpRequest TeamsProvider::format(const AlertEvent& event) const {
  const Message message = compose(event);
  probes::HttpRequest request;
  for (const auto& budget : kBudgets) {
    request = json_post(*this, url_.value, card(message, budget), event);
    if (request.body.size() <= kTeamsBodyMax) break;
  }
  return request;  // the last budget always fits (a few short texts)
}

bool TeamsProvider::accepted(const probes::HttpResponse& response) const {
  return response.ok() && (response.status == 200 || response.status == 202);
}

}  // namespace watchdog::alerts
