#include "watchdog/engine/local_exhaustion.h"

#include <spdlog/spdlog.h>

#include "watchdog/logging.h"

namespace watchdog::core {

LocalExhaustion::LocalExhaustion(Metrics& metrics)
    : errors_(metrics.store().global(
          metrics.store().add_global(
              "watchdog_local_resource_errors_total",
              "Checks that failed because the watchdog ran out of descriptors, memory or "
              "processes (never counted against the target)",
              MetricType::Counter),
          {})) {
  errors_.add(0);
}

void LocalExhaustion::note(const std::string& component, const std::string& probe,
                           const std::string& detail, SteadyTime now) {
  errors_.add(1);
  if (logged_once_ && now - last_logged_ < kLogEvery) {
    ++unlogged_;
    return;
  }
  spdlog::error("local_resource_exhausted {} {} {} {} target_state=unchanged",
                logging::kv("component", component), logging::kv("probe", probe),
                logging::kv("detail", detail), logging::kv("not_logged_since_last", std::to_string(unlogged_)));
  logged_once_ = true;
  last_logged_ = now;
  unlogged_ = 0;
}

}  // namespace watchdog::core
