#pragma once
// kind: command — any program whose stdout is the dump (`mongodump --archive --gzip`,
// `redis-cli --rdb -`, `etcdctl snapshot save /dev/stdout`) (backup_driver.h).
// Keys: `command` (argv, no shell), `restore_command`, `check_command` (argvs; both read the
// dump on stdin), `extension` (the data file's, default "dump"), `env` and `inherit_env` (the
// commands' environment: `env` on PATH, HOME, LANG, TZ, LC_ALL only, unless inherit_env: true).
//  dump     `command` streamed and hashed into NAME.EXTENSION; format "stream". A non-zero exit,
//           a signal, the timeout or an empty output fails the backup; the error names the
//           program (argv[0]'s file name only: the arguments may carry secrets), its exit code
//           and its first stderr line (URI user info `scheme://user:pass@` shown as `***@`).
//  restore  `restore_command` with the backup on stdin and in its environment
//           WATCHDOG_BACKUP_FILE (the file's path), WATCHDOG_BACKUP_NAME,
//           WATCHDOG_RESTORE_INTO (`--into` / restore_latest `into`, when given) and
//           WATCHDOG_RESTORE_REPLACE=1 (with --yes / replace: the command decides what
//           "replace" means for its store). Without `restore_command` a restore is refused.
//           With `replace`, request.before_replace is called first (the store counts as holding
//           data: restore_latest takes its safety dump, command_safety_dump.h) and may refuse.
//  drill    `check_command` with the newest good backup on stdin (its checksum verified first,
//           as for a restore): exit 0 = the dump is usable. There is no scratch place to
//           restore an arbitrary dump into, so without `check_command` the drill fails — "no
//           check_command: nothing can prove this dump restores" — rather than pass unproven.

#include "actions/backup/backup_driver.h"
#include "probes/clients/process_runner.h"

namespace watchdog::actions {

class CommandDriver final : public BackupDriver {
 public:
  explicit CommandDriver(const config::BackupTargetSpec& target) : target_(target) {}

  std::string format() const override { return "stream"; }
  std::string file_name(const std::string& name) const override {
    return name + "." + target_.command.extension;
  }
  DumpResult dump(const DumpJob& job, probes::backup::BackupMetadata& meta) override;
  void restore(const probes::backup::BackupMetadata& backup, const RestoreRequest& request,
               std::chrono::steady_clock::time_point deadline, RestoreOutcome& outcome) override;
  DrillOutcome drill(std::chrono::milliseconds timeout) override;
  std::string restore_tool() const override;

 private:
  const config::BackupTargetSpec& target_;
};

// A ProcessSpec with the target's environment (`env`, `inherit_env`) and nothing else set.
probes::ProcessSpec command_spec(const config::CommandDumpSpec& command);

// The program's name for error lines: the file name of argv[0] ("mongodump"), never the
// arguments.
std::string program_name(const std::vector<std::string>& argv);

// `text` with the user info of every URI replaced ("mongodb://app:pw@db/x" → "mongodb://***@db/x"):
// a dump tool's stderr often repeats its connection string, password included.
std::string without_uri_credentials(std::string text);

// Why the command `argv` failed, one safe line (pg_error on its output without URI user info).
std::string command_error(const std::vector<std::string>& argv, probes::ProcessResult run,
                          std::chrono::milliseconds timeout);

}  // namespace watchdog::actions
