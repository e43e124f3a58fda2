#include "watchdog/alerts/webhook_provider.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "watchdog/version.h"

namespace watchdog::alerts {

std::string hmac_sha256_hex(const std::string& key, const std::string& body) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), digest, &length);
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xf];
  }
  return out;
}

std::unique_ptr<Provider> WebhookProvider::create(std::string name, config::Options& options) {
  DeliveryPolicy policy;
  policy.timeout = options.duration_or("timeout", policy.timeout);
  policy.max_retries =
      static_cast<int>(options.integer_or("max_retries", policy.max_retries, 0, 100));
  auto url = options.required_secret("url");
  if (url.value.rfind("http://", 0) != 0 && url.value.rfind("https://", 0) != 0) {
    options.fail("url", "must start with http:// or https:// (value not shown)");
  }
  return std::make_unique<WebhookProvider>(std::move(name), policy, std::move(url),
                                           options.secret("secret"));
}

WebhookProvider::WebhookProvider(std::string name, DeliveryPolicy policy, config::Secret url,
                                 std::optional<config::Secret> secret)
    : Provider(std::move(name), policy), url_(std::move(url)), secret_(std::move(secret)) {}

std::string WebhookProvider::describe() const {
  std::string text = "url from " + url_.source;
  text += secret_ ? ", signed (key from " + secret_->source + ")" : ", unsigned";
  return text;
}

probes::HttpRequest WebhookProvider::format(const AlertEvent& event) const {
  probes::HttpRequest request;
  request.method = "POST";
  request.url = url_.value;
  request.body = to_json(event).dump();
  request.timeout = policy().timeout;
  request.headers = {"Content-Type: application/json",
                     "User-Agent: watchdog/" + std::string(kVersion),
                     "Idempotency-Key: " + event.event_id, "X-Watchdog-Event: state_change"};
  if (secret_) {
    request.headers.push_back("X-Watchdog-Signature: sha256=" +
                              hmac_sha256_hex(secret_->value, request.body));
  }
  return request;
}

}  // namespace watchdog::alerts
