#pragma once
// The process_* metrics every Prometheus client library exports by convention (prometheus-cpp
// does not), read from /proc/self at scrape time — no thread, no timer, a few small reads per
// scrape:
//   process_cpu_seconds_total        user + system CPU time (counter)
//   process_resident_memory_bytes    RSS
//   process_virtual_memory_bytes     virtual memory size
//   process_start_time_seconds       when the process started (Unix time)
//   process_open_fds                 open file descriptors
//   process_max_fds                  the soft RLIMIT_NOFILE
// A file that cannot be read leaves its metrics out of that scrape (never a made-up 0).
//
// Thread-safety: Collect() may run on several threads at once (it keeps no state but constants).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "watchdog/metrics_text.h"

namespace watchdog::core {

// What /proc/self/stat says, in base units.
struct ProcStat {
  double cpu_seconds = 0;       // utime + stime
  double start_after_boot = 0;  // seconds from boot to the process's start
  std::uint64_t virtual_bytes = 0;
  std::uint64_t resident_bytes = 0;
};

// Parses the text of /proc/<pid>/stat (the command name may hold spaces and ')').
std::optional<ProcStat> parse_proc_stat(const std::string& text, long ticks_per_second,
                                        long page_size);
// The `btime` line of /proc/stat: boot time in Unix seconds.
std::optional<double> parse_boot_time(const std::string& proc_stat);

// One process_* metric: a family with a single unlabeled sample.
struct ProcessSample {
  const char* name;
  const char* help;
  MetricType type;
  double value;
};

class ProcessCollector {
 public:
  ProcessCollector();
  std::vector<ProcessSample> Collect() const;

 private:
  long ticks_per_second_;
  long page_size_;
  std::optional<double> boot_time_;  // read once: it does not change
};

}  // namespace watchdog::core
