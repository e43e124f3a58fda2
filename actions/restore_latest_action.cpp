#include "actions/restore_latest_action.h"

#include "actions/backup/backup_driver.h"
#include "actions/backup/command_safety_dump.h"
#include "actions/backup/restore.h"
#include "actions/backup/safety_dump.h"
#include "actions/backup_now_action.h"
#include "config/time_text.h"
#include "probes/clients/process_runner.h"

namespace watchdog::actions {

namespace bk = probes::backup;

std::unique_ptr<Action> RestoreLatestAction::create(
    std::string name, config::Options& options,
    const std::vector<config::BackupTargetSpec>& targets) {
  const auto& target = target_option(options, targets);
  const bool replace_existing = options.boolean_or("replace", false);
  const int restore_jobs = static_cast<int>(options.integer_or("jobs", target.jobs, 1, 64));
  const bool take_safety_dump = options.boolean_or("safety_dump", true);
  if (target.kind != config::BackupKind::Postgres) {
    // The other kinds name their destination plainly (restore.h: RestoreRequest::into_name).
    auto action = std::make_unique<RestoreLatestAction>(
        std::move(name), target, PgConnection{}, replace_existing, restore_jobs, take_safety_dump);
    action->into_name_ = options.string_or("into", "");
    return action;
  }
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
  return std::make_unique<RestoreLatestAction>(std::move(name), target, std::move(*into),
                                               replace_existing, restore_jobs, take_safety_dump);
}

RestoreLatestAction::RestoreLatestAction(std::string name, config::BackupTargetSpec target,
                                         PgConnection into, bool replace, int jobs,
                                         bool safety_dump)
    : GuardedAction(std::move(name)),
      target_(std::move(target)),
      into_(std::move(into)),
      replace_(replace),
      jobs_(jobs),
      safety_dump_(safety_dump) {}

std::string RestoreLatestAction::destination() const {
  if (target_.kind == config::BackupKind::Postgres) return "database " + into_.dbname();
  if (target_.kind == config::BackupKind::Mysql) {
    return "database " + (into_name_.empty() ? target_.dbname : into_name_);
  }
  return into_name_.empty() ? "its own place" : into_name_;
}

std::string RestoreLatestAction::describe() const {
  auto target = target_;
  target.jobs = jobs_;
  std::string replacing;
  if (replace_ && target_.kind == config::BackupKind::Files) {
    // The files driver never deletes: the old tree is moved aside, that is its safety copy.
    replacing = " (replacing it, the old tree kept as DIR.before-restore-TIME)";
  } else if (replace_) {
    replacing = safety_dump_ ? " (replacing it after a safety dump)"
                             : " (replacing it, no safety dump)";
  }
  return backup_driver(target)->restore_tool() + " of the newest verified backup of " +
         target_.name + " into " + destination() + replacing;
}

ActionOutcome RestoreLatestAction::run_once(const Incident& incident,
                                            std::chrono::milliseconds timeout) {
  ActionOutcome outcome;
  std::string safety;  // what the safety dump did, first in the detail
  RestoreRequest request;
  request.into = into_;
  request.into_name = into_name_;
  request.jobs = jobs_;
  request.replace = replace_;
  request.timeout = timeout;
  if (replace_ && safety_dump_ && target_.kind != config::BackupKind::Files) {
    request.before_replace = [&](const Destination& destination) -> std::string {
      const auto started = std::chrono::steady_clock::now();
      const bool command = target_.kind == config::BackupKind::Command;
      const bk::SafetyInfo why{incident.id, incident.reason};
      const auto dump = command ? take_command_safety_dump(target_, destination, why)
                                : take_safety_dump(target_, destination, why);
      const std::string what = (command ? "" : "database ") + destination.database;
      safety = dump.detail;
      if (!dump.taken && !dump.skipped) {
        return "refusing to replace " + what + " without a safety copy (" + dump.detail + ")";
      }
      // A restore takes at least as long as the dump of the same data: with less time left
      // than the dump took, the drop would be followed by a pg_restore killed half-way.
      const auto now = std::chrono::steady_clock::now();
      if (dump.taken && destination.deadline - now < now - started) {
        return "refusing to replace " + what + ": the safety dump used most of the timeout (" +
               config::human_duration(destination.deadline - now) +
               " left), so the restore would not finish; raise the action's timeout";
      }
      return "";
    };
  }
  const auto restored = restore_backup(target_, request);
  outcome.ok = restored.ok;
  if (restored.ok) {
    outcome.detail = (safety.empty() ? "" : safety + "; ") + "restored " + restored.backup +
                     " into " + destination() +
                     (restored.owner.empty() ? "" : " as " + restored.owner) + " in " +
                     config::human_duration(restored.elapsed) +
                     (restored.note.empty() ? "" : " (" + restored.note + ")");
  } else {
    outcome.detail = "restore failed: " + restored.error +
                     (safety.empty() || restored.refused ? "" : " (" + safety + ")");
  }
  return outcome;
}

}  // namespace watchdog::actions
