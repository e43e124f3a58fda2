#pragma once
// `alertmanager`: pushes alerts to Prometheus Alertmanager (POST <base>/api/v2/alerts, a JSON
// array), one sink per instance so that each member of an HA cluster gets every alert with its
// own retries.
//
// One alert per incident and severity: labels {alertname: WatchdogComponentUnhealthy,
// component, severity: warning|critical, incident, + `labels`}. While firing it has no endsAt
// and is re-sent every `resend_interval` (Alertmanager resolves an alert it has not heard of
// for resolve_timeout, 5m by default). A change of severity (DEGRADED → CRITICAL) also sends
// the previous severity's alert with endsAt = now, and the return to HEALTHY ends the alert of
// the state it left.
//
// Keys: urls (list of base URLs, e.g. http://alertmanager:9093) or url (one), resend_interval
// (default 1m; at least 1s and under 5m), labels (extra labels, e.g. {env: prod}), the shared
// delivery/route keys. Alertmanager answers 200; 400/422 are permanent, 429/5xx retried.

#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "config/options.h"
#include "watchdog/alerts/provider.h"

namespace watchdog::alerts {

class AlertmanagerProvider : public Provider {
 public:
  // One provider per instance: named after the alert entry when there is one URL, else
  // "<name>@<host:port>".
  static std::vector<std::unique_ptr<Provider>> create(std::string name, config::Options& options);
  AlertmanagerProvider(std::string name, DeliveryPolicy policy, Route route, std::string base_url,
                       std::chrono::seconds resend_interval,
                       std::map<std::string, std::string> labels);

  std::string_view kind() const override { return "alertmanager"; }
  std::string describe() const override;
  probes::HttpRequest format(const AlertEvent& event) const override;
  bool accepted(const probes::HttpResponse& response) const override;
  std::optional<std::chrono::seconds> resend_interval() const override { return resend_interval_; }

 private:
  std::string base_url_;
  std::chrono::seconds resend_interval_;
  std::map<std::string, std::string> labels_;
};

inline constexpr const char* kAlertmanagerAlertName = "WatchdogComponentUnhealthy";

// "am1:9093" from "http://user:pw@am1:9093/prefix" (no credentials, no path).
std::string host_port_of(const std::string& url);

}  // namespace watchdog::alerts
