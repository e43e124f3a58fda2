#include "actions/backup/command_driver.h"

#include <algorithm>
#include <filesystem>

#include "actions/backup/backup_runner.h"
#include "probes/clients/process_runner.h"

namespace watchdog::actions {
namespace {

namespace bk = probes::backup;
using Clock = std::chrono::steady_clock;

std::chrono::milliseconds left_until(Clock::time_point deadline) {
  return std::max(std::chrono::milliseconds(1),
                  std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
}

bool succeeded(const probes::ProcessResult& run) {
  return run.started && !run.timed_out && !run.aborted && run.signal == 0 && run.exit_code == 0;
}

}  // namespace

std::string program_name(const std::vector<std::string>& argv) {
  return argv.empty() ? "" : std::filesystem::path(argv.front()).filename().string();
}

std::string without_uri_credentials(std::string text) {
  for (std::size_t at = text.find("://"); at != std::string::npos; at = text.find("://", at)) {
    at += 3;
    std::size_t end = text.find_first_of("/?# \t\r\n\"'", at);
    if (end == std::string::npos) end = text.size();
    const std::size_t user_end = text.substr(at, end - at).rfind('@');
    if (user_end != std::string::npos) text.replace(at, user_end, "***");
  }
  return text;
}

std::string command_error(const std::vector<std::string>& argv, probes::ProcessResult run,
                          std::chrono::milliseconds timeout) {
  run.output_tail = without_uri_credentials(std::move(run.output_tail));
  return pg_error(program_name(argv), run, timeout);
}

probes::ProcessSpec command_spec(const config::CommandDumpSpec& command) {
  probes::ProcessSpec spec;
  spec.env = command.env;
  spec.inherit_env = command.inherit_env;
  return spec;
}

std::string CommandDriver::restore_tool() const {
  return target_.command.restore_command.empty() ? "nothing (no restore_command)"
                                                 : program_name(target_.command.restore_command);
}

DumpResult CommandDriver::dump(const DumpJob& job, bk::BackupMetadata& meta) {
  DumpResult result;
  probes::ProcessSpec spec = command_spec(target_.command);
  spec.argv = target_.command.command;
  spec.timeout = left_until(job.deadline);
  spec.tail_bytes = 2048;
  auto streamed = stream_dump(spec, job.partial);
  result.created = streamed.created;
  result.write_errno = streamed.write_errno;
  if (!streamed.created || streamed.write_errno != 0) return result;
  const std::string program = program_name(spec.argv);
  if (!succeeded(streamed.run)) {
    result.error = command_error(spec.argv, streamed.run, job.timeout);
  } else if (streamed.size_bytes == 0) {  // whatever min_size says: nothing is not a backup
    result.error = program + " exited 0 but wrote nothing to stdout";
  }
  meta.size_bytes = streamed.size_bytes;
  meta.sha256 = streamed.sha256;
  return result;
}

void CommandDriver::restore(const bk::BackupMetadata& backup, const RestoreRequest& request,
                            Clock::time_point deadline, RestoreOutcome& outcome) {
  const auto& argv = target_.command.restore_command;
  if (argv.empty()) {
    outcome.refused = true;
    outcome.error =
        "target " + target_.name + " has no restore_command: restore " + backup.file + " by hand";
    return;
  }
  if (request.replace && request.before_replace) {
    // The store cannot be asked what it holds: assume data, so restore_latest copies it first.
    Destination destination;
    destination.state = Destination::State::HoldsData;
    destination.database = request.into_name.empty() ? target_.name : request.into_name;
    destination.deadline = deadline;
    if (std::string refusal = request.before_replace(destination); !refusal.empty()) {
      outcome.refused = true;
      outcome.error = std::move(refusal);
      return;
    }
  }
  probes::ProcessSpec spec = command_spec(target_.command);
  spec.argv = argv;
  spec.stdin_file = target_.directory / backup.file;
  spec.env["WATCHDOG_BACKUP_FILE"] = spec.stdin_file.string();
  spec.env["WATCHDOG_BACKUP_NAME"] = backup.name;
  if (!request.into_name.empty()) spec.env["WATCHDOG_RESTORE_INTO"] = request.into_name;
  if (request.replace) spec.env["WATCHDOG_RESTORE_REPLACE"] = "1";
  spec.timeout = left_until(deadline);
  spec.tail_bytes = 2048;
  const auto run = probes::run_process(spec);
  if (!succeeded(run)) {
    outcome.error = command_error(argv, run, spec.timeout);
    return;
  }
  outcome.detail = program_name(argv) + " exit 0";
}

DrillOutcome CommandDriver::drill(std::chrono::milliseconds timeout) {
  DrillOutcome outcome;
  if (target_.command.check_command.empty()) {
    outcome.detail = "no check_command: nothing can prove this dump restores";
    return outcome;
  }
  // A drill is a restore (pick the newest good backup, verify its checksum) whose restore
  // command is the check: it reads the dump on stdin and says whether it is usable.
  config::BackupTargetSpec checking = target_;
  checking.command.restore_command = target_.command.check_command;
  RestoreRequest request;
  request.timeout = timeout;
  const auto checked = restore_backup(checking, request);
  outcome.backup = checked.backup;
  outcome.ok = checked.ok;
  outcome.detail = (checked.backup.empty() ? "" : checked.backup + ": ") +
                   (checked.ok ? program_name(target_.command.check_command) + " passed in " +
                                     probes::human_duration(checked.elapsed)
                               : checked.error);
  return outcome;
}

}  // namespace watchdog::actions
