#pragma once
// `restore_latest`: the database is gone or damaged → restore the newest backup of a `backups:`
// target that passes a fresh checksum verification (actions/backup/restore.h), then let the
// component's probes verify the result (the engine does that after every action).
//
// Keys: target (required), into (postgres: secret DSN or into_file, default the target's own
// connection; mysql: a database name, files: a directory, command: a value for
// restore_command's $WATCHDOG_RESTORE_INTO — default the target's own), replace (default false: a destination that still holds tables is left alone and
// the action fails; true: it is dropped WITH (FORCE) and recreated), jobs (pg_restore -j;
// default: the target's), safety_dump (default true). The action's `timeout` bounds
// verification, the safety dump and pg_restore together.
//
// Before `replace` drops a database that exists and answers, a safety dump of it is written
// into the target's directory (actions/backup/safety_dump.h). When no copy can be made at all (not
// even a salvaging one), the restore is refused and the database left untouched — unless
// `safety_dump: false`, which turns the safety dump off altogether. A missing or unreachable
// database has nothing to save: the dump is skipped and the detail says so.
// Detail: "safety dump main_safety_20261205T101500Z.dump (1.2 MiB, 0.4 s); restored
// main_20261122T031500Z into app in 4.2 s" or the reason it did not.

#include <memory>
#include <vector>

#include "actions/guarded_action.h"
#include "config/backup_target.h"
#include "config/options.h"
#include "probes/clients/pg_connection.h"

namespace watchdog::actions {

class RestoreLatestAction final : public GuardedAction {
 public:
  static std::unique_ptr<Action> create(std::string name, config::Options& options,
                                        const std::vector<config::BackupTargetSpec>& targets);
  RestoreLatestAction(std::string name, config::BackupTargetSpec target, PgConnection into,
                      bool replace, int jobs, bool safety_dump = true);
  std::string_view kind() const override { return "restore_latest"; }
  std::string describe() const override;
  // With `replace` it drops what is there: only for a missing or damaged database.
  bool destructive() const override { return replace_; }
  std::vector<probes::FailureKind> default_when() const override {
    return {probes::FailureKind::NotFound, probes::FailureKind::Corrupt};
  }

 private:
  ActionOutcome run_once(const Incident& incident, std::chrono::milliseconds timeout) override;
  std::string destination() const;  // "database app", "/srv/models"
  config::BackupTargetSpec target_;
  PgConnection into_;         // postgres
  std::string into_name_;     // the other kinds (restore.h: RestoreRequest::into_name)
  bool replace_;
  int jobs_;
  bool safety_dump_;
};

}  // namespace watchdog::actions
