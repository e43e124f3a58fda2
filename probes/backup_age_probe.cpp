#include "probes/backup_age_probe.h"

#include <fnmatch.h>
#include <sys/stat.h>

#include <algorithm>
#include <optional>
#include <system_error>
#include <vector>

#include "config/units.h"
#include "config/zoned_cron.h"
#include "probes/backup/anomaly_checks.h"

namespace watchdog::probes {
namespace {

struct BackupFile {
  std::string name;
  std::chrono::system_clock::time_point mtime;
  std::uint64_t size = 0;
};

std::chrono::system_clock::time_point to_time_point(const timespec& ts) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(
          std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
}

// The newest file's size against the files before it (`oldest_first`); files carry no duration.
backup::HistoryVerdict judge_files(const std::vector<BackupFile>& oldest_first,
                                   const backup::AnomalySettings& settings) {
  std::vector<backup::BackupSample> samples;
  samples.reserve(oldest_first.size());
  for (const auto& file : oldest_first) samples.push_back({file.name, file.size, std::nullopt});
  return backup::judge_history(samples, settings);
}

// Every file's mtime is a run's finish (a file being written keeps its mtime fresh, so a run
// in progress counts as the latest run); the newest file is judged.
backup::Lateness judge_schedule(const BackupAgeProbe::Settings& settings,
                                const std::vector<BackupFile>& oldest_first) {
  backup::LatenessInput input;
  input.now = std::chrono::system_clock::now();
  input.grace = settings.grace;
  for (const auto& file : oldest_first) input.runs.push_back(file.mtime);
  input.last_run = oldest_first.back().mtime;
  input.newest = backup::NamedRun{oldest_first.back().name, oldest_first.back().mtime};
  return backup::judge_lateness(
      *settings.schedule, input,
      {"in " + settings.directory.string(), "has not arrived", "arrived"});
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
  settings.anomaly = backup::read_anomaly_settings(options, false);
  settings.settle = options.duration_or("settle", settings.settle);
  if (settings.settle.count() < 0) options.fail("settle", "must not be negative");
  if (auto schedule = options.string("schedule")) {
    settings.schedule =
        backup::run_schedule(config::read_zoned_cron(options, *schedule, options.string("time_zone")));
    settings.grace = backup::read_grace(options);
  } else {
    for (const char* key : {"time_zone", "grace"}) {
      if (options.has(key)) options.fail(key, "applies only with schedule");
    }
  }
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

  std::vector<BackupFile> found;
  for (; it != fs::directory_iterator(); it.increment(error)) {
    if (std::chrono::steady_clock::now() > deadline) {
      return unhealthy(FailureKind::Timeout, "listing " + dir + " took longer than the timeout");
    }
    std::string name = it->path().filename().native();
    if (::fnmatch(settings_.pattern.c_str(), name.c_str(), FNM_PERIOD) != 0) continue;
    struct stat st {};
    // stat() follows symlinks; files that vanish mid-scan (rotation) are skipped.
    if (::stat(it->path().c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    found.push_back(
        {std::move(name), to_time_point(st.st_mtim), static_cast<std::uint64_t>(st.st_size)});
  }
  if (error) return unhealthy(FailureKind::Error, "cannot list " + dir + ": " + error.message());

  const auto files = static_cast<long long>(found.size());
  std::vector<Measurement> measurements{{"backup_files", static_cast<double>(files)}};
  if (found.empty()) {
    ProbeResult result =
        unhealthy(FailureKind::NotFound, "no file matching '" + settings_.pattern + "' in " + dir);
    result.measurements = std::move(measurements);
    return result;
  }
  // Oldest first; the newest (by mtime) decides, the ones before it are its history.
  std::sort(found.begin(), found.end(), [](const BackupFile& a, const BackupFile& b) {
    return a.mtime != b.mtime ? a.mtime < b.mtime : a.name < b.name;
  });
  const BackupFile* newest = &found.back();
  auto age = std::max(std::chrono::system_clock::duration::zero(),
                      std::chrono::system_clock::now() - newest->mtime);
  auto age_seconds = std::chrono::duration_cast<std::chrono::seconds>(age);
  measurements.push_back({"backup_age_seconds", std::chrono::duration<double>(age).count()});
  measurements.push_back({"backup_size_bytes", static_cast<double>(newest->size)});

  // A file still being written (younger than `settle`) is left out of the size judgements: the
  // newest settled one is judged instead, against the files before it.
  auto settled = found;
  if (age < settings_.settle) settled.pop_back();
  const BackupFile* judged = settled.empty() ? nullptr : &settled.back();
  const auto history =
      settled.empty() ? backup::HistoryVerdict{} : judge_files(settled, settings_.anomaly);
  std::optional<backup::Lateness> lateness;
  if (settings_.schedule) lateness = judge_schedule(settings_, found);
  backup::add_anomaly_measurements(history, lateness, measurements);

  std::string subject =
      "newest backup " + newest->name + " is " + config::format_duration(age_seconds) + " old";
  ProbeResult result;
  if (age > settings_.rpo) {
    result = unhealthy(FailureKind::Threshold,
                       subject + " (RPO " + config::format_duration(settings_.rpo) + ")");
  } else if (judged != nullptr && judged->size < settings_.min_size) {
    result =
        unhealthy(FailureKind::Threshold, "newest backup " + judged->name + " is " +
                                              config::format_size(judged->size) + " (minimum " +
                                              config::format_size(settings_.min_size) + ")");
  } else if (auto anomaly = backup::anomaly_result(history, lateness)) {
    result = std::move(*anomaly);
  } else {
    result = healthy(subject + ", " + config::format_size(newest->size) + " (" +
                     std::to_string(files) + " files)");
  }
  result.measurements = std::move(measurements);
  return result;
}

}  // namespace watchdog::probes
