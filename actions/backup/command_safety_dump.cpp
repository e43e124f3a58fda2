#include "actions/backup/command_safety_dump.h"

#include <filesystem>

#include "actions/backup/backup_runner.h"
#include "actions/backup/command_driver.h"
#include "config/time_text.h"
#include "config/units.h"
#include "probes/clients/process_runner.h"

namespace watchdog::actions {
namespace {

namespace fs = std::filesystem;
namespace bk = probes::backup;
using Clock = std::chrono::steady_clock;

// Names the dump (unique per second, like backups) and fills what is known before it runs.
bk::BackupMetadata new_metadata(const config::BackupTargetSpec& target,
                                const bk::SafetyInfo& why) {
  bk::BackupMetadata meta;
  meta.target = target.name;
  meta.format = "stream";
  meta.watchdog_version = WATCHDOG_VERSION;
  meta.safety = why;
  meta.started = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  std::error_code ec;
  while (true) {
    meta.name = bk::safety_dump_name(target.name, meta.started);
    meta.file = meta.name + "." + target.command.extension;
    if (!fs::exists(target.directory / meta.file, ec) &&
        !fs::exists(target.directory / (meta.name + ".json"), ec)) {
      return meta;
    }
    meta.started += std::chrono::seconds(1);
  }
}

// Runs `command` into the data file; "" when the dump is complete, else why not.
std::string write_dump(const config::BackupTargetSpec& target, Clock::time_point deadline,
                       bk::BackupMetadata& meta) {
  const fs::path& dir = target.directory;
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  if (left <= std::chrono::milliseconds(0)) return "no time left before the action's timeout";
  const fs::path partial = dir / (".safety-" + meta.file + ".partial");
  probes::ProcessSpec spec = command_spec(target.command);
  spec.argv = target.command.command;
  spec.timeout = left;
  spec.tail_bytes = 2048;
  const auto streamed = stream_dump(spec, partial);
  std::string error = streamed.error;
  const auto& run = streamed.run;
  if (streamed.created && error.empty() &&
      (!run.started || run.timed_out || run.aborted || run.signal != 0 || run.exit_code != 0)) {
    error = command_error(spec.argv, run, left);
  }
  if (streamed.created && error.empty() && streamed.size_bytes == 0) {
    error = program_name(spec.argv) + " exited 0 but wrote nothing to stdout";
  }
  if (!streamed.created && error.empty()) error = "cannot create " + partial.filename().string();
  std::error_code ec;
  if (error.empty()) {
    fs::rename(partial, dir / meta.file, ec);
    if (ec) error = "cannot rename " + partial.filename().string() + ": " + ec.message();
  }
  if (!error.empty()) fs::remove(partial, ec);
  meta.size_bytes = streamed.size_bytes;
  meta.sha256 = streamed.sha256;
  return error;
}

}  // namespace

SafetyDumpOutcome take_command_safety_dump(const config::BackupTargetSpec& target,
                                           const Destination& destination,
                                           const bk::SafetyInfo& why) {
  SafetyDumpOutcome outcome;
  try {
    const auto start = Clock::now();
    const fs::path& dir = target.directory;
    std::error_code ec;
    fs::create_directories(dir, ec);
    auto meta = new_metadata(target, why);
    std::string error = write_dump(target, destination.deadline, meta);
    if (error.empty()) error = seal_safety_dump(target, meta);
    if (!error.empty()) {
      fs::remove(dir / meta.file, ec);
      outcome.detail = "no safety dump of " + destination.database + ": " + error;
      return outcome;
    }
    outcome.taken = true;
    outcome.detail = "safety dump " + meta.file + " (" + config::format_size(meta.size_bytes) +
                     ", " + config::human_duration(Clock::now() - start) + ")";
    outcome.metadata = std::move(meta);
    outcome.removed = prune_safety_dumps(target);
  } catch (const std::exception& e) {
    outcome.taken = false;
    outcome.detail = std::string("safety dump failed unexpectedly: ") + e.what();
  }
  return outcome;
}

}  // namespace watchdog::actions
