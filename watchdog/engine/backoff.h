#pragma once
// Pure timing rule: back-off between recovery attempts.

#include <chrono>

namespace watchdog::core {

// Delay after `failed_attempts` (≥ 1) failed attempts: base · 2^(failed_attempts − 1), capped at
// `cap`. Never negative, never overflows.
std::chrono::milliseconds backoff_delay(std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap, int failed_attempts);

}  // namespace watchdog::core
