#pragma once
// `watchdog once`: every probe of the plan once, all at the same time (each bounded by its own
// timeout), then a table. Exit code: 0 all healthy, 1 something degraded (or a non-critical
// component failing), 2 a critical component failing. No actions, no alerts.

#include <ostream>

#include "watchdog/plan.h"

namespace watchdog::core {

int run_once(const Plan& plan, std::ostream& out);

}  // namespace watchdog::core
