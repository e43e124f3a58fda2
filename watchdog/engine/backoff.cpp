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

}  // namespace watchdog::core
