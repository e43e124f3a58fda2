#pragma once
// `http`: one HTTP(S) request; passes on the expected status (and body text), in time.
//
// Keys: url (required secret: `url` or `url_file`; http:// or https:// only), method (GET),
// expect_status (list of 100..599; default any 2xx), body_contains (substring searched in the
// first 64 KiB of the body), latency_warn (duration → Degraded when slower), headers
// (map name → value), follow_redirects (false), verify_tls (true).
//
// The URL and header values may carry credentials: they never appear in detail, errors or
// logs. The request's hard timeout is the check's timeout (connect included).
// Results: refused → Unhealthy Refused; no answer in time → Unhealthy Timeout; other transport
// failures (DNS, TLS) → Unhealthy Error; unexpected status or missing body text → Unhealthy
// BadResponse; slower than latency_warn → Degraded Threshold; else Healthy "HTTP 200 in 3 ms".
// Measurements: http_duration_seconds (always), http_status_code (when a response arrived).
//
// Runs on the event loop (start_check) or blocking (check): both build the request with
// request_for() and judge the response with conclude(), so their results are the same.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/options.h"
#include "probes/clients/http_client.h"
#include "probes/guarded_probe.h"

namespace watchdog::probes {

class HttpProbe final : public GuardedProbe {
 public:
  struct Settings {
    HttpRequest request;  // url, method, headers, redirects, TLS; timeout per check
    std::vector<long long> expect_status;  // empty = any 2xx
    std::optional<std::string> body_contains;
    std::optional<std::chrono::milliseconds> latency_warn;
  };

  // Reads and validates the keys above; no I/O. Throws config::ConfigError (never naming the
  // URL or a header value).
  static std::unique_ptr<Probe> create(std::string name, config::Options& options);

  HttpProbe(std::string name, Settings settings);
  std::string_view kind() const override { return "http"; }
  bool start_check(AsyncIo& io, std::chrono::milliseconds timeout, Done done) noexcept override;

 protected:
  ProbeResult check_once(std::chrono::milliseconds timeout) override;

 private:
  HttpRequest request_for(std::chrono::milliseconds timeout) const;
  // evaluate() plus the measurements and the check's latency (from `start`).
  ProbeResult conclude(const HttpResponse& response, std::chrono::milliseconds timeout,
                       std::chrono::steady_clock::time_point start) const noexcept;
  ProbeResult evaluate(const HttpResponse& response, std::chrono::milliseconds timeout) const;
  Settings settings_;
};

}  // namespace watchdog::probes
