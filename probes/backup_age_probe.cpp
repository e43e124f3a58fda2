#include "probes/backup_age_probe.h"

#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <optional>
#include <system_error>
#include <vector>

#include "config/units.h"

namespace watchdog::probes {
namespace {

struct Newest {
  std::string name;
  std::chrono::system_clock::time_point mtime;
  std::uint64_t size = 0;
};

std::chrono::system_clock::time_point to_time_point(const timespec& ts) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
}

}  // namespace

std::unique_ptr<Probe> BackupAgeProbe::create(std::string name, config::Options& options) {
  Settings settings;
  settings.directory = options.required_string("directory");
  if (!settings.directory.is_absolute()) options.fail("directory", "must be an absolute path");
  settings.pattern = options.string_or("pattern", settings.pattern);
  if (settings.pattern.empty() || settings.pattern.find('/') != std::string::npos) {
    options.fail("pattern", "must be a non-empty file name glob without '/'");
  }
  auto rpo = options.duration("rpo");
  if (!rpo) options.fail("rpo", "is required (the maximum age of the newest backup, e.g. 25h)");
  if (rpo->count() <= 0) options.fail("rpo", "must be greater than zero");
  settings.rpo = *rpo;
  settings.min_size = options.size("min_size").value_or(settings.min_size);
  return std::make_unique<BackupAgeProbe>(std::move(name), std::move(settings));
}

BackupAgeProbe::BackupAgeProbe(std::string name, Settings settings)
    : GuardedProbe(std::move(name)), settings_(std::move(settings)) {}

ProbeResult BackupAgeProbe::check_once(std::chrono::milliseconds timeout) {
  return scan(std::chrono::steady_clock::now() + timeout);
}

ProbeResult BackupAgeProbe::scan(std::chrono::steady_clock::time_point deadline) const {
  namespace fs = std::filesystem;
  const std::string dir = settings_.directory.native();
  std::error_code error;
  fs::directory_iterator it(settings_.directory, error);
  if (error) {
    bool missing = error == std::errc::no_such_file_or_directory;
    return unhealthy(missing ? FailureKind::NotFound : FailureKind::Error,
                     missing ? "directory " + dir + " does not exist"
                             : "cannot list " + dir + ": " + error.message());
  }

  std::optional<Newest> newest;
  long long files = 0;
  for (; it != fs::directory_iterator(); it.increment(error)) {
    if (std::chrono::steady_clock::now() > deadline) {
      return unhealthy(FailureKind::Timeout, "listing " + dir + " took longer than the timeout");
    }
    std::string name = it->path().filename().native();
    if (::fnmatch(settings_.pattern.c_str(), name.c_str(), FNM_PERIOD) != 0) continue;
    struct stat st {};
    // stat() follows symlinks; files that vanish mid-scan (rotation) are skipped.
    if (::stat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    ++files;
    auto mtime = to_time_point(st.st_mtim);
    if (!newest || mtime > newest->mtime) {
      newest = Newest{std::move(name), mtime, static_cast<std::uint64_t>(st.st_size)};
    }
  }
  if (error) return unhealthy(FailureKind::Error, "cannot list " + dir + ": " + error.message());

  std::vector<Measurement> measurements{{"backup_files", static_cast<double>(files)}};
  if (!newest) {
    ProbeResult result =
        unhealthy(FailureKind::NotFound, "no file matching '" + settings_.pattern + "' in " + dir);
    result.measurements = std::move(measurements);
    return result;
  }

  auto age = std::max(std::chrono::system_clock::duration::zero(),
                      std::chrono::system_clock::now() - newest->mtime);
  auto age_seconds = std::chrono::duration_cast<std::chrono::seconds>(age);
  measurements.push_back({"backup_age_seconds", std::chrono::duration<double>(age).count()});
  measurements.push_back({"backup_size_bytes", static_cast<double>(newest->size)});

  std::string subject =
      "newest backup " + newest->name + " is " + config::format_duration(age_seconds) + " old";
  ProbeResult result;
  if (age > settings_.rpo) {
    result = unhealthy(FailureKind::Threshold,
                       subject + " (RPO " + config::format_duration(settings_.rpo) + ")");
  } else if (newest->size < settings_.min_size) {
    result =
        unhealthy(FailureKind::Threshold, "newest backup " + newest->name + " is " +
                                              config::format_size(newest->size) + " (minimum " +
                                              config::format_size(settings_.min_size) + ")");
  } else {
    result = healthy(subject + ", " + config::format_size(newest->size) + " (" +
                     std::to_string(files) + " files)");
  }
  result.measurements = std::move(measurements);
  return result;
}

}  // namespace watchdog::probes
