#include "actions/restore_latest_action.h"

#include "actions/backup_now_action.h"
#include "actions/restore.h"
#include "probes/process_runner.h"

namespace watchdog::actions {

std::unique_ptr<Action> RestoreLatestAction::create(
    std::string name, config::Options& options,
    const std::vector<config::BackupTargetSpec>& targets) {
  const auto& target = target_option(options, targets);
  std::string error;
  std::optional<PgConnection> into;
  if (auto dsn = options.secret("into")) {
    into = parse_dsn(dsn->value, error);
    if (!into) options.fail("into", error);
  } else {
    into = connection_of(target, error);
    if (!into) options.fail("target", "target " + target.name + ": " + error);
  }
  if (into->dbname().empty()) options.fail("into", "the destination must name a database (dbname)");
  const bool replace = options.boolean_or("replace", false);
  const int jobs = static_cast<int>(options.integer_or("jobs", target.jobs, 1, 64));
  return std::make_unique<RestoreLatestAction>(std::move(name), target, std::move(*into), replace,
                                               jobs);
}

RestoreLatestAction::RestoreLatestAction(std::string name, config::BackupTargetSpec target,
                                         PgConnection into, bool replace, int jobs)
    : Action(std::move(name)),
      target_(std::move(target)),
      into_(std::move(into)),
      replace_(replace),
      jobs_(jobs) {}

std::string RestoreLatestAction::describe() const {
  return "pg_restore -j " + std::to_string(jobs_) + " of the newest verified backup of " +
         target_.name + " into database " + into_.dbname() + (replace_ ? " (replacing it)" : "");
}

ActionOutcome RestoreLatestAction::run(const Incident&,
                                       std::chrono::milliseconds timeout) noexcept {
  ActionOutcome outcome;
  try {
    RestoreRequest request;
    request.into = into_;
    request.jobs = jobs_;
    request.replace = replace_;
    request.timeout = timeout;
    const auto restored = restore_backup(target_, request);
    outcome.ok = restored.ok;
    outcome.duration = restored.elapsed;
    outcome.detail = restored.ok ? "restored " + restored.backup + " into " + into_.dbname() +
                                       " in " + probes::human_duration(restored.elapsed)
                                 : "restore failed: " + restored.error;
  } catch (...) {
    outcome.ok = false;
    outcome.detail = "restore_latest failed unexpectedly";
  }
  return outcome;
}

}  // namespace watchdog::actions
