#include "watchdog/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace watchdog::core {
namespace {

std::string read_small_file(const char* path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<double> count_open_fds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return std::nullopt;
  double count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count - 1;  // the descriptor opendir() itself holds
}

}  // namespace

std::optional<ProcStat> parse_proc_stat(const std::string& text, long ticks_per_second,
                                        long page_size) {
  const auto name_end = text.rfind(')');
  if (name_end == std::string::npos || ticks_per_second <= 0) return std::nullopt;
  std::istringstream fields(text.substr(name_end + 1));
  std::vector<std::string> f;  // f[0] is field 3 (state) of proc(5)
  for (std::string field; fields >> field;) f.push_back(field);
  if (f.size() < 22) return std::nullopt;
  try {
    const double ticks = static_cast<double>(ticks_per_second);
    ProcStat stat;
    stat.cpu_seconds = (std::stod(f[11]) + std::stod(f[12])) / ticks;  // utime, stime
    stat.start_after_boot = std::stod(f[19]) / ticks;                  // starttime
    stat.virtual_bytes = std::stoull(f[20]);                           // vsize
    stat.resident_bytes = std::stoull(f[21]) * static_cast<std::uint64_t>(page_size);  // rss
    return stat;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::optional<double> parse_boot_time(const std::string& proc_stat) {
  std::istringstream lines(proc_stat);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("btime ", 0) != 0) continue;
    try {
      return std::stod(line.substr(6));
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

ProcessCollector::ProcessCollector()
    : ticks_per_second_(::sysconf(_SC_CLK_TCK)),
      page_size_(::sysconf(_SC_PAGESIZE)),
      boot_time_(parse_boot_time(read_small_file("/proc/stat"))) {}

std::vector<ProcessSample> ProcessCollector::Collect() const {
  std::vector<ProcessSample> out;
  if (auto stat =
          parse_proc_stat(read_small_file("/proc/self/stat"), ticks_per_second_, page_size_)) {
    out.push_back(ProcessSample{"process_cpu_seconds_total", "Total user and system CPU time spent",
                                MetricType::Counter, stat->cpu_seconds});
    out.push_back(ProcessSample{"process_resident_memory_bytes", "Resident memory size",
                                MetricType::Gauge, static_cast<double>(stat->resident_bytes)});
    out.push_back(ProcessSample{"process_virtual_memory_bytes", "Virtual memory size",
                                MetricType::Gauge, static_cast<double>(stat->virtual_bytes)});
    if (boot_time_) {
      out.push_back(ProcessSample{"process_start_time_seconds",
                                  "Start time of the process since the Unix epoch",
                                  MetricType::Gauge, *boot_time_ + stat->start_after_boot});
    }
  }
  if (auto fds = count_open_fds()) {
    out.push_back(
        ProcessSample{"process_open_fds", "Open file descriptors", MetricType::Gauge, *fds});
  }
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    out.push_back(ProcessSample{"process_max_fds", "Maximum open file descriptors (soft limit)",
                                MetricType::Gauge, static_cast<double>(limit.rlim_cur)});
  }
  return out;
}

}  // namespace watchdog::core
