#include "watchdog/engine/backoff.h"

#include <algorithm>

namespace watchdog::core {

std::chrono::milliseconds backoff_delay(std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap, int failed_attempts) {
  if (base.count() <= 0) return std::chrono::milliseconds(0);
  auto delay = base;
  for (int i = 1; i < failed_attempts && delay < cap; ++i)
    delay *= 2;  // stops long before overflow
  return std::min(delay, cap);
}

std::chrono::milliseconds jittered_interval(std::chrono::milliseconds interval,
                                            std::chrono::milliseconds jitter, double unit_random) {
  unit_random = std::clamp(unit_random, 0.0, 1.0);
  const double offset = (2.0 * unit_random - 1.0) * static_cast<double>(jitter.count());
  const auto result = interval + std::chrono::milliseconds(static_cast<long long>(offset));
  return std::max(result, std::chrono::milliseconds(1));
}

}  // namespace watchdog::core
