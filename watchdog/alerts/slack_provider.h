#pragma once
// `slack`: an incoming-webhook message — fallback `text` plus Block Kit blocks (header,
// summary, facts as fields, probe lines as context, a link to the incident).
// Keys: url | url_file (secret), the shared delivery/route keys; rate_limit defaults to 1/s
// (Slack's limit per webhook).
// Slack answers 200 with the body "ok" on success; any other body (invalid_payload,
// channel_is_archived, …) is permanent, like 404/410. 429 and 5xx are retried.

#include <memory>

#include "config/options.h"
#include "watchdog/alerts/provider.h"

namespace watchdog::alerts {

class SlackProvider : public Provider {
 public:
  static std::unique_ptr<Provider> create(std::string name, config::Options& options);
  SlackProvider(std::string name, DeliveryPolicy policy, Route route, config::Secret url);

  std::string_view kind() const override { return "slack"; }
  std::string describe() const override;
  probes::HttpRequest format(const AlertEvent& event) const override;
  bool accepted(const probes::HttpResponse& response) const override;

 private:
  config::Secret url_;
};

// Slack's mrkdwn escaping: & < > → &amp; &lt; &gt; (so "<!here>" in a component name or a
// probe detail never pings anyone and never breaks a link).
std::string slack_escape(std::string_view text);

}  // namespace watchdog::alerts
