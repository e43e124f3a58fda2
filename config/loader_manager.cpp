// A component's `managed_by:` mapping: the HA manager that owns it (Patroni for PostgreSQL).
// Keys: kind (required; "patroni"), url (required secret: `url` or `url_file`; http:// or
// https://), interval (10s), timeout (2s, at most the interval), act_when_manager_down (false).
// Errors name file:line:column and the key; never the URL, which may carry credentials.
#include <cctype>
#include <string>

#include "config/loader_common.h"
#include "config/units.h"

namespace watchdog::config::loading {
namespace {

constexpr auto kMinimumInterval = std::chrono::milliseconds(100);

// scheme://host[:port] of `url` (user info, path, query and fragment dropped); "" when the
// scheme is not http or https.
std::string display_of(const std::string& url) {
  const auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return "";
  std::string scheme = url.substr(0, scheme_end);
  for (auto& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (scheme != "http" && scheme != "https") return "";
  const auto rest = url.substr(scheme_end + 3);
  std::string authority = rest.substr(0, rest.find_first_of("/?#"));
  if (const auto at = authority.rfind('@'); at != std::string::npos) {
    authority = authority.substr(at + 1);
  }
  return authority.empty() ? "" : scheme + "://" + authority;
}

}  // namespace

ManagerSpec read_manager(const ImplPtr& impl) {
  expect_keys(impl, {"kind", "url", "url_file", "interval", "timeout", "act_when_manager_down"});
  Options options(impl);
  ManagerSpec manager;
  manager.kind = read_kind(options);
  if (manager.kind != "patroni") {
    options.fail("kind", "unknown manager kind '" + manager.kind + "' (expected patroni)");
  }
  manager.url = options.required_secret("url");
  manager.display = display_of(manager.url.value);
  if (manager.display.empty()) {
    options.fail(options.has("url") ? "url" : "url_file",
                 "must be an http:// or https:// URL with a host (Patroni's REST API, e.g. "
                 "http://127.0.0.1:8008)");
  }
  while (!manager.url.value.empty() && manager.url.value.back() == '/') {
    manager.url.value.pop_back();  // the endpoints are appended: ".../patroni"
  }
  manager.interval = options.duration_or("interval", manager.interval);
  if (manager.interval < kMinimumInterval) {
    options.fail("interval", "must be at least " + format_duration(kMinimumInterval));
  }
  manager.timeout = positive_duration(options, "timeout", manager.timeout);
  if (manager.timeout > manager.interval) {
    options.fail(options.has("timeout") ? "timeout" : "interval",
                 "timeout " + format_duration(manager.timeout) + " exceeds the interval " +
                     format_duration(manager.interval));
  }
  manager.act_when_manager_down = options.boolean_or("act_when_manager_down", false);
  options.finish();
  return manager;
}

}  // namespace watchdog::config::loading
