#include "watchdog/alerts/slack_provider.h"

#include "watchdog/alerts/json_post.h"
#include "watchdog/alerts/message.h"

namespace watchdog::alerts {
namespace {

// Block Kit limits (code points).
constexpr std::size_t kTextMax = 3000;      // top-level text, section text, context text
constexpr std::size_t kHeaderMax = 150;     // header block
constexpr std::size_t kFieldsMax = 10;      // fields per section
constexpr std::size_t kFieldMax = 2000;     // one field
constexpr std::size_t kContextMax = 10;     // elements per context block
constexpr std::size_t kProbeLineMax = 500;  // ours: a probe line is one line, not a page

// Escaped mrkdwn of at most `max` code points; a cut never leaves half an entity ("&am…").
std::string mrkdwn(std::string_view text, std::size_t max) {
  std::string escaped = slack_escape(valid_utf8(text));
  if (text_length(escaped) <= max) return escaped;
  std::string cut = truncate_text(escaped, max);
  const std::string ellipsis = "\xE2\x80\xA6";
  cut.resize(cut.size() - ellipsis.size());
  const auto amp = cut.rfind('&');
  if (amp != std::string::npos && cut.find(';', amp) == std::string::npos) cut.resize(amp);
  return cut + ellipsis;
}

nlohmann::json mrkdwn_object(std::string text) {
  return {{"type", "mrkdwn"}, {"text", std::move(text)}};
}

// "<url|Open incident>": the URL escaped like text, and a '|' in it would end the URL early.
std::string link_markup(const std::string& link) {
  std::string url;
  for (char c : slack_escape(valid_utf8(link))) {
    url += c == '|' ? std::string("%7C") : std::string(1, c);
  }
  return "<" + url + "|Open incident>";
}

nlohmann::json blocks(const Message& message) {
  nlohmann::json out = nlohmann::json::array();
  out.push_back({{"type", "header"},
                 {"text",
                  {{"type", "plain_text"},
                   {"text", truncate_text(message.title, kHeaderMax)},
                   {"emoji", true}}}});
  out.push_back({{"type", "section"}, {"text", mrkdwn_object(mrkdwn(message.summary, kTextMax))}});

  nlohmann::json fields = nlohmann::json::array();
  for (const auto& [label, value] : message.facts) {
    if (fields.size() == kFieldsMax) break;
    const std::string head = "*" + slack_escape(label) + "*\n";
    fields.push_back(mrkdwn_object(head + mrkdwn(value, kFieldMax - text_length(head))));
  }
  out.push_back({{"type", "section"}, {"fields", fields}});

  if (!message.probe_lines.empty()) {
    nlohmann::json elements = nlohmann::json::array();
    const auto& lines = message.probe_lines;
    const std::size_t shown = lines.size() <= kContextMax ? lines.size() : kContextMax - 1;
    for (std::size_t i = 0; i < shown; ++i) {
      elements.push_back(mrkdwn_object(mrkdwn(lines[i], kProbeLineMax)));
    }
    if (shown < lines.size()) {
      elements.push_back(mrkdwn_object("\xE2\x80\xA6 and " + std::to_string(lines.size() - shown) +
                                       " more probes"));
    }
    out.push_back({{"type", "context"}, {"elements", elements}});
  }
  if (!message.link.empty()) {
    out.push_back({{"type", "section"},
                   {"text", mrkdwn_object(truncate_text(link_markup(message.link), kTextMax))}});
  }
  return out;
}

// The notification text (and what clients without blocks show): title, summary, link.
std::string fallback_text(const Message& message) {
  const std::string link = message.link.empty() ? "" : "\n" + link_markup(message.link);
  if (text_length(link) > kTextMax / 2) {  // an absurd link must not crowd out the text
    return mrkdwn(message.title + "\n" + message.summary, kTextMax);
  }
  return mrkdwn(message.title + "\n" + message.summary, kTextMax - text_length(link)) + link;
}

}  // namespace

std::string slack_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::unique_ptr<Provider> SlackProvider::create(std::string name, config::Options& options) {
  DeliveryPolicy defaults;
  defaults.min_spacing = milliseconds(1000);  // Slack: about one message per second
  auto policy = read_policy(options, defaults);
  auto route = read_route(options);
  auto url = required_url(options, "url");
  return std::make_unique<SlackProvider>(std::move(name), policy, std::move(route), std::move(url));
}

SlackProvider::SlackProvider(std::string name, DeliveryPolicy policy, Route route,
                             config::Secret url)
    : Provider(std::move(name), policy, std::move(route)), url_(std::move(url)) {}

std::string SlackProvider::describe() const { return "url from " + url_.source; }

probes::HttpRequest SlackProvider::format(const AlertEvent& event) const {
  const Message message = compose(event);
  const nlohmann::json body = {{"text", fallback_text(message)}, {"blocks", blocks(message)}};
  return json_post(*this, url_.value, body, event);
}

bool SlackProvider::accepted(const probes::HttpResponse& response) const {
  if (!response.ok() || response.status != 200) return false;
  const auto first = response.body.find_first_not_of(" \t\r\n");
  const auto last = response.body.find_last_not_of(" \t\r\n");
  return first != std::string::npos && response.body.substr(first, last - first + 1) == "ok";
}

}  // namespace watchdog::alerts
