#pragma once
// The `mysql` probe's verdict, without I/O: what the server answered (Figures) → status,
// failure kind, detail and measurements. Unit-tested with tables (tests/unit/probes/).
//
// Replication is read per channel (MariaDB's named connections: SHOW ALL REPLICAS STATUS; MySQL's
// channels: one row each); every channel is judged and the worst decides. A channel with both
// threads "No" and no last error was stopped on purpose (STOP SLAVE; RESET SLAVE — a promoted
// replica keeps such a row): it is ignored, so it neither makes the server a replica nor degrades
// it.
//
// Rules, worst first (every problem found is named in the detail, "; "-separated):
//  - expect_role replica, but no channel replicates → Unhealthy BadResponse "not a replica (no
//    replication configured), expected replica"; expect_role primary on a server with a channel
//    that replicates (or is broken) → Unhealthy BadResponse. "primary" means "not a replica": a
//    relay (a replica that others replicate from) is a replica here.
//  - a channel whose IO or SQL thread is not running ("No" with an error, or "Connecting": no
//    link to the source yet) → Unhealthy BadResponse with expect_role replica, Degraded
//    BadResponse otherwise (replication was set up and is broken), naming the channel (when it
//    has a name), the thread, its state and its last error.
//  - the largest replica lag (Seconds_Behind_Master / _Source) ≥ replica_lag_critical →
//    Unhealthy Threshold; ≥ replica_lag_warn → Degraded Threshold. NULL lag (a thread stopped)
//    is no number: the thread rule reports it.
//  - Threads_connected / max_connections ≥ connections_warn → Degraded Threshold.
//  - the query slower than latency_warn → Degraded Threshold.
// Measurements: mysql_query_seconds, mysql_connections (Threads_connected, this probe's own
// connection included), mysql_max_connections, mysql_connections_used_ratio, mysql_replica (0/1;
// absent when the replica status could not be read), mysql_replica_lag_seconds (replicas: the
// largest over the channels; absent when all are NULL), mysql_replica_threads_running (replicas:
// how many of the IO and SQL threads run in the worst channel, 0, 1 or 2 — 2 is healthy).

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

// One row (channel) of SHOW ALL REPLICAS STATUS (MariaDB ≥ 10.5.1), SHOW ALL SLAVES STATUS
// (MariaDB), SHOW REPLICA STATUS (MySQL ≥ 8.0.22) or SHOW SLAVE STATUS.
struct Replica {
  std::string io_running;             // Slave_IO_Running / Replica_IO_Running: Yes, No, Connecting
  std::string sql_running;            // Slave_SQL_Running / Replica_SQL_Running: Yes, No
  std::optional<double> lag_seconds;  // Seconds_Behind_Master / _Source; NULL → nullopt
  std::string last_io_error, last_sql_error;
  std::string channel;  // Connection_name (MariaDB) / Channel_Name (MySQL); "" = the default
};

// Both threads "No" and no last error: STOP SLAVE (and RESET SLAVE) on purpose, e.g. after a
// promotion. Not replicating, and not broken either.
bool stopped_on_purpose(const Replica& replica);

// Every row of a replica status result, by column name under either naming; empty when there is
// no row (no replication configured).
using Cell = std::optional<std::string>;
std::vector<Replica> parse_replicas(const std::vector<std::string>& columns,
                                    const std::vector<std::vector<Cell>>& rows);

struct Figures {
  std::chrono::nanoseconds query_time{0};
  double connections = 0;         // Threads_connected
  double max_connections = 0;     // @@max_connections
  bool replica_known = false;     // the replica status could be read (privilege)
  std::vector<Replica> replicas;  // every channel, as read
};

ProbeResult evaluate(const Settings& settings, const Figures& figures);

}  // namespace watchdog::probes::mysql_status
