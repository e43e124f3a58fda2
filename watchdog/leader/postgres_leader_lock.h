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
// Keys: dsn (secret: `dsn` or `dsn_file`; a libpq key=value string or a postgresql:// URI),
// lock_id (any int64; default 8602284733556354919 = 0x7761746368646f67, "watchdog" in ASCII —
// give replicas watching different stacks on one server different ids).
//
// Deadline: libpq has no client-side deadline for queries and statement_timeout cannot help when
// the server is frozen, so the connection is asynchronous (pqxx::asyncconnection) and a helper
// thread shuts its socket down when the call's timeout passes (connect_timeout and
// statement_timeout are set as well). Host name resolution is not covered: use an address.
// Neither the DSN nor a password ever appears in a detail or describe().

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

class PostgresLeaderLock final : public LeaderLock {
 public:
  static constexpr std::int64_t kDefaultLockId = 0x7761746368646f67;  // "watchdog"

  struct Settings {
    std::string conninfo;  // secret
    bool uri = false;      // conninfo is a postgresql:// URI
    std::int64_t lock_id = kDefaultLockId;
    std::string identity;
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
  LockResult attempt(std::chrono::milliseconds timeout, probes::pq::Deadline& deadline);
  std::string classify(const std::string& message, bool timed_out,
                       std::chrono::milliseconds timeout) const;

  Settings settings_;
  std::string target_;    // "host:port/dbname" as far as the DSN tells, for describe()
  std::string password_;  // found in the DSN, scrubbed from messages
  std::unique_ptr<probes::pq::Session> connection_;
  bool held_ = false;
};

}  // namespace watchdog::core
