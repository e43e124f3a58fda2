#pragma once
// `pagerduty`: Events API v2. A transition to a non-HEALTHY state is a `trigger` and the return
// to HEALTHY a `resolve`, both with dedup_key = the incident id, so every transition of one
// incident (and every reminder) updates one PagerDuty incident. A resolve carries only
// routing_key, event_action and dedup_key (PagerDuty ignores a payload on resolve).
// Severity: CRITICAL/FAILED critical, RECOVERING error, DEGRADED warning.
// Keys: routing_key | routing_key_file (secret, required; never shown), url (default
// https://events.pagerduty.com/v2/enqueue), source (default "watchdog"), the shared
// delivery/route keys. PagerDuty answers 202; 400 is permanent; 429 and 5xx are retried.

#include <memory>

#include "config/options.h"
#include "watchdog/alerts/provider.h"

namespace watchdog::alerts {

class PagerDutyProvider : public Provider {
 public:
  static std::unique_ptr<Provider> create(std::string name, config::Options& options);
  PagerDutyProvider(std::string name, DeliveryPolicy policy, Route route,
                    config::Secret routing_key, std::string url, std::string source);

  std::string_view kind() const override { return "pagerduty"; }
  std::string describe() const override;
  probes::HttpRequest format(const AlertEvent& event) const override;
  bool accepted(const probes::HttpResponse& response) const override;
  bool takes_acknowledgements() const override { return true; }

 private:
  config::Secret routing_key_;
  std::string url_;
  std::string source_;
};

inline constexpr const char* kPagerDutyEventsUrl = "https://events.pagerduty.com/v2/enqueue";

}  // namespace watchdog::alerts
