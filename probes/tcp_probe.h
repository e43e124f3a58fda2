#pragma once
// `tcp`: can a TCP connection to host:port be completed within the timeout?
//
// Keys: host (required; name or numeric address), port (required, 1..65535).
// Each resolved address is tried in turn (non-blocking connect + poll) until one connects or
// the deadline passes; the socket is closed right away, nothing is sent. A listener that
// accepts into its backlog but never answers counts as healthy (use `http` to see answers).
// Results: connected → Healthy; refused → Unhealthy Refused; no answer in time → Unhealthy
// Timeout; name resolution or other socket errors → Unhealthy Error.
// Measurement: tcp_connect_seconds (time until connect or failure, always present).
//
// Numeric hosts skip DNS. getaddrinfo() for names cannot be given a deadline: a stalled
// resolver may hold the check beyond `timeout` (the scheduler's guard covers that case).
// So only numeric hosts run on the event loop (start_check); a name needs a pool thread.
// Both paths share resolve() and judge(), so their results are the same.

#include <chrono>
#include <memory>
#include <string>

#include "config/options.h"
#include "probes/guarded_probe.h"

namespace watchdog::probes {

class TcpProbe final : public GuardedProbe {
 public:
  struct Settings {
    std::string host;
    int port = 0;
  };

  // Reads and validates the keys above; no I/O. Throws config::ConfigError.
  static std::unique_ptr<Probe> create(std::string name, config::Options& options);

  TcpProbe(std::string name, Settings settings);
  std::string_view kind() const override { return "tcp"; }
  bool start_check(AsyncIo& io, std::chrono::milliseconds timeout, Done done) noexcept override;

 protected:
  ProbeResult check_once(std::chrono::milliseconds timeout) override;

 private:
  struct AsyncConnect;
  ProbeResult connect_once(std::chrono::steady_clock::time_point start,
                           std::chrono::milliseconds timeout) const;
  std::string target() const;  // "host:port", for details
  // The result of the last connection attempt (`error`: 0 or the errno that ended it).
  ProbeResult judge(int error, std::chrono::steady_clock::time_point start,
                    std::chrono::milliseconds timeout) const;
  Settings settings_;
};

}  // namespace watchdog::probes
