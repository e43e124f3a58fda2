#pragma once
// `webhook`: our JSON event (watchdog/alerts/event.h) POSTed to any URL.
// Keys: url | url_file (secret), secret | secret_file (HMAC-SHA256 key, optional), and the
//       delivery/route keys every kind shares (provider.h).
// Headers: Content-Type: application/json, Idempotency-Key: <idempotency_key(event)>,
//          X-Watchdog-Event: state_change | reminder, and with a secret
//          X-Watchdog-Signature: sha256=<hex HMAC-SHA256 of the exact body>.

#include <memory>
#include <optional>

#include "config/options.h"
#include "watchdog/alerts/provider.h"

namespace watchdog::alerts {

class WebhookProvider : public Provider {
 public:
  static std::unique_ptr<Provider> create(std::string name, config::Options& options);
  WebhookProvider(std::string name, DeliveryPolicy policy, Route route, config::Secret url,
                  std::optional<config::Secret> secret);

  std::string_view kind() const override { return "webhook"; }
  std::string describe() const override;
  probes::HttpRequest format(const AlertEvent& event) const override;
  bool takes_acknowledgements() const override { return true; }

 private:
  config::Secret url_;
  std::optional<config::Secret> secret_;
};

// Lower-case hex HMAC-SHA256 of `body` under `key` (OpenSSL).
std::string hmac_sha256_hex(const std::string& key, const std::string& body);

}  // namespace watchdog::alerts
