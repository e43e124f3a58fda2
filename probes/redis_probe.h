#pragma once
// `redis`: is a Redis server answering, authenticated, in its expected role, within its memory
// budget, and saving its data?
//
// Keys: host (required), port (6379), user (ACL user; needs a password), password (secret:
// `password` or `password_file`), database (0; SELECT when not 0), keep_connection (true),
// latency_warn (duration; PING slower → Degraded), memory_warn (ratio, 90%; used_memory /
// maxmemory at or above → Degraded; ignored when maxmemory is 0), persistence_rpo (duration;
// the last successful RDB save is older and there are unsaved changes → Degraded),
// persistence_critical (false; true makes persistence problems Unhealthy), expect_role
// (master | replica; mismatch → Unhealthy BadResponse).
// TLS is not supported yet: a `tls` key is rejected at load time rather than ignored.
//
// One check: connect (hiredis, connect timeout = what is left of the check's timeout), AUTH
// [user] password when configured, SELECT when database ≠ 0, PING (expects PONG; its round
// trip is redis_ping_seconds), INFO (default sections, one call). Every command's socket
// timeout is set to the time left, so a frozen server (accepting into the kernel backlog but
// never answering) costs at most the timeout. With keep_connection the connection is reused;
// an I/O error on a reused connection (killed client, restarted server) is followed by one
// reconnect and retry within the same check. Any failure drops the connection. A kept
// connection stays authenticated: a changed password shows only after a reconnect.
//
// Results: refused → Unhealthy Refused; no answer in time → Unhealthy Timeout; NOAUTH,
// WRONGPASS, invalid password, NOPERM → Unhealthy Auth; unexpected replies → Unhealthy
// BadResponse; role mismatch → Unhealthy BadResponse; rdb_last_bgsave_status or
// aof_last_write_status not ok, or RPO exceeded → Degraded Threshold (Unhealthy with
// persistence_critical); memory over memory_warn or PING over latency_warn → Degraded Threshold.
// When several apply the worst decides the status and every problem is named in the detail.
// The password is never part of a detail or a config error.
// Measurements: redis_ping_seconds, redis_connected_clients, redis_used_memory_bytes,
// redis_memory_used_ratio (maxmemory > 0), redis_last_save_age_seconds,
// redis_rdb_last_bgsave_ok (1/0), redis_aof_last_write_ok (1/0, AOF enabled only).
//
// Host names are resolved by hiredis with getaddrinfo(), which has no deadline (the worker's
// guard covers a stalled resolver); numeric addresses never wait on DNS.
// Thread-safety: as every probe — check() is never called concurrently for one object.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/options.h"
#include "probes/clients/redis_connection.h"
#include "probes/guarded_probe.h"

namespace watchdog::probes {

class RedisProbe final : public GuardedProbe {
 public:
  enum class Role { Master, Replica };

  struct Settings {
    std::string host;
    int port = 6379;
    std::optional<std::string> user;
    std::optional<std::string> password;
    long long database = 0;
    bool keep_connection = true;
    std::optional<std::chrono::milliseconds> latency_warn;
    double memory_warn = 0.9;
    std::optional<std::chrono::milliseconds> persistence_rpo;
    bool persistence_critical = false;
    std::optional<Role> expect_role;
  };

  // Reads and validates the keys above; no I/O. Throws config::ConfigError (never showing the
  // password).
  static std::unique_ptr<Probe> create(std::string name, config::Options& options);

  RedisProbe(std::string name, Settings settings);
  ~RedisProbe() override;
  std::string_view kind() const override { return "redis"; }

 private:
  struct Command;
  struct Info;

  ProbeResult check_once(std::chrono::milliseconds timeout) override;
  void discard_state() noexcept override;  // closes the connection
  ProbeResult check_by(std::chrono::steady_clock::time_point deadline,
                       std::chrono::milliseconds timeout);
  std::optional<ProbeResult> open(std::chrono::steady_clock::time_point deadline,
                                  std::chrono::milliseconds timeout);
  Command run(const std::vector<std::string>& args, std::chrono::steady_clock::time_point deadline,
              std::chrono::milliseconds timeout);
  ProbeResult failed(const redis::Outcome& outcome, std::chrono::milliseconds timeout) const;
  ProbeResult evaluate(const Info& info, std::chrono::nanoseconds ping) const;
  ProbeResult timed_out(const std::string& what, std::chrono::milliseconds timeout) const;

  Settings settings_;
  std::string target_;            // "host:port" for details
  redis::Connection connection_;  // kept between checks when asked
};

}  // namespace watchdog::probes
