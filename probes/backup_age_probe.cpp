#include "probes/backup_age_probe.h"

#include <algorithm>
#include <optional>
#include <system_error>
#include <vector>

#include "config/units.h"
#include "config/zoned_cron.h"
#include "probes/backup/anomaly_checks.h"

namespace watchdog::probes {
namespace {

using backup::BackupEntry;
using backup::EntryKinds;

// The newest file's size against the files before it (`oldest_first`); files carry no duration.
backup::HistoryVerdict judge_files(const std::vector<BackupEntry>& oldest_first,
                                   const backup::AnomalySettings& settings) {
  std::vector<backup::BackupSample> samples;
  samples.reserve(oldest_first.size());
  for (const auto& file : oldest_first) samples.push_back({file.name, file.size, std::nullopt});
  return backup::judge_history(samples, settings);
}

// Every file's mtime is a run's finish (a file being written keeps its mtime fresh, so a run
// in progress counts as the latest run); the newest file is judged.
backup::Lateness judge_schedule(const BackupAgeProbe::Settings& settings,
                                const std::vector<BackupEntry>& oldest_first) {
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
  const std::string entries = options.string_or("entries", "files");
  auto kinds = backup::entry_kinds_from_string(entries);
  if (!kinds) options.fail("entries", "expected files, directories or any, got '" + entries + "'");
  settings.entries = *kinds;
  settings.check_integrity = options.boolean_or("check_integrity", settings.check_integrity);
  settings.integrity_max_size =
      options.size("integrity_max_size").value_or(settings.integrity_max_size);
  settings.anomaly = backup::read_anomaly_settings(options, false);
  settings.settle = options.duration_or("settle", settings.settle);
  if (settings.settle.count() < 0) options.fail("settle", "must not be negative");
  if (auto schedule = options.string("schedule")) {
    settings.schedule = backup::run_schedule(
        config::read_zoned_cron(options, *schedule, options.string("time_zone")));
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

void BackupAgeProbe::restore_memory(std::string_view memory) noexcept {
  try {
    auto remembered = backup::RememberedVerdict::decode(memory);
    // Only proven verdicts outlive a restart: "not checked" may depend on settings just changed.
    if (remembered && remembered->verdict.state != backup::ArchiveVerdict::State::Unchecked) {
      remembered_ = std::move(remembered);
    }
  } catch (...) {  // out of memory: check the file again
  }
}

std::optional<backup::ArchiveVerdict> BackupAgeProbe::integrity(
    const BackupEntry& judged, std::chrono::steady_clock::time_point deadline,
    std::chrono::milliseconds timeout, std::optional<std::string>& memory) {
  const auto format = backup::archive_format(judged.name);
  if (!settings_.check_integrity || judged.directory || !format) return std::nullopt;
  backup::RememberedVerdict current{
      (settings_.directory / judged.name).native(),
      judged.size,
      std::chrono::duration_cast<std::chrono::nanoseconds>(judged.mtime.time_since_epoch()).count(),
      {}};
  if (remembered_ && remembered_->same_file(current)) return remembered_->verdict;
  if (judged.size > settings_.integrity_max_size) {
    current.verdict = {
        backup::ArchiveVerdict::State::Unchecked,
        "larger than integrity_max_size " + config::format_size(settings_.integrity_max_size)};
  } else {
    const auto started = std::chrono::steady_clock::now();
    current.verdict = backup::check_archive(current.path, *format, deadline,
                                            backup::FileVersion{current.size, current.mtime_ns});
    // A passing reason (I/O error, a change while read, a listing that ate the timeout): read
    // again at the next check.
    if (!backup::worth_remembering(current.verdict, deadline - started, timeout)) {
      return current.verdict;
    }
  }
  memory = current.encode();
  remembered_ = std::move(current);
  return remembered_->verdict;
}

ProbeResult BackupAgeProbe::check_once(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  const std::string dir = settings_.directory.native();
  // Walked: the newest dump directory (maybe still being written), the judged one and its
  // history; older ones are only counted.
  const auto walk_limit = static_cast<std::size_t>(std::max(settings_.anomaly.history, 0)) + 2;
  auto listing = backup::list_backup_entries(settings_.directory, settings_.pattern,
                                             settings_.entries, deadline, walk_limit);
  if (listing.failure != FailureKind::None) return unhealthy(listing.failure, listing.error);
  auto& found = listing.entries;
  const auto files = static_cast<long long>(found.size() + listing.unwalked);
  std::vector<Measurement> measurements{{"backup_files", static_cast<double>(files)}};
  if (found.empty()) {
    ProbeResult result = unhealthy(
        FailureKind::NotFound, "no " + std::string(backup::entry_noun(settings_.entries, false)) +
                                   " matching '" + settings_.pattern + "' in " + dir);
    result.measurements = std::move(measurements);
    return result;
  }
  // Oldest first; the newest (by mtime) decides, the ones before it are its history.
  const BackupEntry* newest = &found.back();
  auto age = std::max(std::chrono::system_clock::duration::zero(),
                      std::chrono::system_clock::now() - newest->mtime);
  auto age_seconds = std::chrono::duration_cast<std::chrono::seconds>(age);
  measurements.push_back({"backup_age_seconds", std::chrono::duration<double>(age).count()});
  measurements.push_back({"backup_size_bytes", static_cast<double>(newest->size)});

  // A file still being written (younger than `settle`) is left out of the size judgements: the
  // newest settled one is judged instead, against the files before it.
  auto settled = found;
  if (age < settings_.settle) settled.pop_back();
  const BackupEntry* judged = settled.empty() ? nullptr : &settled.back();
  const auto history =
      settled.empty() ? backup::HistoryVerdict{} : judge_files(settled, settings_.anomaly);
  std::optional<backup::Lateness> lateness;
  if (settings_.schedule) lateness = judge_schedule(settings_, found);
  backup::add_anomaly_measurements(history, lateness, measurements);
  std::optional<std::string> memory;
  const auto archive = judged ? integrity(*judged, deadline, timeout, memory) : std::nullopt;
  std::string archive_text;
  if (archive) {
    archive_text = backup::describe(*archive, judged->name, *backup::archive_format(judged->name));
    if (archive->state != backup::ArchiveVerdict::State::Unchecked) {
      measurements.push_back({"backup_archive_ok", archive->damaged() ? 0.0 : 1.0});
    }
  }

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
  } else if (archive && archive->damaged()) {
    // BadResponse, as the `backup` probe reports a failed verification: Corrupt would fire
    // restore_latest (default when: [not_found, corrupt]) on a healthy database because of a
    // damaged dump FILE in the same component.
    result = unhealthy(FailureKind::BadResponse, archive_text);
  } else if (auto anomaly = backup::anomaly_result(history, lateness)) {
    result = std::move(*anomaly);
  } else {
    result =
        healthy(subject + ", " + config::format_size(newest->size) + " (" + std::to_string(files) +
                " " + std::string(backup::entry_noun(settings_.entries, true)) + ")" +
                (archive ? "; " + archive_text : ""));
  }
  result.measurements = std::move(measurements);
  result.memory = std::move(memory);
  return result;
}

}  // namespace watchdog::probes
