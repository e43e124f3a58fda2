#include "watchdog/alerts/provider.h"

#include <fnmatch.h>

#include <cmath>
#include <ctime>

namespace watchdog::alerts {
namespace {

constexpr std::chrono::minutes kMinRepeat{5};

// "10/s", "30/m", "100/h" → the spacing between two sends.
milliseconds read_rate_limit(config::Options& options, milliseconds fallback) {
  const auto text = options.string("rate_limit");
  if (!text) return fallback;
  const auto slash = text->find('/');
  long long count = 0;
  try {
    count = slash == std::string::npos ? 0 : std::stoll(text->substr(0, slash));
  } catch (...) {
    count = 0;
  }
  const std::string unit = slash == std::string::npos ? "" : text->substr(slash + 1);
  const long long period_ms = unit == "s" ? 1000 : unit == "m" ? 60000 : unit == "h" ? 3600000 : 0;
  if (count <= 0 || period_ms == 0) {
    options.fail("rate_limit", "expected COUNT/s, COUNT/m or COUNT/h (e.g. 1/s, 30/m), got '" +
                                   *text + "'");
  }
  return milliseconds(period_ms / count);
}

}  // namespace

bool Route::wants(const AlertEvent& event) const {
  if (severity_of(event.to) < min_severity) return false;
  if (components.empty()) return true;
  for (const auto& pattern : components) {
    if (fnmatch(pattern.c_str(), event.component.c_str(), 0) == 0) return true;
  }
  return false;
}

std::optional<milliseconds> Provider::retry_after(const probes::HttpResponse& response) const {
  const auto it = response.headers.find("retry-after");
  if (it == response.headers.end()) return std::nullopt;
  return parse_retry_after(it->second, std::chrono::system_clock::now());
}

std::optional<milliseconds> parse_retry_after(std::string_view value,
                                              std::chrono::system_clock::time_point now) {
  const std::string text(value);
  try {
    std::size_t used = 0;
    const double seconds = std::stod(text, &used);
    if (used == text.size() && std::isfinite(seconds) && seconds >= 0) {
      // Clamped before the cast (1e300 seconds would overflow); callers cap it further.
      return milliseconds(static_cast<long long>(std::ceil(std::min(seconds, 1e9) * 1000)));
    }
  } catch (...) {
    // not a number: try the HTTP-date form below
  }
  std::tm utc{};
  const char* end = strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &utc);
  if (end == nullptr || *end != '\0') return std::nullopt;
  // In seconds first: a far date (year 6739, found by fuzzing) overflows system_clock's
  // nanoseconds. Capped like delta-seconds above (callers cap it further).
  const std::chrono::seconds at(timegm(&utc));
  const auto now_ms = std::chrono::duration_cast<milliseconds>(now.time_since_epoch());
  const auto ahead = at - std::chrono::duration_cast<std::chrono::seconds>(now_ms);
  if (ahead <= std::chrono::seconds(0)) return milliseconds(0);  // past: at once
  if (ahead > std::chrono::seconds(1'000'000'000)) return milliseconds(1'000'000'000'000);
  return milliseconds(at) - now_ms;
}

DeliveryPolicy read_policy(config::Options& options, DeliveryPolicy defaults) {
  DeliveryPolicy policy = defaults;
  auto positive = [&](const char* key, milliseconds fallback) {
    const auto value = std::chrono::duration_cast<milliseconds>(options.duration_or(key, fallback));
    if (value < milliseconds(10)) options.fail(key, "must be at least 10ms");
    return value;
  };
  policy.timeout = positive("timeout", defaults.timeout);
  policy.retry_backoff = positive("retry_backoff", defaults.retry_backoff);
  policy.max_backoff = positive("max_backoff", defaults.max_backoff);
  if (policy.max_backoff < policy.retry_backoff) {
    options.fail("max_backoff", "must not be shorter than retry_backoff");
  }
  policy.give_up_after = std::chrono::duration_cast<std::chrono::seconds>(
      options.duration_or("give_up_after", defaults.give_up_after));
  if (policy.give_up_after < std::chrono::minutes(1)) {
    options.fail("give_up_after", "must be at least 1m (alerts are retried until then)");
  }
  policy.min_spacing = read_rate_limit(options, defaults.min_spacing);
  return policy;
}

Route read_route(config::Options& options) {
  Route route;
  route.components = options.string_list("components");
  const auto severity = options.string_or("min_severity", "warning");
  if (severity == "warning") {
    route.min_severity = Severity::Warning;
  } else if (severity == "critical") {
    route.min_severity = Severity::Critical;
  } else {
    options.fail("min_severity", "expected warning or critical, got '" + severity + "'");
  }
  route.repeat_interval = std::chrono::duration_cast<std::chrono::seconds>(
      options.duration_or("repeat_interval", route.repeat_interval));
  if (route.repeat_interval.count() != 0 && route.repeat_interval < kMinRepeat) {
    options.fail("repeat_interval", "must be at least 5m (or 0 to send no reminders)");
  }
  return route;
}

config::Secret required_url(config::Options& options, const std::string& key) {
  auto url = options.required_secret(key);
  if (url.value.rfind("http://", 0) != 0 && url.value.rfind("https://", 0) != 0) {
    options.fail(key, "must start with http:// or https:// (value not shown)");
  }
  return url;
}

}  // namespace watchdog::alerts
