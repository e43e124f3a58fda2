#include "watchdog/cli/backup_report.h"

#include "config/redaction.h"
#include "config/time_text.h"
#include "config/units.h"
#include "probes/backup_probe.h"

namespace watchdog::core {
namespace {

namespace bk = probes::backup;
using std::chrono::seconds;

std::string verification_text(const bk::BackupMetadata& backup) {
  if (backup.verify_failed()) return "failed";
  return backup.verified() ? "verified" : "unverified";
}

NewestBackup describe_newest(const std::vector<bk::BackupMetadata>& backups, SystemTime now) {
  const auto& newest = backups.back();
  NewestBackup out{newest.name,       newest.finished, bk::age_at(now, newest.finished),
                   newest.size_bytes, std::nullopt,    verification_text(newest),
                   newest.verify_failed() ? newest.verification->error : ""};
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

// A backup directory not created yet (no backup so far) will live on its nearest existing
// parent's volume: that free space is the one that matters.
std::filesystem::path nearest_existing(std::filesystem::path dir) {
  std::error_code error;
  while (!std::filesystem::exists(dir, error) && dir.has_parent_path() &&
         dir.parent_path() != dir) {
    dir = dir.parent_path();
  }
  return dir;
}

// The `backup` probe's rules (probes/backup/backup_judge.h), every finding: the report
// needs attention exactly when the probe is not healthy.
std::vector<std::string> problems_of(const bk::CatalogVerdict& verdict) {
  std::vector<std::string> problems;
  for (const auto& finding : verdict.findings) problems.push_back(finding.detail);
  return problems;
}

// Error texts come from the tools and files of the catalog (a dump's stderr, a status file, a
// drill's detail): the report goes to chat and JSON, so every configured secret is scrubbed
// here, once, like any text that reaches an operator (config/redaction.h).
void redact_texts(TargetReport& report) {
  for (auto& problem : report.problems) config::redact_in_place(problem);
  config::redact_in_place(report.failed_attempt_error);
  if (report.newest) config::redact_in_place(report.newest->verification_error);
  if (report.last_drill) config::redact_in_place(report.last_drill->detail);
}

}  // namespace

TargetFacts collect_facts(const config::BackupTargetSpec& target,
                          const bk::JudgeSettings& settings) {
  TargetFacts facts;
  facts.target = target.name;
  facts.directory = target.directory.string();
  facts.settings = settings;
  facts.backups = bk::list_backups(target.directory, target.name, facts.list_error);
  for (const auto& backup : facts.backups) {
    facts.damage.push_back(bk::quick_check(target.directory, backup));
  }
  facts.status = bk::read_status(target.directory, target.name);
  const auto fallback = bk::read_fallback_status(target.status_fallback_directory, target.name);
  facts.newest_attempt = bk::newest_attempt(facts.status, fallback);
  facts.last_failed_attempt = bk::last_failed_attempt(facts.status, fallback);
  facts.volume = bk::volume_use(nearest_existing(target.directory));
  return facts;
}

TargetReport judge_target(const TargetFacts& facts, seconds period, SystemTime now) {
  TargetReport report;
  report.target = facts.target;
  report.judged_at = now;
  report.rpo = std::chrono::duration_cast<seconds>(facts.settings.rpo);
  const bk::CatalogFacts catalog{facts.target, facts.directory,     facts.backups,
                                 facts.list_error, facts.damage,   facts.status,
                                 facts.newest_attempt, facts.volume, std::nullopt, now};
  const auto verdict = bk::judge_backups(catalog, facts.settings);
  if (!facts.backups.empty()) report.newest = describe_newest(facts.backups, now);
  report.within_rpo = verdict.newest_good != nullptr &&
                      now - verdict.newest_good->finished <= facts.settings.rpo;
  report.last_drill = facts.status.last_drill;
  report.stored_bytes = bk::stored_bytes(facts.backups);
  if (facts.volume) report.free_bytes = facts.volume->free_bytes;
  count_period(facts, now - period, report);
  report.problems = problems_of(verdict);
  redact_texts(report);
  return report;
}

std::map<std::string, bk::JudgeSettings> judge_settings_of(const config::Config& config) {
  std::map<std::string, bk::JudgeSettings> settings;
  for (const auto& component : config.components) {
    for (const auto& probe : component.probes) {
      if (probe.kind != "backup") continue;
      auto options = probe.options;
      const auto name = options.string("target");
      const auto* target = name ? config::find_backup_target(config.backups, *name) : nullptr;
      if (target != nullptr && !settings.contains(target->name)) {
        settings.emplace(target->name, probes::BackupProbe::judge_settings(options, *target));
      }
    }
  }
  for (const auto& target : config.backups) {
    settings.try_emplace(target.name, probes::BackupProbe::judge_settings(target));
  }
  return settings;
}

BackupReport build_report(const std::vector<config::BackupTargetSpec>& targets,
                          const std::map<std::string, bk::JudgeSettings>& settings, seconds period,
                          SystemTime now) {
  BackupReport report;
  report.generated = now;
  report.period = period;
  for (const auto& target : targets) {
    const auto found = settings.find(target.name);
    const auto judge = found != settings.end() ? found->second
                                               : probes::BackupProbe::judge_settings(target);
    report.targets.push_back(judge_target(collect_facts(target, judge), period, now));
  }
  return report;
}

std::vector<std::string> report_sinks(
    const config::BackupReportSpec& spec,
    const std::vector<std::shared_ptr<alerts::Provider>>& alerts) {
  if (!spec.alerts.empty()) return spec.alerts;
  std::vector<std::string> sinks;
  for (const auto& provider : alerts) {
    if (config::alert_kind_gets_reports_by_default(provider->kind())) sinks.push_back(provider->name());
  }
  return sinks;
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
