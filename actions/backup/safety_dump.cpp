#include "actions/backup/safety_dump.h"

#include <filesystem>

#include "actions/backup/backup_driver.h"
#include "actions/backup/backup_runner.h"
#include "actions/backup/mysql_driver.h"
#include "config/time_text.h"
#include "config/units.h"
#include "probes/clients/process_runner.h"

namespace watchdog::actions {
namespace {

namespace fs = std::filesystem;
namespace bk = probes::backup;
using Clock = std::chrono::steady_clock;

std::chrono::milliseconds time_left(Clock::time_point deadline) {
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
}

// Not ".main_…partial": a backup of the target that starts meanwhile removes those.
fs::path partial_path(const fs::path& directory, const std::string& file) {
  return directory / (".safety-" + file + ".partial");
}

void remove_leftovers(const fs::path& directory, const std::string& target) {
  std::error_code ec;
  const std::string prefix = ".safety-" + target + "_safety_";
  for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string file = it->path().filename().string();
    if (file.starts_with(prefix) && file.ends_with(".partial")) {
      std::error_code ignored;
      fs::remove(it->path(), ignored);
    }
  }
}

// Keeps the newest `keep` safety dumps of the target; returns the names deleted.
std::vector<std::string> prune(const config::BackupTargetSpec& target) {
  std::vector<std::string> removed;
  auto dumps = bk::list_safety_dumps(target.directory, target.name);
  const std::size_t keep = static_cast<std::size_t>(std::max(1, target.safety_keep));
  for (std::size_t i = 0; i + keep < dumps.size(); ++i) {
    std::error_code ec;
    fs::remove(target.directory / (dumps[i].name + ".json"), ec);
    if (!ec) fs::remove_all(target.directory / dumps[i].file, ec);
    if (!ec) removed.push_back(dumps[i].name);
  }
  std::string ignored;
  if (!removed.empty()) bk::fsync_directory(target.directory, ignored);
  return removed;
}

// mariadb-dump of the destination database into `partial`; "" when it worked, else why not.
std::string dump_mysql(const config::BackupTargetSpec& target, const Destination& destination,
                       const fs::path& partial, bk::BackupMetadata& meta) {
  const auto result =
      dump_mysql_database(target, destination.database, partial, destination.deadline, meta);
  std::error_code ec;
  if (!result.error.empty()) fs::remove(partial, ec);
  return result.error;
}

// One pg_dump -Fc run into `partial` (mysql: mariadb-dump); "" when it worked, else why not.
std::string dump_once(const config::BackupTargetSpec& target, const Destination& destination,
                      const fs::path& partial, bool salvage, bk::BackupMetadata& meta) {
  std::error_code ec;
  fs::remove(partial, ec);
  const auto timeout = time_left(destination.deadline);
  if (timeout <= std::chrono::milliseconds(0)) return "no time left before the action's timeout";
  if (target.kind == config::BackupKind::Mysql)
    return dump_mysql(target, destination, partial, meta);
  probes::ProcessSpec spec;
  spec.argv = {target.pg_dump, "--no-password", "--format=custom",
               "--dbname=" + destination.connection.conninfo()};
  spec.env = destination.connection.child_env();
  if (salvage) spec.env["PGOPTIONS"] = "-c zero_damaged_pages=on";
  spec.timeout = timeout;
  spec.tail_bytes = 2048;
  auto streamed = stream_dump(spec, partial);
  if (!streamed.created) return streamed.error;
  const auto& run = streamed.run;
  std::string error = streamed.error;
  if (error.empty() &&
      (!run.started || run.timed_out || run.aborted || run.signal != 0 || run.exit_code != 0)) {
    error = pg_error("pg_dump", run, timeout);
  }
  if (!error.empty()) {
    fs::remove(partial, ec);
    return error;
  }
  meta.size_bytes = streamed.size_bytes;
  meta.sha256 = streamed.sha256;
  return "";
}

void dump(const config::BackupTargetSpec& target, const Destination& destination,
          const bk::SafetyInfo& why, SafetyDumpOutcome& outcome) {
  const auto start = Clock::now();
  const fs::path& dir = target.directory;
  std::error_code ec;
  fs::create_directories(dir, ec);
  remove_leftovers(dir, target.name);

  bk::BackupMetadata meta;
  meta.target = target.name;
  // postgres: always -Fc (a `directory` target's safety dump too); other kinds: their own format.
  const bool postgres = target.kind == config::BackupKind::Postgres;
  const auto driver = backup_driver(target);
  meta.format = postgres ? "custom" : driver->format();
  meta.database = destination.database;
  meta.owner = destination.owner;
  meta.watchdog_version = WATCHDOG_VERSION;
  meta.safety = why;
  meta.started = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  while (true) {  // unique per second, like backups
    meta.name = bk::safety_dump_name(target.name, meta.started);
    meta.file = postgres ? bk::backup_file(meta.name, meta.format) : driver->file_name(meta.name);
    if (!fs::exists(dir / meta.file, ec) && !fs::exists(dir / (meta.name + ".json"), ec)) break;
    meta.started += std::chrono::seconds(1);
  }
  const fs::path partial = partial_path(dir, meta.file);
  std::string error = dump_once(target, destination, partial, false, meta);
  if (!error.empty() && postgres &&
      time_left(destination.deadline) > std::chrono::milliseconds(0) &&
      error.find("killed") == std::string::npos) {
    // A damaged page stops a plain pg_dump; zero_damaged_pages reads it as empty instead.
    const std::string salvage_error = dump_once(target, destination, partial, true, meta);
    if (salvage_error.empty()) {
      meta.safety->salvaged = true;
      error.clear();
    } else {
      error += "; with zero_damaged_pages: " + salvage_error;
    }
  }
  if (error.empty()) {
    fs::rename(partial, dir / meta.file, ec);
    if (ec) error = "cannot rename " + partial.filename().string() + ": " + ec.message();
  }
  if (error.empty()) error = seal_safety_dump(target, meta);
  if (!error.empty()) {
    fs::remove(partial, ec);
    fs::remove(dir / meta.file, ec);
    outcome.detail = "no safety dump of database " + destination.database + ": " + error;
    return;
  }
  outcome.taken = true;
  outcome.detail = "safety dump " + meta.file + " (" + config::format_size(meta.size_bytes) + ", " +
                   config::human_duration(Clock::now() - start) + ")";
  if (meta.safety->salvaged) {
    outcome.detail += ", salvaged with zero_damaged_pages: rows on damaged pages are lost";
  }
  outcome.metadata = std::move(meta);
  outcome.removed = prune(target);
}

}  // namespace

