// A component's `managed_by:` mapping: the HA manager that owns it (Patroni for PostgreSQL).
// Keys: kind (required; "patroni"), url (required secret: `url` or `url_file`; http:// or
// https://, user info allowed, no path other than "/", query or fragment), interval (10s), timeout (2s, at most the interval), act_when_manager_down (false).
// Errors name file:line:column and the key; never the URL, which may carry credentials.
#include <curl/curl.h>

#include <memory>
#include <optional>
#include <string>

#include "config/loader_common.h"
#include "config/units.h"

namespace watchdog::config::loading {
namespace {

constexpr auto kMinimumInterval = std::chrono::milliseconds(100);

// scheme://host[:port] of `url`, built from the parts libcurl parses out of it (the same parser
// that will send the requests): user info never gets in. "" when libcurl cannot parse it, the
// scheme is not http or https, there is no host, or it has a path other than "/", a query or a
// fragment (the endpoints are appended to it: "/liveness").
std::string display_of(const std::string& url) {
  const std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parsed(curl_url(), curl_url_cleanup);
  if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return "";
  auto part = [&](CURLUPart which) -> std::optional<std::string> {
    char* text = nullptr;
    if (curl_url_get(parsed.get(), which, &text, 0) != CURLUE_OK) return std::nullopt;
    std::string out = text == nullptr ? "" : text;
    curl_free(text);
    return out;
  };
  const auto scheme = part(CURLUPART_SCHEME);
  const auto host = part(CURLUPART_HOST);
  const auto path = part(CURLUPART_PATH);
  if (!scheme || (*scheme != "http" && *scheme != "https") || !host || host->empty()) return "";
  if ((path && *path != "" && *path != "/") || part(CURLUPART_QUERY) ||
      part(CURLUPART_FRAGMENT)) {
    return "";
  }
  const auto port = part(CURLUPART_PORT);  // only when the URL names one
  return *scheme + "://" + *host + (port ? ":" + *port : "");
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
                 "must be an http:// or https:// URL with a host and an optional port, no path, "
                 "query or fragment (Patroni's REST API, e.g. http://127.0.0.1:8008)");
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
