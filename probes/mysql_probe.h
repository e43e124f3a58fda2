#pragma once
// `mysql`: is a MySQL / MariaDB server accepting this user, answering a query in time, within
// its connection budget, and — for a replica — replicating?
//
// Keys: host (required; "localhost" means the default unix socket, as with every MySQL
// client), port (3306), user (required), password (secret: `password` or `password_file`),
// database (optional; must exist), query ("SELECT 1"), latency_warn (duration; the query slower
// → Degraded), connections_warn (ratio, 90%; Threads_connected / max_connections at or above →
// Degraded), expect_role (primary | replica), replica_lag_warn / replica_lag_critical
// (durations; Seconds_Behind_Master/_Source at or above → Degraded / Unhealthy).
//
// One check, on a fresh connection (so every check proves that a new client can log in — the
// failure mode of a full max_connections or a changed password — and no stale connection needs
// a retry): connect (MariaDB Connector/C; connect/read/write timeouts set to the check's timeout
// and, in milliseconds, a deadline over the whole check: probes/clients/mysql_session.h), the
// query (timed: mysql_query_seconds), SHOW GLOBAL STATUS LIKE 'Threads_connected',
// SELECT @@max_connections, the status of every replication channel (SHOW ALL REPLICAS STATUS on
// MariaDB ≥ 10.5.1, SHOW ALL SLAVES STATUS on older MariaDB, SHOW REPLICA STATUS on MySQL ≥
// 8.0.22, SHOW SLAVE STATUS before: the first the server knows), then COM_QUIT. The replica status
// needs the REPLICA MONITOR (MariaDB ≥ 10.5.9) or REPLICATION CLIENT privilege: without it, and
// without expect_role, the replica figures are simply absent; with expect_role → Unhealthy Auth.
//
// Results: server down (connection refused, or a missing unix socket) → Unhealthy Refused; no
// connection or answer within the timeout (a frozen server) → Unhealthy Timeout; access denied
// (1045, 1044, 1698, 1130, account locked or password expired …) → Unhealthy Auth "access denied
// for user 'app' …"; unknown database (1049) → Unhealthy NotFound "unknown database 'shop'"; a
// connection limit reached (max_connections 1040, the user's own 1203/1226) → Unhealthy Threshold
// "connection limit reached …"; this host blocked by max_connect_errors (1129) → Unhealthy
// Threshold "host blocked after too many connection errors: FLUSH HOSTS …"; the query rejected →
// Unhealthy BadResponse with the server's error; any other client error (lost connection, unknown
// host) → Unhealthy Error. The rest (role, replication threads, lag, connections, latency) and the
// measurements are in probes/mysql_status.h. The password is never part of a detail or a config
// error. Thread-safety: as every probe — check() is never called concurrently for one object.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "config/options.h"
#include "probes/clients/mysql_session.h"
#include "probes/guarded_probe.h"
#include "probes/mysql_status.h"

namespace watchdog::probes {

class MysqlProbe final : public GuardedProbe {
 public:
  struct Settings {
    mysql::Endpoint endpoint;
    std::string query = "SELECT 1";
    mysql_status::Settings status;
  };

  // Reads and validates the keys above; no I/O. Throws config::ConfigError (never showing the
  // password).
  static std::unique_ptr<Probe> create(std::string name, config::Options& options);

  MysqlProbe(std::string name, Settings settings);
  std::string_view kind() const override { return "mysql"; }

 private:
  ProbeResult check_once(std::chrono::milliseconds timeout) override;
  // The replica status into `figures`; a result when that alone decides the check.
  std::optional<ProbeResult> read_replica(mysql::Session& session,
                                          mysql::Session::Clock::time_point deadline,
                                          std::chrono::milliseconds timeout,
                                          mysql_status::Figures& figures) const;
  ProbeResult failed(const mysql::Outcome& outcome, const std::string& during,
                     std::chrono::milliseconds timeout) const;

  Settings settings_;
  std::string target_;  // "host:port" for details
};

}  // namespace watchdog::probes
