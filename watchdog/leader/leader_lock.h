#pragma once
// A leader lock: with several watchdog replicas, the one holding it runs actions and sends
// alerts; the others only probe and export metrics. LeaderElector (leader_elector.h) drives a
// lock on its own thread; this file is the seam between the two, so the elector is unit-tested
// with a fake and each kind is tested against a server: real redis-server and PostgreSQL, and a
// stand-in for the Kubernetes API (no kube-apiserver can run on the test machines).
//
// There is no fencing: a replica that stalls may still act for a moment after its lease ran out
// elsewhere, so actions must stay safe to repeat.
//
// Thread-safety: a lock object is driven by one thread at a time (the elector's);
// describe() may be called from any thread.

#include <chrono>
#include <memory>
#include <string>

#include "config/config.h"

namespace watchdog::core {

enum class LockStatus {
  Held,     // we hold the lock now, for at least the lease from the start of the call
  NotHeld,  // someone else holds it, or ours is certainly gone (e.g. our session died)
  Unknown,  // the server could not be asked (down, timed out): a lock held before may still be
            // ours on the server until its lease runs out
};

struct LockResult {
  LockStatus status = LockStatus::Unknown;
  std::string detail;  // one safe-to-log line ("held by another replica", "connection refused")
  // NotHeld only: the other holder's lease ends in about this long (0 = unknown); the elector
  // tries again then instead of waiting a whole renew interval.
  std::chrono::milliseconds retry_in{0};
};

class LeaderLock {
 public:
  virtual ~LeaderLock() = default;
  // Takes the lock when it is free, or extends it when this object already holds it. Returns
  // within about `timeout` (host name resolution aside) and never throws.
  virtual LockResult acquire_or_renew(std::chrono::milliseconds timeout) noexcept = 0;
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
