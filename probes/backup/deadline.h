#pragma once
// The deadline of the file checks (listing, dump directory walks, archive reads), checked
// between steps: one blocking system call cannot be interrupted (the worker's guard covers it).

#include <chrono>

namespace watchdog::probes::backup {

inline bool past(std::chrono::steady_clock::time_point deadline) {
  return std::chrono::steady_clock::now() > deadline;
}

}  // namespace watchdog::probes::backup
