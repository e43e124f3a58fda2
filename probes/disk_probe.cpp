#include "probes/disk_probe.h"

#include <sys/statvfs.h>

#include <cerrno>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <system_error>

#include "config/units.h"

namespace watchdog::probes {
namespace {

using namespace std::chrono_literals;

std::string percent(double ratio) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f%%", ratio * 100.0);
  return text;
}

// "42s", "12m30s", "5h12m", "3d4h": as precise as a reader of the detail needs.
std::string rounded(DiskTrend::Seconds full_in) {
  constexpr double kLongest = 1000.0 * 24 * 3600;  // and format_duration's range
  if (full_in.count() >= kLongest) return "over 1000d";
  auto seconds = std::llround(full_in.count());
  if (seconds >= 48 * 3600) {
    seconds = (seconds + 1800) / 3600 * 3600;
  } else if (seconds >= 3600) {
    seconds = (seconds + 30) / 60 * 60;
  }
  return config::format_duration(std::chrono::seconds(seconds));
}

std::string rate(double bytes_per_second) {
  return "+" +
         config::format_size(static_cast<std::uint64_t>(std::llround(bytes_per_second * 3600))) +
         "/h";
}

// Thresholds as operators write them: "24h", "48h" rather than "1d", "2d".
std::string duration_text(std::chrono::milliseconds d) {
  if (d < 72h && d % 1h == 0ms) return std::to_string(d / 1h) + "h";
  return config::format_duration(d);
}

// CLOCK_BOOTTIME: never stepped, and counts a suspend (unlike steady_clock), so that a resume
// is not taken for a forward step of the wall clock.
std::optional<std::chrono::nanoseconds> since_boot() {
  timespec now{};
  if (::clock_gettime(CLOCK_BOOTTIME, &now) != 0) return std::nullopt;
  return std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec);
}

}  // namespace

std::unique_ptr<Probe> DiskProbe::create(std::string name, config::Options& options) {
  Settings settings;
  settings.path = options.string_or("path", "/");
  if (!settings.path.is_absolute()) options.fail("path", "must be an absolute path");
  settings.warn = options.ratio_or("warn", settings.warn);
  settings.critical = options.ratio_or("critical", settings.critical);
  settings.inodes_warn = options.ratio_or("inodes_warn", settings.warn);
  settings.inodes_critical = options.ratio_or("inodes_critical", settings.critical);
  if (settings.warn > settings.critical) {
    options.fail("warn", "must not exceed critical (" + percent(settings.critical) + ")");
  }
  if (settings.inodes_warn > settings.inodes_critical) {
    options.fail("inodes_warn",
                 "must not exceed inodes_critical (" + percent(settings.inodes_critical) + ")");
  }
  // Read even when off, so that turning it off does not make the other keys unknown.
  settings.full_in = options.boolean_or("full_in", settings.full_in);
  settings.full_in_warn = options.duration_or("full_in_warn", settings.full_in_warn);
  settings.full_in_critical = options.duration_or("full_in_critical", settings.full_in_critical);
  settings.full_in_window = options.duration_or("full_in_window", settings.full_in_window);
  if (settings.full_in_warn < settings.full_in_critical) {
    options.fail("full_in_warn", "must not be below full_in_critical (" +
                                     duration_text(settings.full_in_critical) + ")");
  }
  if (settings.full_in_window < 1s) options.fail("full_in_window", "must be at least 1s");
  return std::make_unique<DiskProbe>(std::move(name), std::move(settings));
}

DiskProbe::DiskProbe(std::string name, Settings settings)
    : GuardedProbe(std::move(name)), settings_(std::move(settings)) {
  if (settings_.full_in) trend_.emplace(settings_.full_in_window);
}

void DiskProbe::restore_memory(std::string_view memory) noexcept {
  has_memory_ = !memory.empty();
  if (!trend_) return;
  try {
    trend_->restore(memory, settings_.path.native());
  } catch (...) {  // out of memory while parsing: start with an empty history
  }
}

