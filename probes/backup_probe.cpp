#include "probes/backup_probe.h"

#include <algorithm>
#include <cstdlib>

#include "config/time_text.h"
#include "config/units.h"
#include "probes/backup/anomaly_checks.h"
#include "probes/backup/backup_attempts.h"
#include "probes/backup/backup_catalog.h"
#include "probes/backup/backup_judge.h"
#include "probes/backup/backup_schedule.h"

namespace watchdog::probes {
namespace {

using backup::SystemTime;

// Failure times are 0 when none was recorded (an alert compares them with the successes).
void add_failure_and_drill_measurements(const backup::TargetStatus& status,
                                        std::optional<SystemTime> last_failed_attempt,
                                        std::vector<Measurement>& out) {
  auto timestamp = [](std::optional<SystemTime> at) {
    return at ? config::unix_seconds(*at) : 0.0;
  };
  out.push_back({"backup_last_failure_timestamp_seconds", timestamp(last_failed_attempt)});
  out.push_back({"restore_drill_last_failure_timestamp_seconds",
                 timestamp(backup::last_failed_drill(status))});
  if (status.last_drill && status.last_drill->seconds) {
    out.push_back({"restore_drill_duration_seconds", *status.last_drill->seconds});
  }
}

// The newest backup's duration, what all of them take on the volume, and the start of the
// recovery window (the oldest backup that is verified and still intact).
void add_catalog_measurements(const std::vector<backup::BackupMetadata>& backups,
                              const backup::BackupMetadata* oldest_good,
                              std::vector<Measurement>& out) {
  out.push_back({"backup_storage_bytes", static_cast<double>(backup::stored_bytes(backups))});
  if (!backups.empty()) {
    const auto& newest = backups.back();
    out.push_back(
        {"backup_duration_seconds",
         std::max(0.0, std::chrono::duration<double>(newest.finished - newest.started).count())});
  }
  if (oldest_good != nullptr) {
    out.push_back({"backup_oldest_restorable_timestamp_seconds",
                   config::unix_seconds(oldest_good->finished)});
  }
}

// The start of the run in progress, from its name: the newest ".TARGET_TIME.<ext>.partial" (being
// dumped) or "TARGET_TIME.<ext>" not yet in the catalog (renamed, being verified: its metadata
// comes last). Called only while the backup lock is held, so a killed run's leftovers never
// count. Safety dumps (".safety-TARGET_safety_….partial", "TARGET_safety_…") have no time
// there and are skipped.
std::optional<SystemTime> in_progress_start(const std::filesystem::path& dir,
                                            const std::string& target,
                                            SystemTime newest_listed) {
  std::optional<SystemTime> start;
  constexpr std::size_t kStampLength = 16;  // 20261122T031500Z
  std::error_code error;
  for (std::filesystem::directory_iterator it(dir, error), end; !error && it != end;
       it.increment(error)) {
    std::string file = it->path().filename().string();
    if (file.starts_with(".") && file.ends_with(".partial")) file.erase(0, 1);
    if (!file.starts_with(target + "_") || file.ends_with(".json")) continue;
    const auto at = backup::parse_backup_time(file.substr(target.size() + 1, kStampLength));
    if (at && *at > newest_listed && (!start || *at > *start)) start = at;
  }
  return start;
}

// The latest run as the scheduler counts it (backup_schedule.h); every backup's start and the
// recorded attempts as earlier runs; the newest start (a run in progress, when its name shows
// it) is judged.
backup::Lateness judge_schedule(const BackupProbe::Settings& settings,
                                const std::vector<backup::BackupMetadata>& backups,
                                const backup::TargetStatus& status,
                                const backup::TargetStatus& fallback) {
  backup::LatenessInput input;
  input.now = std::chrono::system_clock::now();
  input.grace = settings.grace;
  input.last_run = backup::last_scheduled_run(backups, backup::newest_attempt(status, fallback));
  for (const auto& b : backups) input.runs.push_back(b.started);
  for (const auto* s : {&status, &fallback}) {
    if (s->last_attempt) input.runs.push_back(s->last_attempt->at);
    if (s->last_failure) input.runs.push_back(*s->last_failure);
  }
  if (!backups.empty()) input.newest = backup::NamedRun{backups.back().name, backups.back().started};
  input.in_progress = backup::run_in_progress(settings.directory, settings.target);
  if (input.in_progress) {
    const auto newest_listed = backups.empty() ? SystemTime::min() : backups.back().started;
    if (auto start = in_progress_start(settings.directory, settings.target, newest_listed)) {
      input.newest = backup::NamedRun{backup::backup_name(settings.target, *start), *start};
    }
  }
  return backup::judge_lateness(*settings.schedule, input,
                                {"of " + settings.target, "has not started", "started"});
}

}  // namespace

std::unique_ptr<Probe> BackupProbe::create(std::string name, config::Options& options,
                                           const std::vector<config::BackupTargetSpec>& targets) {
  Settings settings;
  settings.target = options.required_string("target");
  const auto* target = config::find_backup_target(targets, settings.target);
  if (target == nullptr) {
    std::string known;
    for (const auto& t : targets) known += (known.empty() ? "" : ", ") + t.name;
    options.fail("target", "unknown backup target '" + settings.target + "' (`backups:` has " +
                               (known.empty() ? "none" : known) + ")");
  }
  settings.directory = target->directory;
  settings.judge = judge_settings(options, *target);
  settings.status_fallback_directory = target->status_fallback_directory;
  settings.schedule = backup::run_schedule(target->schedule);
  if (settings.schedule) {
    settings.grace = backup::read_grace(options);
  } else if (options.has("grace")) {
    options.fail("grace", "applies only to a target with a schedule (interval or daily_at)");
  }
  return std::make_unique<BackupProbe>(std::move(name), std::move(settings));
}

backup::JudgeSettings BackupProbe::judge_settings(config::Options& options,
                                                  const config::BackupTargetSpec& target) {
  backup::JudgeSettings judge;
  judge.rpo = options.duration_or("rpo", target.rpo);
  if (judge.rpo.count() <= 0) options.fail("rpo", "must be greater than zero");
  judge.min_size = options.size("min_size").value_or(target.min_size);
  judge.min_redundancy = static_cast<int>(options.integer_or("min_redundancy", 1, 1, 10000));
  if (auto drill = options.duration("drill_max_age")) {
    if (drill->count() <= 0) options.fail("drill_max_age", "must be greater than zero");
    judge.drill_max_age = *drill;
  }
  if (auto headroom = options.string("headroom")) {
    char* end = nullptr;
    judge.headroom = std::strtod(headroom->c_str(), &end);
    if (headroom->empty() || end == nullptr || *end != '\0' ||
        !(judge.headroom == 0 || (judge.headroom >= 1 && judge.headroom <= 100))) {
      options.fail("headroom", "must be 0 (off) or a number from 1 to 100, e.g. 1.5");
    }
  }
  judge.anomaly = backup::read_anomaly_settings(options, true);
  return judge;
}

backup::JudgeSettings BackupProbe::judge_settings(const config::BackupTargetSpec& target) {
  config::Options none;
  return judge_settings(none, target);
}

BackupProbe::BackupProbe(std::string name, Settings settings)
    : GuardedProbe(std::move(name)), settings_(std::move(settings)) {}

ProbeResult BackupProbe::check_once(std::chrono::milliseconds) { return evaluate(); }

ProbeResult BackupProbe::evaluate() const {
  const auto& dir = settings_.directory;
  std::string error;
  auto backups = backup::list_backups(dir, settings_.target, error);
  const auto status = backup::read_status(dir, settings_.target);
  const auto fallback =
      backup::read_fallback_status(settings_.status_fallback_directory, settings_.target);
  const auto last_attempt = backup::newest_attempt(status, fallback);
  const auto volume = backup::volume_use(dir);
  std::vector<Measurement> measurements = {
      {"backup_rpo_seconds", std::chrono::duration<double>(settings_.judge.rpo).count()},
      {"backup_verify_failures_total", static_cast<double>(status.verify_failures)}};
  if (volume) {
    measurements.push_back({"backup_volume_free_bytes", static_cast<double>(volume->free_bytes)});
  }
  if (status.last_drill_success) {
    measurements.push_back({"restore_drill_last_success_timestamp_seconds",
                            config::unix_seconds(*status.last_drill_success)});
  }
  add_failure_and_drill_measurements(status, backup::last_failed_attempt(status, fallback),
                                     measurements);
  auto finish = [&](ProbeResult result) {
    result.measurements = measurements;
    return result;
  };
  if (!error.empty()) return finish(unhealthy(FailureKind::NotFound, error));

  backup::CatalogFacts facts{settings_.target, dir.string(), std::move(backups), "", {}, status,
                             last_attempt, volume, std::nullopt, std::chrono::system_clock::now()};
  for (const auto& b : facts.backups) facts.damage.push_back(backup::quick_check(dir, b));
  if (settings_.schedule) {
    facts.lateness = judge_schedule(settings_, facts.backups, status, fallback);
  }
  const auto verdict = backup::judge_backups(facts, settings_.judge);
  add_catalog_measurements(facts.backups, verdict.oldest_good, measurements);
  backup::add_anomaly_measurements(verdict.history, facts.lateness, measurements);
  measurements.push_back({"backup_good_backups", static_cast<double>(verdict.good)});
  if (const auto* good = verdict.newest_good) {
    measurements.push_back(
        {"backup_last_success_timestamp_seconds", config::unix_seconds(good->finished)});
    measurements.push_back(
        {"backup_age_seconds",
         static_cast<double>(backup::age_at(facts.now, good->finished).count())});
    measurements.push_back({"backup_size_bytes", static_cast<double>(good->size_bytes)});
  }
  return finish(verdict.result);
}

}  // namespace watchdog::probes
