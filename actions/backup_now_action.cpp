#include "actions/backup_now_action.h"

#include "actions/backup/backup_runner.h"

namespace watchdog::actions {

const config::BackupTargetSpec& target_option(
    config::Options& options, const std::vector<config::BackupTargetSpec>& targets) {
  const std::string name = options.required_string("target");
  const auto* target = config::find_backup_target(targets, name);
  if (target == nullptr) {
    std::string known;
    for (const auto& t : targets) known += (known.empty() ? "" : ", ") + t.name;
    options.fail("target", "unknown backup target '" + name + "' (`backups:` has " +
                               (known.empty() ? "none" : known) + ")");
  }
  return *target;
}

std::unique_ptr<Action> BackupNowAction::create(
    std::string name, config::Options& options,
    const std::vector<config::BackupTargetSpec>& targets) {
  return std::make_unique<BackupNowAction>(std::move(name), target_option(options, targets));
}

BackupNowAction::BackupNowAction(std::string name, config::BackupTargetSpec target)
    : GuardedAction(std::move(name)), target_(std::move(target)) {}

std::string BackupNowAction::describe() const {
  return std::string(config::kind_name(target_.kind)) + " backup of target " + target_.name +
         " into " + target_.directory.string() + " (joins a run already in progress)";
}

ActionOutcome BackupNowAction::run_once(const Incident&, std::chrono::milliseconds timeout) {
  const auto backup = run_backup(target_, timeout, true);
  return backup.ok ? succeeded(describe_outcome(backup)) : failed(describe_outcome(backup));
}

}  // namespace watchdog::actions