std::string seal_safety_dump(const config::BackupTargetSpec& target, bk::BackupMetadata& meta) {
  const fs::path& dir = target.directory;
  std::string error;
  if (!bk::fsync_directory(dir, error)) return error;
  meta.finished = std::chrono::system_clock::now();
  if (target.verify_after_backup) {
    meta.verification = bk::verify_backup(dir, meta);
    if (!meta.verification->ok) error = "verification failed: " + meta.verification->error;
  }
  if (error.empty()) bk::write_metadata(dir, meta, error);
  std::error_code ec;
  if (!error.empty()) fs::remove(dir / meta.file, ec);
  return error;
}

SafetyDumpOutcome take_safety_dump(const config::BackupTargetSpec& target,
                                   const Destination& destination, const bk::SafetyInfo& why) {
  SafetyDumpOutcome outcome;
  using State = Destination::State;
  const std::string& db = destination.database;
  switch (destination.state) {
    case State::Missing:
      outcome.skipped = true;
      outcome.detail = "safety dump skipped: database " + db + " does not exist";
      return outcome;
    case State::Unreachable:
      // It exists but cannot be read now (too many connections, datallowconn off): it may well
      // hold good data, and without a copy it must not be dropped — the caller refuses.
      outcome.detail = "no safety dump possible: database " + db + " exists but does not answer (" +
                       probes::first_line(destination.why, 120) + ")";
      return outcome;
    case State::Empty:
      outcome.skipped = true;
      outcome.detail = "safety dump skipped: database " + db + " holds no tables";
      return outcome;
    case State::HoldsData:
      break;
  }
  try {
    dump(target, destination, why, outcome);
  } catch (const std::exception& e) {
    outcome.taken = false;
    outcome.detail = std::string("safety dump failed unexpectedly: ") + e.what();
  }
  return outcome;
}

std::vector<std::string> prune_safety_dumps(const config::BackupTargetSpec& target) {
  return prune(target);
}

}  // namespace watchdog::actions
