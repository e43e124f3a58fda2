#pragma once
// "What to improve": concrete, numeric lines from a measured result — which phase ate the RTO,
// how old the backup was against the RPO, which alert sink was slow — and the good news too
// ("RTO 15m met with 11m 19s to spare"), so the report says where the margin is. Pure; judge()
// (measure.h) fills Result::advice with it.

#include <string>
#include <vector>

#include "watchdog/gameday/result.h"

namespace watchdog::gameday {

// Alerts slower than this get a line of their own (retries, a slow endpoint).
inline constexpr std::chrono::seconds kSlowAlert{30};

std::vector<std::string> advise(const Result& result);

}  // namespace watchdog::gameday
