#pragma once
// `postgres` leader lock: a session-level advisory lock, pg_try_advisory_lock(lock_id), on a
// dedicated connection that stays open. The server releases it when the session ends, so
//   acquire: connect (application_name "watchdog-leader <identity>"), pg_try_advisory_lock;
//   renew:   the session answers and pg_locks still shows the lock granted to our backend;
//   release: pg_advisory_unlock, then close the connection.
// A session that fails in any way (terminated backend, restarted or unreachable server, a call
// that ran out of time) is dropped and its lock counts as lost (NotHeld): even a frozen server
// frees it once it notices the closed socket. A kept connection that fails is replaced once
// within the same call, so a terminated backend is usually reacquired at once when the lock is
// free. When another session holds the lock the result names its application_name.
//
// Fencing token and leader record: a row per lock_id in a table (postgres_leader_table.h),
// written only by the advisory lock's holder, in the lock's own session:
//   acquire: after pg_try_advisory_lock, one statement reads the previous record, increments
//            `fencing` (1 for a new row: the token) and stores our holder and record;
//   renew:   one statement checks pg_locks and, only while the lock is ours, stores the record
//            (the token stays the acquisition's);
//   NotHeld: the stored record is read (nothing, not even an error on the server, while the
//            table does not exist).
// The table is created on first use (CREATE TABLE IF NOT EXISTS, only when to_regclass finds
// none). Without it — no CREATE on the schema (PostgreSQL 15's `public` for ordinary users), no
// INSERT/UPDATE, a table of another shape — the lock still works: token 0, no record, and the
// acquisition's detail says why ("acquired (no leader table: permission denied for schema
// public)"), which the elector logs; each acquisition tries again. The same when another
// session holds the row locked (an operator's open `SELECT … FOR UPDATE`, a stuck session):
// the session's lock_timeout (a quarter of the call's timeout, 100 ms to 2 s) ends the wait
// with 55P03 well before statement_timeout would end the session — "acquired (leader table
// watchdog_leader locked by another session: fencing token 0, no leader record)"; a renewal
// that finds the row locked skips that record and writes the next. An empty record is stored as
// '' like any other; a record longer than kMaxLeaderRecordBytes is not written (nor read back
// for us). The counter only grows as long as the row is not deleted.
//
// Keys: dsn (secret: `dsn` or `dsn_file`; a libpq key=value string or a postgresql:// URI),
// lock_id (any int64; default 8602284733556354919 = 0x7761746368646f67, "watchdog" in ASCII —
// give replicas watching different stacks on one server different ids), table
// ("watchdog_leader"; "name" or "schema.name", unquoted identifiers; one table serves any
// number of lock_ids). To run without CREATE rights, create it once as its owner and GRANT
// SELECT, INSERT, UPDATE on it to the watchdog's role.
//
// Deadline: libpq has no client-side deadline for queries and statement_timeout cannot help when
// the server is frozen, so the connection is asynchronous (pqxx::asyncconnection) and a helper
// thread shuts its socket down when the call's timeout passes (connect_timeout,
// statement_timeout and lock_timeout are set as well). Host name resolution is not covered: use
// an address. Neither the DSN nor a password ever appears in a detail or describe().

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "config/options.h"
#include "watchdog/leader/leader_lock.h"

namespace watchdog::probes::pq {
class Deadline;
class Session;
}  // namespace watchdog::probes::pq

namespace watchdog::core {

class LeaderTable;

class PostgresLeaderLock final : public LeaderLock {
 public:
  static constexpr std::int64_t kDefaultLockId = 0x7761746368646f67;  // "watchdog"

  struct Settings {
    std::string conninfo;  // secret
    bool uri = false;      // conninfo is a postgresql:// URI
    std::int64_t lock_id = kDefaultLockId;
    std::string identity;
    std::string table = "watchdog_leader";  // "name" or "schema.name"
  };

  // Reads the keys above from `options` (no I/O); throws config::ConfigError.
  static std::unique_ptr<LeaderLock> create(config::Options& options, const std::string& identity);

  explicit PostgresLeaderLock(Settings settings);
  ~PostgresLeaderLock() override;

  using LeaderLock::acquire_or_renew;
  LockResult acquire_or_renew(std::chrono::milliseconds timeout,
                              const std::string& record) noexcept override;
  void release(std::chrono::milliseconds timeout) noexcept override;
  std::string describe() const override;
  // The server process of our session, 0 without one (tests terminate it).
  int backend_pid() const noexcept;

 private:
  LockResult attempt(std::chrono::milliseconds timeout, probes::pq::Deadline& deadline,
                     const std::string& record);
  std::string classify(const std::string& message, bool timed_out,
                       std::chrono::milliseconds timeout) const;

  Settings settings_;
  std::string target_;    // "host:port/dbname" as far as the DSN tells, for describe()
  std::string password_;  // found in the DSN, scrubbed from messages
  std::unique_ptr<probes::pq::Session> connection_;
  std::unique_ptr<LeaderTable> table_;
  bool held_ = false;
  bool table_ready_ = false;         // this tenure's row was written: renewals write the record
  std::uint64_t fencing_token_ = 0;  // this tenure's
};

}  // namespace watchdog::core
