#pragma once
// The one place that judges leader-lock settings (watchdog.leader): the loader reports a
// problem with file, line and key; the elector refuses timing it cannot keep. Lease and renewal
// are tied: a renewal must be able to fail once and still be retried before the lease runs out.

#include <string>

#include "config/config.h"

namespace watchdog::config {

// Shortest lease a real lock accepts: below it, clock steps and scheduling noise are a large
// part of the lease.
inline constexpr Duration kMinimumLease = std::chrono::seconds(1);

// "" when a lock with this lease and renew_interval is usable, else why not (the text names
// both values: "renew_interval 6s must be at most half the lease 10s").
std::string leader_timing_problem(Duration lease, Duration renew_interval);

}  // namespace watchdog::config
