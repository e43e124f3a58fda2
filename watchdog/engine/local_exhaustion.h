#pragma once
// Results that say the watchdog itself ran out of something — file descriptors, memory,
// processes, threads (probes::FailureKind::LocalResource) — rather than anything about the
// target. The engine never steps them into the state machine (a healthy service must not go
// CRITICAL, be "recovered" and page because the watchdog was starved); it notes them here:
//   watchdog_local_resource_errors_total   every such result
//   log `local_resource_exhausted` (error)  at most once a minute, with how many were not logged
// Used from the engine thread only.

#include <chrono>
#include <cstdint>
#include <string>

#include "watchdog/metrics.h"

namespace watchdog::core {

class LocalExhaustion {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  static constexpr std::chrono::minutes kLogEvery{1};

  explicit LocalExhaustion(Metrics& metrics);
  void note(const std::string& component, const std::string& probe, const std::string& detail,
            SteadyTime now);

 private:
  Cell& errors_;
  SteadyTime last_logged_{};
  std::uint64_t unlogged_ = 0;
  bool logged_once_ = false;
};

}  // namespace watchdog::core
