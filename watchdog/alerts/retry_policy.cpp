#include "watchdog/alerts/retry_policy.h"

#include <algorithm>
#include <cmath>

#include "config/redaction.h"

namespace watchdog::alerts {
namespace {

// ": <first 120 characters of the answer, on one line>", or "" for an empty body. Secrets are
// scrubbed from the whole body first (a webhook's "Cannot POST /<token>", a proxy echoing the
// Authorization header), so a cut never leaves half a token behind.
std::string body_excerpt(const std::string& body) {
  std::string line;
  for (char c : config::redact(body).substr(0, 120))
    line += (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line.empty() ? "" : ": " + line;
}

}  // namespace

std::string_view to_string(DeliveryVerdict verdict) {
  switch (verdict) {
    case DeliveryVerdict::Delivered:
      return "success";
    case DeliveryVerdict::Retry:
      return "retry";
    case DeliveryVerdict::Failed:
      return "failure";
    case DeliveryVerdict::Expired:
      return "expired";
  }
  return "failure";
}

milliseconds backoff(const DeliveryPolicy& policy, int retry, double jitter) {
  const int doublings = std::clamp(retry, 1, 31) - 1;  // never retry - 1 of INT_MIN
  const double full =
      std::min(static_cast<double>(policy.max_backoff.count()),
               static_cast<double>(policy.retry_backoff.count()) * std::ldexp(1.0, doublings));
  const double spread = full / 2 + full / 2 * std::clamp(jitter, 0.0, 1.0);
  return milliseconds(std::max<long long>(1, std::llround(spread)));
}

Judgement judge(const Provider& provider, const probes::HttpResponse& response, int attempts,
                std::chrono::seconds age, double jitter) {
  Judgement j;
  j.detail = response.ok() ? "HTTP " + std::to_string(response.status)
                           : config::redact(response.error_text);
  if (provider.accepted(response)) return j;
  if (!provider.retryable(response)) {
    j.verdict = DeliveryVerdict::Failed;
    j.detail += body_excerpt(response.body);  // Slack's "invalid_payload", an API's reason
    return j;
  }
  if (age >= provider.policy().give_up_after) {
    j.verdict = DeliveryVerdict::Expired;
    j.detail += " (gave up after " + std::to_string(attempts) + " attempts)";
    return j;
  }
  j.verdict = DeliveryVerdict::Retry;
  if (auto asked = response.ok() ? provider.retry_after(response) : std::nullopt) {
    j.wait = std::min(*asked, kMaxRetryAfter);
    j.detail += " (Retry-After " + std::to_string(j.wait.count()) + " ms)";
  } else {
    j.wait = backoff(provider.policy(), attempts, jitter);
  }
  return j;
}

}  // namespace watchdog::alerts
