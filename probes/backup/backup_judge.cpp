#include "probes/backup/backup_judge.h"

#include <algorithm>
#include <sstream>

#include "config/time_text.h"
#include "config/units.h"
#include "probes/backup/anomaly_checks.h"

namespace watchdog::probes::backup {
namespace {

// "1.5", "2": a multiplier as the operator wrote it.
std::string format_factor(double factor) {
  std::ostringstream out;
  out << factor;
  return out.str();
}

// The newest backup itself: failed verification, or its data is gone or changed.
void judge_newest(const CatalogFacts& facts, std::vector<ProbeResult>& out) {
  if (facts.backups.empty()) return;
  const auto& newest = facts.backups.back();
  if (newest.verify_failed()) {
    out.push_back(unhealthy(FailureKind::BadResponse, "newest backup " + newest.name +
                                                          " failed verification: " +
                                                          newest.verification->error));
  } else if (facts.damage.size() == facts.backups.size() && facts.damage.back()) {
    const auto& problem = facts.damage.back();
    out.push_back(unhealthy(FailureKind::BadResponse, "newest backup " + newest.name + ": " +
                                                          *problem));
  }
}

void judge_good(const CatalogFacts& facts, const JudgeSettings& settings,
                const BackupMetadata* good, std::vector<ProbeResult>& out) {
  if (good == nullptr) {
    out.push_back(unhealthy(FailureKind::NotFound, "no verified backup of " + facts.target +
                                                       " in " + facts.directory));
    return;
  }
  const auto age = age_at(facts.now, good->finished);
  if (age > settings.rpo) {
    out.push_back(unhealthy(FailureKind::Threshold,
                            "newest verified backup " + good->name + " is " +
                                config::format_duration(age) + " old (RPO " +
                                config::format_duration(settings.rpo) + ")"));
  }
  if (good->size_bytes < settings.min_size) {
    out.push_back(unhealthy(FailureKind::Threshold,
                            "newest verified backup " + good->name + " is " +
                                config::format_size(good->size_bytes) + " (minimum " +
                                config::format_size(settings.min_size) + ")"));
  }
}

void judge_drills(const CatalogFacts& facts, const JudgeSettings& settings,
                  std::vector<ProbeResult>& out) {
  const auto& status = facts.status;
  if (const auto& drill = status.last_drill;
      drill && !drill->ok &&
      (!status.last_drill_success || drill->at >= *status.last_drill_success)) {
    out.push_back(unhealthy(FailureKind::BadResponse, "last restore drill failed at " +
                                                          config::format_rfc3339(drill->at) +
                                                          ": " + drill->detail));
  }
  if (!settings.drill_max_age) return;
  if (!status.last_drill_success) {
    out.push_back(unhealthy(FailureKind::Threshold, "no successful restore drill recorded"));
    return;
  }
  const auto drill_age = age_at(facts.now, *status.last_drill_success);
  if (drill_age > *settings.drill_max_age) {
    out.push_back(unhealthy(FailureKind::Threshold,
                            "last successful restore drill was " +
                                config::format_duration(drill_age) + " ago (maximum " +
                                config::format_duration(*settings.drill_max_age) + ")"));
  }
}

}  // namespace

std::chrono::seconds age_at(SystemTime now, SystemTime t) {
  return std::max(std::chrono::seconds(0),
                  std::chrono::duration_cast<std::chrono::seconds>(now - t));
}

std::uint64_t stored_bytes(const std::vector<BackupMetadata>& backups) {
  std::uint64_t total = 0;
  for (const auto& b : backups) total += b.size_bytes;
  return total;
}

HistoryVerdict judge_catalog(const std::vector<BackupMetadata>& backups,
                             const AnomalySettings& settings) {
  std::vector<BackupSample> samples;
  for (const auto& b : backups) {
    BackupSample sample{b.name, b.size_bytes, std::nullopt};
    if (b.finished >= b.started) {
      sample.duration_seconds = std::chrono::duration<double>(b.finished - b.started).count();
    }
    samples.push_back(std::move(sample));
  }
  return judge_history(samples, settings);
}

CatalogVerdict judge_backups(const CatalogFacts& facts, const JudgeSettings& settings) {
  CatalogVerdict verdict;
  auto& out = verdict.findings;
  if (!facts.list_error.empty()) {
    out.push_back(unhealthy(FailureKind::NotFound, facts.list_error));
    verdict.result = out.front();
    return verdict;
  }
  for (std::size_t i = 0; i < facts.backups.size(); ++i) {
    const auto& b = facts.backups[i];
    if (b.verified() && !(i < facts.damage.size() && facts.damage[i])) {
      ++verdict.good;
      verdict.newest_good = &b;
      if (verdict.oldest_good == nullptr) verdict.oldest_good = &b;
    }
  }
  verdict.history = judge_catalog(facts.backups, settings.anomaly);
  const auto* good = verdict.newest_good;
  judge_newest(facts, out);
  if (const auto& attempt = facts.last_attempt;
      attempt && !attempt->ok && (!good || attempt->at >= good->started)) {
    out.push_back(unhealthy(FailureKind::Error, "backup of " + facts.target + " failed at " +
                                                    config::format_rfc3339(attempt->at) + ": " +
                                                    attempt->error));
  }
  judge_good(facts, settings, good, out);
  judge_drills(facts, settings, out);
  if (const auto needed = static_cast<std::uint64_t>(
          settings.headroom * static_cast<double>(
                                  facts.backups.empty() ? 0 : facts.backups.back().size_bytes));
      facts.volume && facts.volume->free_bytes < needed) {
    out.push_back(degraded(FailureKind::Threshold,
                           "backups volume has " + config::format_size(facts.volume->free_bytes) +
                               " free, next dump needs ~" + config::format_size(needed) + " (" +
                               format_factor(settings.headroom) + " × last)"));
  }
  std::string summary;
  if (good != nullptr) {
    summary = "newest verified backup " + good->name + " is " +
              config::format_duration(age_at(facts.now, good->finished)) + " old, " +
              config::format_size(good->size_bytes) + " (" + std::to_string(verdict.good) +
              " good)";
    if (verdict.good < settings.min_redundancy) {
      out.push_back(degraded(FailureKind::Threshold,
                             summary + ", fewer than min_redundancy " +
                                 std::to_string(settings.min_redundancy)));
    }
  }
  if (auto anomaly = anomaly_result(verdict.history, facts.lateness)) out.push_back(*anomaly);
  verdict.result = out.empty() ? healthy(summary) : out.front();
  return verdict;
}

}  // namespace watchdog::probes::backup
