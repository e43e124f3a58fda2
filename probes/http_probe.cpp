#include "probes/http_probe.h"

#include <algorithm>
#include <cctype>

#include "config/units.h"

namespace watchdog::probes {
namespace {

bool is_token(const std::string& text) {  // RFC 9110 token (method and header names)
  return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
    return std::isalnum(c) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
  });
}

std::string expected_text(const std::vector<long long>& statuses) {
  if (statuses.empty()) return "2xx";
  std::string text;
  for (auto status : statuses) text += (text.empty() ? "" : ", ") + std::to_string(status);
  return text;
}

long long whole_ms(std::chrono::nanoseconds elapsed) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
}

}  // namespace

std::unique_ptr<Probe> HttpProbe::create(std::string name, config::Options& options) {
  Settings settings;
  settings.request.url = options.required_secret("url").value;
  std::string scheme = settings.request.url.substr(0, settings.request.url.find("://") + 1);
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (scheme != "http:" && scheme != "https:") {
    options.fail("url", "must start with http:// or https://");
  }
  settings.request.method = options.string_or("method", "GET");
  std::transform(settings.request.method.begin(), settings.request.method.end(),
                 settings.request.method.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  if (!is_token(settings.request.method)) options.fail("method", "is not a valid HTTP method");
  settings.expect_status = options.integer_list("expect_status", 100, 599);
  settings.body_contains = options.string("body_contains");
  if (settings.body_contains && settings.body_contains->empty()) {
    options.fail("body_contains", "must not be empty");
  }
  settings.latency_warn = options.duration("latency_warn");
  for (const auto& [header, value] : options.string_map("headers")) {
    if (!is_token(header)) options.fail("headers", "'" + header + "' is not a valid header name");
    if (value.find_first_of("\r\n") != std::string::npos) {
      options.fail("headers", "the value of '" + header + "' contains a line break");
    }
    settings.request.headers.push_back(header + ": " + value);
  }
  settings.request.follow_redirects = options.boolean_or("follow_redirects", false);
  settings.request.verify_tls = options.boolean_or("verify_tls", true);
  return std::make_unique<HttpProbe>(std::move(name), std::move(settings));
}

HttpProbe::HttpProbe(std::string name, Settings settings)
    : GuardedProbe(std::move(name)), settings_(std::move(settings)) {}

HttpRequest HttpProbe::request_for(std::chrono::milliseconds timeout) const {
  HttpRequest request = settings_.request;
  request.timeout = timeout;
  return request;
}

ProbeResult HttpProbe::conclude(const HttpResponse& response, std::chrono::milliseconds timeout,
                                std::chrono::steady_clock::time_point start) const noexcept {
  ProbeResult result;
  try {
    result = evaluate(response, timeout);
    result.measurements.push_back(
        {"http_duration_seconds", std::chrono::duration<double>(response.elapsed).count()});
    if (response.status > 0) {
      result.measurements.push_back({"http_status_code", static_cast<double>(response.status)});
    }
  } catch (...) {
    result = unhealthy(FailureKind::Error, "http check failed unexpectedly");
  }
  result.latency = std::chrono::steady_clock::now() - start;
  return result;
}

ProbeResult HttpProbe::check_once(std::chrono::milliseconds timeout) {
  const auto start = std::chrono::steady_clock::now();
  return conclude(perform(request_for(timeout)), timeout, start);
}

bool HttpProbe::start_check(AsyncIo& io, std::chrono::milliseconds timeout, Done done) noexcept {
  const auto start = std::chrono::steady_clock::now();
  try {
    io.http(request_for(timeout), [this, timeout, start, done](HttpResponse response) {
      done(conclude(response, timeout, start));
    });
  } catch (...) {
    ProbeResult result = unhealthy(FailureKind::Error, "http check failed unexpectedly");
    result.latency = std::chrono::steady_clock::now() - start;
    done(std::move(result));
  }
  return true;
}

ProbeResult HttpProbe::evaluate(const HttpResponse& response,
                                std::chrono::milliseconds timeout) const {
  switch (response.error) {
    case HttpError::None:
      break;
    case HttpError::Refused:
      return unhealthy(FailureKind::Refused, "connection refused");
    case HttpError::Timeout:
      return unhealthy(FailureKind::Timeout,
                       "no answer within " + config::format_duration(timeout));
    case HttpError::Resolve:
      return unhealthy(FailureKind::Error, "could not resolve host");
    case HttpError::Tls:
      return unhealthy(FailureKind::Error, "TLS: " + response.error_text);
    case HttpError::LocalResource:
      return local_exhaustion(response.error_text);
    case HttpError::Other:
      return unhealthy(FailureKind::Error, response.error_text);
  }

  const auto& expected = settings_.expect_status;
  std::string status = "HTTP " + std::to_string(response.status);
  bool status_ok = expected.empty() ? response.status >= 200 && response.status < 300
                                    : std::find(expected.begin(), expected.end(),
                                                response.status) != expected.end();
  if (!status_ok) {
    return unhealthy(FailureKind::BadResponse,
                     status + " (expected " + expected_text(expected) + ")");
  }
  if (settings_.body_contains &&
      response.body.find(*settings_.body_contains) == std::string::npos) {
    return unhealthy(FailureKind::BadResponse,
                     status + " but the body lacks '" + *settings_.body_contains + "'");
  }
  std::string detail = status + " in " + std::to_string(whole_ms(response.elapsed)) + " ms";
  if (settings_.latency_warn && response.elapsed > *settings_.latency_warn) {
    return degraded(
        FailureKind::Threshold,
        detail + " (warning at " + config::format_duration(*settings_.latency_warn) + ")");
  }
  return healthy(std::move(detail));
}

}  // namespace watchdog::probes
