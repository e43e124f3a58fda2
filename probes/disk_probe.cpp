#include "probes/disk_probe.h"

#include <sys/statvfs.h>

#include <cerrno>
#include <cstdio>
#include <system_error>

namespace watchdog::probes {
namespace {

std::string percent(double ratio) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.1f%%", ratio * 100.0);
  return text;
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
  return std::make_unique<DiskProbe>(std::move(name), std::move(settings));
}

DiskProbe::DiskProbe(std::string name, Settings settings)
    : GuardedProbe(std::move(name)), settings_(std::move(settings)) {}

ProbeResult DiskProbe::check_once(std::chrono::milliseconds /*timeout*/) {
  ProbeResult result;
  const std::string& path = settings_.path.native();
  struct statvfs fs {};
  if (::statvfs(path.c_str(), &fs) != 0) {
    int error = errno;
    result = unhealthy(error == ENOENT ? FailureKind::NotFound : FailureKind::Error,
                       "statvfs " + path + ": " + std::generic_category().message(error));
  } else {
    // Counts are in fragments of f_frsize bytes; double avoids overflow in products.
    double used = static_cast<double>(fs.f_blocks) - static_cast<double>(fs.f_bfree);
    double usable = used + static_cast<double>(fs.f_bavail);
    double used_ratio = usable > 0 ? used / usable : 0.0;
    double inodes_ratio = fs.f_files > 0 ? static_cast<double>(fs.f_files - fs.f_ffree) /
                                               static_cast<double>(fs.f_files)
                                         : 0.0;
    std::string detail =
        path + " " + percent(used_ratio) + " used, " + percent(inodes_ratio) + " inodes";
    if (used_ratio >= settings_.critical) {
      result = unhealthy(FailureKind::Threshold,
                         detail + " (space critical at " + percent(settings_.critical) + ")");
    } else if (inodes_ratio >= settings_.inodes_critical) {
      result = unhealthy(FailureKind::Threshold, detail + " (inodes critical at " +
                                                     percent(settings_.inodes_critical) + ")");
    } else if (used_ratio >= settings_.warn) {
      result = degraded(FailureKind::Threshold,
                        detail + " (space warning at " + percent(settings_.warn) + ")");
    } else if (inodes_ratio >= settings_.inodes_warn) {
      result = degraded(FailureKind::Threshold,
                        detail + " (inodes warning at " + percent(settings_.inodes_warn) + ")");
    } else {
      result = healthy(std::move(detail));
    }
    double fragment = static_cast<double>(fs.f_frsize);
    result.measurements = {{"disk_used_ratio", used_ratio},
                           {"disk_inodes_used_ratio", inodes_ratio},
                           {"disk_free_bytes", static_cast<double>(fs.f_bavail) * fragment},
                           {"disk_total_bytes", static_cast<double>(fs.f_blocks) * fragment}};
  }
  return result;
}

}  // namespace watchdog::probes
