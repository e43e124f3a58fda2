#pragma once
// The alert provider seam: format(event) → one HTTP request, and how to read the answer.
// Delivery (outbox, retries, back-off, rate limits, reminders) is the dispatcher's; a provider
// only knows its receiver's format. One file pair per kind: webhook, slack, discord, teams,
// pagerduty, alertmanager.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/options.h"
#include "probes/clients/http_client.h"
#include "watchdog/alerts/event.h"

namespace watchdog::alerts {

using std::chrono::milliseconds;

// How the dispatcher delivers to one sink. Keys shared by every kind (read_common below).
struct DeliveryPolicy {
  milliseconds timeout{5000};        // `timeout`: per HTTP attempt
  milliseconds retry_backoff{1000};  // `retry_backoff`: first retry; doubles, with jitter
  milliseconds max_backoff{300000};  // `max_backoff`: cap of the doubling (5 m)
  // `give_up_after`: a transient failure is retried until the event is this old, then it is
  // recorded as expired (loudly). Permanent failures (404, 410, …) stop at once.
  std::chrono::seconds give_up_after{std::chrono::hours(24)};
  milliseconds min_spacing{0};  // `rate_limit: N/s|N/m` → at least this between two sends
};

// Which events reach a sink. A resolving (HEALTHY) event goes to every sink that got any
// message of that incident, whatever the filters say, so nobody is left with an open alert.
struct Route {
  std::vector<std::string> components;         // `components`: names or globs; empty = all
  Severity min_severity = Severity::Warning;   // `min_severity: warning | critical`
  // `repeat_interval`: reminders while an incident stays CRITICAL/FAILED (min 5m; 0 = off).
  std::chrono::seconds repeat_interval{std::chrono::hours(4)};

  bool wants(const AlertEvent& event) const;  // component and severity filters only
};

class Provider {
 public:
  Provider(std::string name, DeliveryPolicy policy, Route route)
      : name_(std::move(name)), policy_(policy), route_(std::move(route)) {}
  virtual ~Provider() = default;
  Provider(const Provider&) = delete;
  Provider& operator=(const Provider&) = delete;

  const std::string& name() const { return name_; }  // the sink's name (metrics, outbox)
  const DeliveryPolicy& policy() const { return policy_; }
  const Route& route() const { return route_; }
  virtual std::string_view kind() const = 0;
  // Safe summary for check-config ("url from env OPS_WEBHOOK_URL, signed"); never a secret.
  virtual std::string describe() const = 0;
  virtual probes::HttpRequest format(const AlertEvent& event) const = 0;

  // Whether the receiver took the alert (default: any 2xx).
  virtual bool accepted(const probes::HttpResponse& response) const {
    return response.ok() && response.status >= 200 && response.status < 300;
  }
  // Whether a refused delivery is worth retrying (default: transport errors, 408, 425, 429,
  // 5xx). Anything else (404, 410, 400, 401, 403, 422, …) is permanent.
  virtual bool retryable(const probes::HttpResponse& response) const {
    return !response.ok() || response.status == 408 || response.status == 425 ||
           response.status == 429 || response.status >= 500;
  }
  // How long the receiver asked us to wait (default: the Retry-After header, delta-seconds or
  // HTTP-date). Discord also puts it in the body.
  virtual std::optional<milliseconds> retry_after(const probes::HttpResponse& response) const;
  // Receivers that forget a firing alert unless it is re-sent (Alertmanager) return how often
  // to re-send; every non-HEALTHY state is then re-sent, not only CRITICAL/FAILED reminders.
  virtual std::optional<std::chrono::seconds> resend_interval() const { return std::nullopt; }
  // Whether an operator's acknowledgement of an incident (event type "acknowledge") means
  // something to this receiver (PagerDuty's `acknowledge` action, the generic webhook).
  virtual bool takes_acknowledgements() const { return false; }

 private:
  std::string name_;
  DeliveryPolicy policy_;
  Route route_;
};

// Reads the keys every kind shares: timeout, retry_backoff, max_backoff, give_up_after,
// rate_limit, components, min_severity, repeat_interval. `defaults` carries the kind's own
// defaults (Slack: rate_limit 1/s, …).
DeliveryPolicy read_policy(config::Options& options, DeliveryPolicy defaults = {});
Route read_route(config::Options& options);

// Retry-After value: delta-seconds ("120", "1.5") or an HTTP-date; nullopt when unparsable.
std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now);

// A url option that must be http(s) (the value is never shown in errors).
config::Secret required_url(config::Options& options, const std::string& key);

}  // namespace watchdog::alerts
