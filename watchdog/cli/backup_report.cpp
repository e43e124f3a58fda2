#include "watchdog/cli/backup_report.h"

#include "config/time_text.h"
#include "config/units.h"
#include "probes/backup/backup_anomaly.h"

namespace watchdog::core {
namespace {

namespace bk = probes::backup;
using std::chrono::seconds;

seconds whole_seconds(SystemTime::duration d) {
  return std::max(seconds(0), std::chrono::duration_cast<seconds>(d));
}

std::string verification_text(const bk::BackupMetadata& backup) {
  if (backup.verify_failed()) return "failed: " + backup.verification->error;
  return backup.verified() ? "verified" : "unverified";
}

NewestBackup describe_newest(const std::vector<bk::BackupMetadata>& backups, SystemTime now) {
  const auto& newest = backups.back();
  NewestBackup out{newest.name,       newest.finished, whole_seconds(now - newest.finished),
                   newest.size_bytes, std::nullopt,    verification_text(newest)};
  if (backups.size() >= 2) {
    const auto previous = backups[backups.size() - 2].size_bytes;
    if (previous > 0) {
      out.change_percent =
          (static_cast<double>(newest.size_bytes) - static_cast<double>(previous)) * 100.0 /
          static_cast<double>(previous);
    }
  }
  return out;
}

// The period's figures: backups started, verifications failed, the last failed attempt.
void count_period(const TargetFacts& facts, SystemTime since, TargetReport& report) {
  for (const auto& backup : facts.backups) {
    if (backup.started >= since) ++report.backups_in_period;
    if (backup.verify_failed() && backup.verification->at >= since) {
      ++report.verify_failures_in_period;
    }
  }
  if (facts.last_failed_attempt && *facts.last_failed_attempt >= since) {
    report.failed_attempt_in_period = facts.last_failed_attempt;
    const auto& attempt = facts.newest_attempt;
    if (attempt && !attempt->ok && attempt->at == *facts.last_failed_attempt) {
      report.failed_attempt_error = attempt->error;
    }
  }
}

std::vector<bk::BackupSample> samples_of(const std::vector<bk::BackupMetadata>& backups) {
  std::vector<bk::BackupSample> samples;
  for (const auto& backup : backups) {
    samples.push_back({backup.name, backup.size_bytes, std::nullopt});  // sizes only
  }
  return samples;
}

std::vector<std::string> problems_of(const TargetFacts& facts, const TargetReport& report,
                                     SystemTime since) {
  std::vector<std::string> problems;
  if (!report.newest) {
    problems.push_back(facts.list_error.empty() ? "no backups" : "no backups: " + facts.list_error);
  } else {
    if (!report.within_rpo) {
      problems.push_back("RPO breached: newest backup is " +
                         config::coarse_duration(report.newest->age) + " old (RPO " +
                         config::coarse_duration(report.rpo) + ")");
    }
    if (facts.backups.back().verify_failed()) {
      problems.push_back("newest backup failed verification: " +
                         facts.backups.back().verification->error);
    }
  }
  // The newest one's failure is named above; the others only counted.
  int older_failures = report.verify_failures_in_period;
  if (report.newest && facts.backups.back().verify_failed() &&
      facts.backups.back().verification->at >= since) {
    --older_failures;
  }
  if (older_failures > 0) {
    problems.push_back(std::to_string(older_failures) +
                       (older_failures == 1 ? " older backup" : " older backups") +
                       " failed verification in the period");
  }
  // A newest backup much smaller than usual (the `backup` probe's default threshold).
  for (auto& anomaly : bk::judge_history(samples_of(facts.backups), {}).anomalies) {
    problems.push_back("suspicious: " + anomaly);
  }
  if (report.last_drill && !report.last_drill->ok) {
    problems.push_back("last drill failed: " + report.last_drill->detail);
  }
  if (facts.newest_attempt && !facts.newest_attempt->ok) {
    problems.push_back("last backup attempt failed: " + facts.newest_attempt->error);
  }
  return problems;
}

}  // namespace

TargetFacts collect_facts(const config::BackupTargetSpec& target) {
  TargetFacts facts;
  facts.target = target.name;
  facts.rpo = std::chrono::duration_cast<seconds>(target.rpo);
  facts.backups = bk::list_backups(target.directory, target.name, facts.list_error);
  facts.status = bk::read_status(target.directory, target.name);
  const auto fallback = bk::read_fallback_status(target.status_fallback_directory, target.name);
  facts.newest_attempt = bk::newest_attempt(facts.status, fallback);
  facts.last_failed_attempt = bk::last_failed_attempt(facts.status, fallback);
  facts.volume = bk::volume_use(target.directory);
  return facts;
}

TargetReport judge_target(const TargetFacts& facts, seconds period, SystemTime now) {
  TargetReport report;
  report.target = facts.target;
  report.judged_at = now;
  report.rpo = facts.rpo;
  if (!facts.backups.empty()) {
    report.newest = describe_newest(facts.backups, now);
    report.within_rpo = report.newest->age <= facts.rpo;
  }
  report.last_drill = facts.status.last_drill;
  for (const auto& backup : facts.backups) report.stored_bytes += backup.size_bytes;
  if (facts.volume) report.free_bytes = facts.volume->free_bytes;
  count_period(facts, now - period, report);
  report.problems = problems_of(facts, report, now - period);
  return report;
}

BackupReport build_report(const std::vector<config::BackupTargetSpec>& targets, seconds period,
                          SystemTime now) {
  BackupReport report;
  report.generated = now;
  report.period = period;
  for (const auto& target : targets) {
    report.targets.push_back(judge_target(collect_facts(target), period, now));
  }
  return report;
}

int BackupReport::needing_attention() const {
  int count = 0;
  for (const auto& target : targets) count += target.ok() ? 0 : 1;
  return count;
}

std::string BackupReport::headline() const {
  if (targets.empty()) return "no backup targets";
  const auto total =
      std::to_string(targets.size()) + (targets.size() == 1 ? " target" : " targets");
  const int attention = needing_attention();
  if (attention == 0) return total + ", all OK";
  return total + ", " + std::to_string(attention) + (attention == 1 ? " needs" : " need") +
         " attention";
}

}  // namespace watchdog::core
