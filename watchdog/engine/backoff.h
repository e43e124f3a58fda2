#pragma once
// Pure timing rules: back-off between recovery attempts and jitter on probe intervals.
// Randomness is passed in, so the rules are tested exactly.

#include <chrono>

namespace watchdog::core {

// Delay after `failed_attempts` (≥ 1) failed attempts: base · 2^(failed_attempts − 1), capped at
// `cap`. Never negative, never overflows.
std::chrono::milliseconds backoff_delay(std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap, int failed_attempts);

// interval ± jitter: `unit_random` in [0, 1) maps linearly onto [interval − jitter,
// interval + jitter). Never below 1 ms.
std::chrono::milliseconds jittered_interval(std::chrono::milliseconds interval,
                                            std::chrono::milliseconds jitter, double unit_random);

}  // namespace watchdog::core