ProbeResult DiskProbe::judge(const Settings& settings, const Usage& usage,
                             const std::optional<DiskTrend::Estimate>& trend) {
  std::string detail = settings.path.native() + " " + percent(usage.used_ratio) + " used, " +
                       percent(usage.inodes_ratio) + " inodes";
  if (trend) {
    detail +=
        ", full in " + rounded(trend->full_in) + " at " + rate(trend->growth_bytes_per_second);
  }
  const auto full_in_under = [&](std::chrono::milliseconds limit) {
    return trend && trend->full_in < limit;
  };
  if (usage.used_ratio >= settings.critical) {
    return unhealthy(FailureKind::Threshold,
                     detail + " (space critical at " + percent(settings.critical) + ")");
  }
  if (usage.inodes_ratio >= settings.inodes_critical) {
    return unhealthy(FailureKind::Threshold,
                     detail + " (inodes critical at " + percent(settings.inodes_critical) + ")");
  }
  const auto settled_span = settings.full_in_window * DiskTrend::kSettledSpanPercent / 100;
  const bool settled = trend && trend->span >= settled_span;
  if (settled && full_in_under(settings.full_in_critical)) {
    return unhealthy(FailureKind::Threshold,
                     detail + " (critical under " + duration_text(settings.full_in_critical) + ")");
  }
  if (usage.used_ratio >= settings.warn) {
    return degraded(FailureKind::Threshold,
                    detail + " (space warning at " + percent(settings.warn) + ")");
  }
  if (usage.inodes_ratio >= settings.inodes_warn) {
    return degraded(FailureKind::Threshold,
                    detail + " (inodes warning at " + percent(settings.inodes_warn) + ")");
  }
  if (full_in_under(settings.full_in_critical)) {  // not settled yet
    return degraded(FailureKind::Threshold,
                    detail + " (under " + duration_text(settings.full_in_critical) +
                        "; critical once the history spans " + duration_text(settled_span) + ")");
  }
  if (full_in_under(settings.full_in_warn)) {
    return degraded(FailureKind::Threshold,
                    detail + " (warning under " + duration_text(settings.full_in_warn) + ")");
  }
  return healthy(std::move(detail));
}

ProbeResult DiskProbe::check_once(std::chrono::milliseconds /*timeout*/) {
  const std::string& path = settings_.path.native();
  struct statvfs fs {};
  if (::statvfs(path.c_str(), &fs) != 0) {
    int error = errno;
    return unhealthy(error == ENOENT ? FailureKind::NotFound : FailureKind::Error,
                     "statvfs " + path + ": " + std::generic_category().message(error));
  }
  // Counts are in fragments of f_frsize bytes; double avoids overflow in products.
  const double used = static_cast<double>(fs.f_blocks) - static_cast<double>(fs.f_bfree);
  const double usable = used + static_cast<double>(fs.f_bavail);
  Usage usage;
  usage.used_ratio = usable > 0 ? used / usable : 0.0;
  usage.inodes_ratio = fs.f_files > 0 ? static_cast<double>(fs.f_files - fs.f_ffree) /
                                            static_cast<double>(fs.f_files)
                                      : 0.0;
  const double fragment = static_cast<double>(fs.f_frsize);
  const double available = static_cast<double>(fs.f_bavail) * fragment;
  std::optional<DiskTrend::Estimate> estimate;
  std::optional<std::string> memory;
  if (trend_) {
    // Wall clock: the history outlives this process; time since boot sees the clock's steps.
    trend_->add(std::chrono::system_clock::now(), available, since_boot());
    estimate = trend_->estimate();
  }
  if (trend_ && !trend_->samples().empty()) {
    memory = trend_->encode(path);
    has_memory_ = true;
  } else if (has_memory_) {
    memory = "";  // forget what is saved: off now, or nothing left to remember
    has_memory_ = false;
  }
  ProbeResult result = judge(settings_, usage, estimate);
  result.measurements = {{"disk_used_ratio", usage.used_ratio},
                         {"disk_inodes_used_ratio", usage.inodes_ratio},
                         {"disk_free_bytes", available},
                         {"disk_total_bytes", static_cast<double>(fs.f_blocks) * fragment}};
  if (estimate) {
    result.measurements.push_back({"disk_full_in_seconds", estimate->full_in.count()});
    result.measurements.push_back(
        {"disk_growth_bytes_per_second", estimate->growth_bytes_per_second});
  }
  result.memory = std::move(memory);
  return result;
}

}  // namespace watchdog::probes
