#pragma once
// `backup_now`: takes a backup of a `backups:` target right away (actions/backup/backup_runner.h):
// the kind's dump streamed and hashed, renamed only on success, verified, recorded, retention
// applied. The recovery for an RPO breach reported by a `backup` probe: once the new verified
// backup is in the catalog, the probe passes and the component heals. A backup of the target
// already running (the scheduler's, the CLI's) is joined rather than failed: the action waits
// for it and is done when it wrote a good backup, and takes its own only when it did not.
//
// Keys: target (required, a name from `backups:`). The action's `timeout` bounds the wait and
// the dump. ok = a verified backup was written. Detail: "backup main_20261122T031500Z: 1.2 MiB in 3.1 s,
// verified" or "backup failed: cannot connect to main: password authentication failed …".

#include <memory>
#include <vector>

#include "actions/guarded_action.h"
#include "config/backup_target.h"
#include "config/options.h"

namespace watchdog::actions {

class BackupNowAction final : public GuardedAction {
 public:
  static std::unique_ptr<Action> create(std::string name, config::Options& options,
                                        const std::vector<config::BackupTargetSpec>& targets);
  BackupNowAction(std::string name, config::BackupTargetSpec target);
  std::string_view kind() const override { return "backup_now"; }
  std::string describe() const override;

 private:
  ActionOutcome run_once(const Incident& incident, std::chrono::milliseconds timeout) override;
  config::BackupTargetSpec target_;
};

// The named target, or a ConfigError on options' `target` key (shared by the backup actions).
const config::BackupTargetSpec& target_option(config::Options& options,
                                              const std::vector<config::BackupTargetSpec>& targets);

}  // namespace watchdog::actions
