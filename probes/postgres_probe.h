#pragma once
// `postgres`: connect (or reuse a kept connection), run one query, read a few server stats.
//
// Keys — connection, either form:
//   dsn (secret; or dsn_file): a libpq key=value string or a postgresql:// URI, or
//   host, port (5432), dbname, user, password (secret; or password_file);
//   sslmode (disable|allow|prefer|require|verify-ca|verify-full), sslrootcert: with either form.
// Keys — check: query ("SELECT 1"), keep_connection (true), latency_warn (duration),
//   connections_warn (ratio, 80%), expect_role (primary|replica), check_oldest_transaction (false).
//
// One check = the query, timed (postgres_query_seconds; latency_warn applies to it), then one
// round-trip reading max_connections, client backends in pg_stat_activity, pg_is_in_recovery(),
// the replay lag and (when enabled) the age of the oldest open transaction of another backend.
// Every connection gets application_name=watchdog, connect_timeout (whole seconds, rounded up
// from the check's timeout), statement_timeout (the check's timeout) and lock_timeout (80 % of
// it), both set once per connection. lock_timeout is why a query stuck behind someone else's
// lock (a migration, LOCK TABLE, VACUUM FULL) is told apart from a server that does not answer:
// the server cancels the wait with 55P03 before the client-side deadline fires.
//
// Deadline: libpq has no client-side deadline for queries, and statement_timeout cannot help
// when the server is frozen (SIGSTOP, a paused VM). So the probe connects asynchronously and a
// helper thread shuts the connection's socket down when the check's timeout passes: the blocked
// libpq call returns at once and the check reports Timeout "no answer within 1s". The only wait
// not covered is host name resolution (getaddrinfo) — use an address to avoid it.
// A kept connection that fails (server restarted, backend terminated) is dropped and, time
// permitting, replaced within the same check: one reconnect and retry before reporting — only
// while the server gave no answer (the stats row below), so the WAL figures are judged once.
//
// Results: credentials rejected → Unhealthy Auth "authentication failed for user 'x'"; unknown
// database → Unhealthy NotFound; nothing listening → Unhealthy Refused; out of time → Unhealthy
// Timeout; wrong role → Unhealthy BadResponse; the query hit damaged data (SQLSTATE XX001
// data_corrupted, XX002 index_corrupted, 58P01 a relation's file missing, XX000 "invalid page" /
// "could not read block") → Unhealthy Corrupt "data corruption (SQLSTATE XX001): invalid page in
// block 0 of relation base/…"; the query waited on another session's lock until lock_timeout
// (55P03) or was chosen as a deadlock victim (40P01) → Unhealthy Locked "waited on a lock for
// 0.8 s: relation items is locked by another session (AccessExclusiveLock, pid 4242)". Corrupt
// is what a destructive restore is for; Locked and Timeout never are. Other errors → Unhealthy
// Error with the first line of the server's message (passwords and connection strings removed).
// Query slower than latency_warn, or connections in use / max_connections ≥ connections_warn →
// Degraded Threshold. Measurements: postgres_query_seconds, postgres_connections,
// postgres_max_connections, postgres_connections_used_ratio, postgres_in_recovery (0/1),
// postgres_replication_lag_seconds (replicas), postgres_oldest_transaction_seconds (when enabled; 0
// when none is open). Without pg_read_all_stats a non-superuser sees no xact_start of other users'
// sessions.
//
// WAL keys (opt-in: archive_rpo, replication_lag_warn, replication_lag_bytes_warn, min_standbys,
// slot_retained_warn; their rules, results and measurements are in probes/postgres_wal.h): when
// one is set, one more round-trip reads the archiver, the WAL position and, for the replication
// keys, the standbys and slots. Verdict order: expect_role, then the archive's (Unhealthy), then
// latency_warn, connections_warn, then replication's (Degraded).
// Probe memory (probes/probe.h): with archive_rpo, the archive failure count, so that
// postgres_archive_failures_total continues across a restart or a reload.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "config/options.h"
#include "probes/guarded_probe.h"
#include "probes/postgres_wal.h"

namespace watchdog::probes {
namespace pq {
class Deadline;
class Session;
}  // namespace pq

class PostgresProbe final : public GuardedProbe {
 public:
  enum class Role { Any, Primary, Replica };
  struct Settings {
    std::string conninfo;  // secret: libpq key=value string or URI, without the extras above
    bool uri = false;      // conninfo is a postgresql:// URI
    std::string password;  // when known separately, scrubbed from every message
    std::string query = "SELECT 1";
    bool keep_connection = true;
    std::optional<std::chrono::milliseconds> latency_warn;
    double connections_warn = 0.8;
    Role expect_role = Role::Any;
    bool check_oldest_transaction = false;
    postgres_wal::Settings wal;
  };

  // Reads and validates the keys above; no I/O. Throws config::ConfigError (never naming the
  // DSN or the password).
  static std::unique_ptr<Probe> create(std::string name, config::Options& options);

  PostgresProbe(std::string name, Settings settings);
  ~PostgresProbe() override;
  std::string_view kind() const override { return "postgres"; }
  // The archive failure count (postgres_wal::encode_failures), so it never falls.
  void restore_memory(std::string_view memory) noexcept override;

 private:
  struct Stats;
  ProbeResult check_once(std::chrono::milliseconds timeout) override;
  void discard_state() noexcept override;  // drops the connection
  // One attempt; `reused`: on a kept connection; `answered`: the stats row came (no retry).
  ProbeResult run_once(std::chrono::milliseconds timeout, pq::Deadline& deadline, bool& reused,
                       bool& answered);
  ProbeResult evaluate(std::chrono::nanoseconds query_time, const Stats& stats,
                       postgres_wal::Evaluation wal) const;
  ProbeResult classify(const std::string& message, bool timed_out,
                       std::chrono::milliseconds timeout) const;

  Settings settings_;
  std::unique_ptr<pq::Session> connection_;  // kept between checks when asked
  postgres_wal::Memory wal_memory_;          // archive exposure and failure count across checks
  std::string wal_memory_attached_;          // the failure count last handed to the engine
};

}  // namespace watchdog::probes
