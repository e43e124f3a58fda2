#pragma once
// A leader lock: with several watchdog replicas, the one holding it runs actions and sends
// alerts; the others only probe and export metrics. LeaderElector (leader_elector.h) drives a
// lock on its own thread; this file is the seam between the two, so the elector is unit-tested
// with a fake and each kind is tested against a server: real redis-server and PostgreSQL, and a
// stand-in for the Kubernetes API (no kube-apiserver can run on the test machines).
//
// Handover and fencing: the holder publishes a short leader record with every successful call
// (the engine's open incidents, leader_record.h), kept by the lock's server beyond the lease, so
// a follower continues those incidents under the same ids and a new leader resolves or
// continues them. Each tenure gets a fencing token, larger than every earlier tenure's; actions
// see it in WATCHDOG_FENCING_TOKEN. A replica that stalls may still act for a moment after its
// lease ran out elsewhere (it kills its running actions once it notices), so actions must stay
// safe to repeat; one that must not overlap compares the token with the lock's own.
//
// Thread-safety: a lock object is driven by one thread at a time (the elector's);
// describe() may be called from any thread.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "config/config.h"

namespace watchdog::core {

enum class LockStatus {
  Held,     // we hold the lock now, for at least the lease from the start of the call
  NotHeld,  // someone else holds it, or ours is certainly gone (e.g. our session died)
  Unknown,  // the server could not be asked (down, timed out): a lock held before may still be
            // ours on the server until its lease runs out
};

struct LockResult {
  LockResult() = default;
  LockResult(LockStatus status_, std::string detail_, std::chrono::milliseconds retry_in_ = {})
      : status(status_), detail(std::move(detail_)), retry_in(retry_in_) {}

  LockStatus status = LockStatus::Unknown;
  std::string detail;  // one safe-to-log line ("held by another replica", "connection refused")
  // NotHeld only: the other holder's lease ends in about this long (0 = unknown); the elector
  // tries again then instead of waiting a whole renew interval.
  std::chrono::milliseconds retry_in{0};
  // Held only: this tenure's fencing token — larger than any earlier tenure's, the same across
  // its renewals; 0 when the lock could not keep one (then actions get none).
  std::uint64_t fencing_token = 0;
  // The leader record as the lock's server holds it: NotHeld → the holder's (or, the lock being
  // free, the last holder's); Held by acquiring → the previous holder's, read before ours
  // replaced it. nullopt when there is none or it could not be read (renewals read nothing).
  std::optional<std::string> record;
};

// Records longer than this are not published (the caller keeps them smaller).
inline constexpr std::size_t kMaxLeaderRecordBytes = 64 * 1024;

class LeaderLock {
 public:
  virtual ~LeaderLock() = default;
  // Takes the lock when it is free, or extends it when this object already holds it, and then
  // stores `record` as the leader record (Held only; together with the renewal where the server
  // allows). Returns within about `timeout` (host name resolution aside) and never throws.
  virtual LockResult acquire_or_renew(std::chrono::milliseconds timeout,
                                      const std::string& record) noexcept = 0;
  // Publishing an empty record (tests, and the CLI's one-off checks).
  LockResult acquire_or_renew(std::chrono::milliseconds timeout) noexcept {
    return acquire_or_renew(timeout, std::string());
  }
  // Gives the lock up if this object holds it (never someone else's); bounded by `timeout`.
  virtual void release(std::chrono::milliseconds timeout) noexcept = 0;
  // "redis 127.0.0.1:6379 key watchdog:leader" — safe to log, never a password or DSN.
  virtual std::string describe() const = 0;
};

// Builds the lock for spec.kind ("redis", "postgres" or "kubernetes") from spec.options; no I/O. Reads a copy
// of the options and calls finish() on it, so unknown or bad keys and a renew_interval too long
// for the lease are config::ConfigError (never showing a secret). spec.kind "" → nullptr (no
// lock: this replica always acts). `identity` names this replica in the lock's value (redis),
// application_name (postgres) or holderIdentity (kubernetes) so an operator can see who holds it.
std::unique_ptr<LeaderLock> make_leader_lock(const config::LeaderSpec& spec,
                                             const std::string& identity);

// "hostname:pid:8 random hex digits": unique per process, readable by an operator.
std::string default_identity();

}  // namespace watchdog::core
