#pragma once
// The alert provider seam: format(event) → one HTTP request; the dispatcher delivers it with
// timeouts and retries. One file pair per provider kind (webhook now; Slack, Discord, Teams,
// PagerDuty and Alertmanager follow the same shape).

#include <chrono>
#include <string>
#include <string_view>

#include "probes/http_client.h"
#include "watchdog/alerts/event.h"

namespace watchdog::alerts {

struct DeliveryPolicy {
  std::chrono::milliseconds timeout{5000};        // per HTTP attempt
  int max_retries = 5;                            // after the first attempt
  std::chrono::milliseconds retry_backoff{1000};  // doubles per retry, capped at 60 s
};

class Provider {
 public:
  explicit Provider(std::string name, DeliveryPolicy policy)
      : name_(std::move(name)), policy_(policy) {}
  virtual ~Provider() = default;
  Provider(const Provider&) = delete;
  Provider& operator=(const Provider&) = delete;

  const std::string& name() const { return name_; }
  const DeliveryPolicy& policy() const { return policy_; }
  virtual std::string_view kind() const = 0;
  // Safe summary for check-config ("url from env OPS_WEBHOOK_URL, signed").
  virtual std::string describe() const = 0;
  virtual probes::HttpRequest format(const AlertEvent& event) const = 0;
  // Whether the receiver took the alert (default: any 2xx).
  virtual bool accepted(const probes::HttpResponse& response) const {
    return response.ok() && response.status >= 200 && response.status < 300;
  }
  // Whether a failed delivery is worth retrying (default: transport errors, 408, 429, 5xx).
  virtual bool retryable(const probes::HttpResponse& response) const {
    return !response.ok() || response.status == 408 || response.status == 429 ||
           response.status >= 500;
  }

 private:
  std::string name_;
  DeliveryPolicy policy_;
};

}  // namespace watchdog::alerts
