#include "watchdog/alerts/pagerduty_provider.h"

#include "config/time_text.h"
#include "watchdog/alerts/json_post.h"
#include "watchdog/alerts/message.h"

namespace watchdog::alerts {
namespace {

// Events API v2 limits (characters), and ours for the free-form details (the whole event may
// be at most 512 KB).
constexpr std::size_t kDedupKeyMax = 255;
constexpr std::size_t kSummaryMax = 1024;
constexpr std::size_t kSourceMax = 255;
constexpr std::size_t kDetailMax = 2000;
constexpr std::size_t kProbeLinesMax = 50;
constexpr std::size_t kProbeLineMax = 500;

std::string_view pagerduty_severity(core::State state) {
  switch (state) {
    case core::State::Critical:
    case core::State::Failed:
      return "critical";
    case core::State::Recovering:
      return "error";
    case core::State::Degraded:
      return "warning";
    case core::State::Healthy:
      break;
  }
  return "info";
}

std::string fact(const Message& message, std::string_view label) {
  for (const auto& [name, value] : message.facts) {
    if (name == label) return value;
  }
  return "";
}

nlohmann::json custom_details(const AlertEvent& event, const Message& message) {
  nlohmann::json probes = nlohmann::json::array();
  for (const auto& line : message.probe_lines) {
    if (probes.size() == kProbeLinesMax) {
      probes.push_back("\xE2\x80\xA6 and " +
                       std::to_string(message.probe_lines.size() - kProbeLinesMax) + " more");
      break;
    }
    probes.push_back(truncate_text(line, kProbeLineMax));
  }
  nlohmann::json details = {
      {"reason", truncate_text(event.reason, kDetailMax)},
      {"incident_id", truncate_text(event.incident_id, kDetailMax)},
      {"from", std::string(core::to_string(event.from))},
      {"to", std::string(core::to_string(event.to))},
      {"attempt", event.attempt},
      {"probes", probes},
  };
  if (const auto root = fact(message, "Root cause"); !root.empty()) {
    details["root_cause"] = truncate_text(root, kDetailMax);
  }
  if (const auto action = fact(message, "Action"); !action.empty()) {
    details["action"] = truncate_text(action, kDetailMax);
  }
  return details;
}

}  // namespace

std::unique_ptr<Provider> PagerDutyProvider::create(std::string name, config::Options& options) {
  auto policy = read_policy(options);
  auto route = read_route(options);
  auto routing_key = options.required_secret("routing_key");
  if (routing_key.value.empty()) options.fail("routing_key", "must not be empty");
  auto url = options.string_or("url", kPagerDutyEventsUrl);
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    options.fail("url", "must start with http:// or https://");
  }
  auto source = options.string_or("source", "watchdog");
  if (source.empty()) options.fail("source", "must not be empty");
  return std::make_unique<PagerDutyProvider>(std::move(name), policy, std::move(route),
                                             std::move(routing_key), std::move(url),
                                             std::move(source));
}

PagerDutyProvider::PagerDutyProvider(std::string name, DeliveryPolicy policy, Route route,
                                     config::Secret routing_key, std::string url,
                                     std::string source)
    : Provider(std::move(name), policy, std::move(route)),
      routing_key_(std::move(routing_key)),
      url_(std::move(url)),
      source_(std::move(source)) {}

std::string PagerDutyProvider::describe() const {
  return url_ + ", routing key from " + routing_key_.source;
}

probes::HttpRequest PagerDutyProvider::format(const AlertEvent& event) const {
  const bool resolve = event.to == core::State::Healthy;
  const bool acknowledge = event.type == "acknowledge";  // an operator took the incident
  const std::string& incident = event.incident_id.empty() ? event.component : event.incident_id;
  nlohmann::json body = {
      {"routing_key", routing_key_.value},
      {"event_action", acknowledge ? "acknowledge" : resolve ? "resolve" : "trigger"},
      {"dedup_key", truncate_text(incident, kDedupKeyMax)},
  };
  if (resolve || acknowledge) return json_post(*this, url_, body, event);

  const Message message = compose(event);
  body["client"] = "watchdog";
  if (!event.link.empty()) {
    body["client_url"] = valid_utf8(event.link);
    body["links"] =
        nlohmann::json::array({{{"href", valid_utf8(event.link)}, {"text", "Incident"}}});
  }
  const std::string state(core::to_string(event.to));
  body["payload"] = {
      {"summary", truncate_text(message.summary, kSummaryMax)},
      {"source", truncate_text(source_, kSourceMax)},
      {"severity", std::string(pagerduty_severity(event.to))},
      {"component", truncate_text(event.component, kDetailMax)},
      {"group",
       truncate_text(event.root_cause.empty() ? event.component : event.root_cause, kDetailMax)},
      {"class", state},
      {"timestamp", config::format_rfc3339_ms(event.at)},
      {"custom_details", custom_details(event, message)},
  };
  return json_post(*this, url_, body, event);
}

bool PagerDutyProvider::accepted(const probes::HttpResponse& response) const {
  return response.ok() && (response.status == 202 || response.status == 200);
}

}  // namespace watchdog::alerts
