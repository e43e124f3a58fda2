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
  const auto policy = read_policy(options);
  auto route = read_route(options);
  auto url = required_url(options, "url");
  return std::make_unique<WebhookProvider>(std::move(name), policy, std::move(route),
                                           std::move(url), options.secret("secret"));
}

WebhookProvider::WebhookProvider(std::string name, DeliveryPolicy policy, Route route,
                                 config::Secret url, std::optional<config::Secret> secret)
    : Provider(std::move(name), policy, std::move(route)),
      url_(std::move(url)),
      secret_(std::move(secret)) {}

std::string WebhookProvider::describe() const {
  std::string text = "url from " + url_.source;
  text += secret_ ? ", signed (key from " + secret_->source + ")" : ", unsigned";
  return text;
}

probes::HttpRequest WebhookProvider::format(const AlertEvent& event) const {
  probes::HttpRequest request;
  request.method = "POST";
  request.url = url_.value;
  request.body = dump_json(to_json(event));
  request.timeout = policy().timeout;
  request.headers = {"Content-Type: application/json",
                     "User-Agent: watchdog/" + std::string(kVersion),
                     "Idempotency-Key: " + idempotency_key(event), "X-Watchdog-Event: " + event.type};
  if (secret_) {
    request.headers.push_back("X-Watchdog-Signature: sha256=" +
                              hmac_sha256_hex(secret_->value, request.body));
  }
  return request;
}

}  // namespace watchdog::alerts
