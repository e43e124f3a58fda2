#include "watchdog/alerts/alertmanager_provider.h"

#include <set>

#include "config/time_text.h"
#include "watchdog/alerts/json_post.h"
#include "watchdog/alerts/message.h"

namespace watchdog::alerts {
namespace {

constexpr std::chrono::seconds kDefaultResend{60};
// Alertmanager's default resolve_timeout: a firing alert not re-sent within it is resolved.
constexpr std::chrono::seconds kResolveTimeout{300};
constexpr std::size_t kDescriptionMax = 4000;
constexpr std::size_t kProbeLinesMax = 20;
constexpr std::size_t kProbeLineMax = 300;
// Labels the provider sets itself; `labels` may not override them.
const std::set<std::string> kOwnLabels = {"alertname", "component", "severity", "incident"};

bool valid_label_name(const std::string& name) {
  if (name.empty() || name.rfind("__", 0) == 0) return false;  // "__…" is reserved
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool http_url(const std::string& url) {
  return url.rfind("http://", 0) == 0 || url.rfind("https://", 0) == 0;
}

// "Component: api\nState: …\n\nProbes:\napi-http (http): unhealthy — refused"
std::string description_of(const Message& message) {
  std::string text;
  for (const auto& [label, value] : message.facts) text += label + ": " + value + "\n";
  if (!message.probe_lines.empty()) text += "\nProbes:\n";
  std::size_t shown = 0;
  for (const auto& line : message.probe_lines) {
    if (shown++ == kProbeLinesMax) {
      text += "\xE2\x80\xA6 and " + std::to_string(message.probe_lines.size() - kProbeLinesMax) +
              " more\n";
      break;
    }
    text += truncate_text(line, kProbeLineMax) + "\n";
  }
  if (!message.link.empty()) text += "\n" + message.link + "\n";
  if (!text.empty()) text.pop_back();  // the last "\n"
  return truncate_text(text, kDescriptionMax);
}

std::string fact(const Message& message, std::string_view label) {
  for (const auto& [name, value] : message.facts) {
    if (name == label) return value;
  }
  return "";
}

}  // namespace

std::string host_port_of(const std::string& url) {
  auto start = url.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  auto end = url.find_first_of("/?#", start);
  std::string authority =
      url.substr(start, end == std::string::npos ? std::string::npos : end - start);
  if (const auto at = authority.rfind('@'); at != std::string::npos) authority.erase(0, at + 1);
  return authority;
}

std::vector<std::unique_ptr<Provider>> AlertmanagerProvider::create(std::string name,
                                                                    config::Options& options) {
  auto policy = read_policy(options);
  auto route = read_route(options);

  auto urls = options.string_list("urls");
  if (auto one = options.string("url")) {
    if (!urls.empty()) options.fail("url", "give either 'url' or 'urls', not both");
    urls.push_back(*one);
  }
  if (urls.empty()) {
    options.fail("urls",
                 "at least one Alertmanager base URL is required, e.g. "
                 "http://alertmanager:9093");
  }
  const std::string urls_key = options.has("urls") ? "urls" : "url";
  std::set<std::string> instances;
  for (std::size_t i = 0; i < urls.size(); ++i) {
    auto& url = urls[i];
    if (!http_url(url)) {
      options.fail(urls_key, urls_key == "url" ? "must start with http:// or https://"
                                               : "entry " + std::to_string(i + 1) +
                                                     " must start with http:// or https://");
    }
    while (!url.empty() && url.back() == '/') url.pop_back();
    if (!instances.insert(host_port_of(url)).second) {
      options.fail(urls_key, "instance " + host_port_of(url) + " is listed twice");
    }
  }

  const auto resend = std::chrono::duration_cast<std::chrono::seconds>(
      options.duration_or("resend_interval", kDefaultResend));
  if (resend < std::chrono::seconds(1) || resend >= kResolveTimeout) {
    options.fail("resend_interval",
                 "must be at least 1s and under 5m: Alertmanager resolves an alert that is not "
                 "re-sent within its resolve_timeout (5m by default)");
  }

  auto labels = options.string_map("labels");
  auto label_options = options.child("labels");
  for (const auto& [label, value] : labels) {
    if (!valid_label_name(label)) {
      label_options.fail(label, "'" + label +
                                    "' is not a valid label name (letters, digits and _, not "
                                    "starting with a digit or __)");
    }
    if (kOwnLabels.count(label)) {
      label_options.fail(label, "'" + label + "' is set by watchdog itself");
    }
  }

  std::vector<std::unique_ptr<Provider>> sinks;
  for (const auto& url : urls) {
    std::string sink_name = urls.size() == 1 ? name : name + "@" + host_port_of(url);
    sinks.push_back(std::make_unique<AlertmanagerProvider>(std::move(sink_name), policy, route, url,
                                                           resend, labels));
  }
  return sinks;
}

AlertmanagerProvider::AlertmanagerProvider(std::string name, DeliveryPolicy policy, Route route,
                                           std::string base_url,
                                           std::chrono::seconds resend_interval,
                                           std::map<std::string, std::string> labels)
    : Provider(std::move(name), policy, std::move(route)),
      base_url_(std::move(base_url)),
      resend_interval_(resend_interval),
      labels_(std::move(labels)) {}

std::string AlertmanagerProvider::describe() const {
  return "instance " + host_port_of(base_url_);  // the re-send interval is in the summary
}

probes::HttpRequest AlertmanagerProvider::format(const AlertEvent& event) const {
  const Message message = compose(event);
  const auto started =
      event.incident_started ? std::min(*event.incident_started, event.at) : event.at;

  nlohmann::json annotations = {
      {"summary", truncate_text(message.summary, kDescriptionMax)},
      {"description", description_of(message)},
      {"incident_id", valid_utf8(event.incident_id)},
      {"state", std::string(core::to_string(event.to))},
  };
  if (const auto root = fact(message, "Root cause"); !root.empty()) {
    annotations["root_cause"] = valid_utf8(root);
  }
  if (const auto action = fact(message, "Action"); !action.empty()) {
    annotations["action"] = valid_utf8(action);
  }

  auto alert = [&](Severity severity, bool ended) {
    nlohmann::json labels = {{"alertname", kAlertmanagerAlertName},
                             {"component", valid_utf8(event.component)},
                             {"severity", std::string(to_string(severity))},
                             {"incident", valid_utf8(event.incident_id)}};
    for (const auto& [key, value] : labels_) labels[key] = valid_utf8(value);
    nlohmann::json out = {{"labels", labels},
                          {"annotations", annotations},
                          {"startsAt", config::format_rfc3339_ms(started)}};
    if (ended) out["endsAt"] = config::format_rfc3339_ms(event.at);
    if (!event.link.empty()) out["generatorURL"] = valid_utf8(event.link);
    return out;
  };

  nlohmann::json alerts = nlohmann::json::array();
  const Severity now = severity_of(event.to), before = severity_of(event.from);
  if (event.to == core::State::Healthy) {
    // The alert of the state it left; a HEALTHY → HEALTHY event has nothing to end.
    alerts.push_back(alert(before == Severity::Info ? Severity::Warning : before, true));
  } else {
    alerts.push_back(alert(now, false));
    if (before != now && event.from != core::State::Healthy) alerts.push_back(alert(before, true));
  }
  return json_post(*this, base_url_ + "/api/v2/alerts", alerts, event);
}

bool AlertmanagerProvider::accepted(const probes::HttpResponse& response) const {
  return response.ok() && response.status == 200;
}

}  // namespace watchdog::alerts
