#pragma once
// `discord`: a webhook message — `content` (title and summary, ≤ 2000 characters) and one
// embed (title, description with the probe lines, the facts as fields, a colour per severity,
// the incident link) within Discord's limits, including 6000 characters for the embed as a
// whole (fields are dropped from the end first, then the description is shortened).
// `allowed_mentions: {parse: []}` so that "@everyone" in a name or a detail never pings.
// Keys: url | url_file (secret), the shared delivery/route keys; rate_limit defaults to 30/m.
// Discord answers 204 (200 with ?wait=true); 404 means the webhook was deleted (permanent);
// a 429 says how long to wait in its body (`retry_after`, seconds) or in Retry-After.

#include <memory>

#include "config/options.h"
#include "watchdog/alerts/provider.h"

namespace watchdog::alerts {

class DiscordProvider : public Provider {
 public:
  static std::unique_ptr<Provider> create(std::string name, config::Options& options);
  DiscordProvider(std::string name, DeliveryPolicy policy, Route route, config::Secret url);

  std::string_view kind() const override { return "discord"; }
  std::string describe() const override;
  probes::HttpRequest format(const AlertEvent& event) const override;
  bool accepted(const probes::HttpResponse& response) const override;
  std::optional<milliseconds> retry_after(const probes::HttpResponse& response) const override;

 private:
  config::Secret url_;
};

}  // namespace watchdog::alerts
