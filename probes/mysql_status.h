#pragma once
// The `mysql` probe's verdict, without I/O: what the server answered (Figures) → status,
// failure kind, detail and measurements. Unit-tested with tables (tests/unit/probes/).
//
// Rules, worst first (every problem found is named in the detail, "; "-separated):
//  - expect_role replica, but SHOW REPLICA STATUS is empty → Unhealthy BadResponse "not a
//    replica (no replication configured), expected replica"; expect_role primary on a server
//    that has replication configured → Unhealthy BadResponse. "primary" means "not a replica":
//    a relay (a replica that others replicate from) is a replica here.
//  - a configured replica whose IO or SQL thread is not running ("No", or "Connecting": no
//    link to the source yet) → Unhealthy BadResponse with expect_role replica, Degraded
//    BadResponse otherwise (replication was set up and is broken), naming the thread, its
//    state and its last error.
//  - replica lag (Seconds_Behind_Master / _Source) ≥ replica_lag_critical → Unhealthy
//    Threshold; ≥ replica_lag_warn → Degraded Threshold. NULL lag (a thread stopped) is no
//    number: the thread rule reports it.
//  - Threads_connected / max_connections ≥ connections_warn → Degraded Threshold.
//  - the query slower than latency_warn → Degraded Threshold.
// Measurements: mysql_query_seconds, mysql_connections (Threads_connected, this probe's own
// connection included), mysql_max_connections, mysql_connections_used_ratio, mysql_replica (0/1;
// absent when the replica status could not be read), mysql_replica_lag_seconds (replicas, absent
// when NULL), mysql_replica_threads_running (replicas: how many of the IO and SQL threads run,
// 0, 1 or 2 — 2 is healthy).

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "probes/probe.h"

namespace watchdog::probes::mysql_status {

enum class Role { Any, Primary, Replica };

struct Settings {
  std::optional<std::chrono::milliseconds> latency_warn;
  double connections_warn = 0.9;
  Role expect_role = Role::Any;
  std::optional<std::chrono::milliseconds> replica_lag_warn;
  std::optional<std::chrono::milliseconds> replica_lag_critical;
};

// One row of SHOW REPLICA STATUS (MariaDB ≥ 10.5, MySQL ≥ 8.0.22) or SHOW SLAVE STATUS.
struct Replica {
  std::string io_running;             // Slave_IO_Running / Replica_IO_Running: Yes, No, Connecting
  std::string sql_running;            // Slave_SQL_Running / Replica_SQL_Running: Yes, No
  std::optional<double> lag_seconds;  // Seconds_Behind_Master / _Source; NULL → nullopt
  std::string last_io_error, last_sql_error;
};

// The first row of a SHOW REPLICA/SLAVE STATUS result, by column name under either naming;
// nullopt when there is no row (not a replica).
using Cell = std::optional<std::string>;
std::optional<Replica> parse_replica(const std::vector<std::string>& columns,
                                     const std::vector<std::vector<Cell>>& rows);

struct Figures {
  std::chrono::nanoseconds query_time{0};
  double connections = 0;      // Threads_connected
  double max_connections = 0;  // @@max_connections
  bool replica_known = false;  // the replica status could be read (privilege)
  std::optional<Replica> replica;
};

ProbeResult evaluate(const Settings& settings, const Figures& figures);

}  // namespace watchdog::probes::mysql_status
