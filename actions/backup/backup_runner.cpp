#include "actions/backup/backup_runner.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <thread>

#include "actions/backup/backup_driver.h"
#include "actions/backup/retention.h"
#include "config/text.h"
#include "config/time_text.h"
#include "config/units.h"
#include "probes/backup/backup_attempts.h"
#include "probes/backup/backup_schedule.h"
#include "probes/clients/process_runner.h"

namespace watchdog::actions {
namespace {

namespace fs = std::filesystem;
namespace bk = probes::backup;
using Clock = std::chrono::steady_clock;

void remove_partials(const fs::path& directory, const std::string& target) {
  std::error_code ec;
  const std::string prefix = "." + target + "_";
  for (fs::directory_iterator it(directory, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string file = it->path().filename().string();
    if (file.starts_with(prefix) && file.ends_with(".partial")) {
      std::error_code ignored;
      fs::remove_all(it->path(), ignored);
    }
  }
}

// Beside the backups, or under the state directory when the volume refuses the write
// (probes/backup/backup_attempts.h).
bool record_attempt(const config::BackupTargetSpec& target, bool ok, const std::string& backup,
                    const std::string& error) {
  std::string ignored;
  const bk::Attempt attempt{std::chrono::system_clock::now(), ok, backup, error};
  return bk::record_attempt(target.directory, target.status_fallback_directory, target.name,
                            attempt, ignored) != bk::RecordedIn::Nowhere;
}

// " (/backups 100 % used)", measured while the failed output still occupies the volume; "" when
// statvfs fails.
std::string volume_note(const fs::path& directory) {
  const std::string use = bk::describe_volume_use(directory);
  return use.empty() ? "" : " (" + use + ")";
}

// The error of our own write of `file`: "no space left on device (/backups 100 % used) writing
// main_….dump" when the volume refused it, "cannot write FILE: …" otherwise.
std::string write_error(const fs::path& directory, const std::string& file, int error) {
  if (!bk::volume_refuses_writes(error)) {
    return "cannot write " + file + ": " + config::errno_text(error);
  }
  return bk::errno_message(error) + volume_note(directory) + " writing " + file;
}

// pg_dump's or the catalog's own error line, with the volume's use when it ran out of space.
std::string with_volume_use(const std::string& error, const fs::path& directory) {
  for (int full : {ENOSPC, EDQUOT}) {
    if (error.find(config::errno_text(full)) != std::string::npos)
      return error + volume_note(directory);
  }
  return error;
}

// Everything from "lock taken" to "metadata written"; fills outcome.error on failure.
void backup(const config::BackupTargetSpec& target, std::chrono::milliseconds timeout,
            BackupOutcome& outcome) {
  const auto deadline = Clock::now() + timeout;
  const fs::path& dir = target.directory;
  std::string error;
  const auto driver = backup_driver(target);
  bk::BackupMetadata meta;
  meta.target = target.name;
  meta.format = driver->format();
  meta.watchdog_version = WATCHDOG_VERSION;
  meta.started = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  while (true) {  // names are unique per second; a second backup in the same second waits its turn
    meta.name = bk::backup_name(target.name, meta.started);
    meta.file = driver->file_name(meta.name);
    std::error_code ec;
    if (!fs::exists(dir / meta.file, ec) && !fs::exists(dir / (meta.name + ".json"), ec)) break;
    meta.started += std::chrono::seconds(1);
  }
  const fs::path partial = dir / ("." + meta.file + ".partial");
  const auto dumped = driver->dump({target, partial, deadline, timeout}, meta);
  if (dumped.write_errno != 0) {
    outcome.error = write_error(dir, meta.file, dumped.write_errno);
  } else if (!dumped.error.empty()) {
    outcome.error = with_volume_use(dumped.error, dir);
  }
  if (!dumped.created) {
    if (outcome.error.empty()) outcome.error = "the " + driver->format() + " dump wrote nothing";
    return;
  }
  std::error_code ec;
  if (outcome.error.empty()) {
    fs::rename(partial, dir / meta.file, ec);
    if (ec) outcome.error = "cannot rename " + partial.filename().string() + ": " + ec.message();
  }
  if (!outcome.error.empty()) {
    fs::remove_all(partial, ec);
    return;
  }
  if (!bk::fsync_directory(dir, error)) {
    outcome.error = error;
    return;
  }
  meta.finished = std::chrono::system_clock::now();
  if (target.verify_after_backup) {
    meta.verification = bk::verify_backup(dir, meta);
    if (!meta.verification->ok) {
      outcome.error = "verification after writing failed: " + meta.verification->error;
      bk::update_status(
          dir, target.name, [](bk::TargetStatus& s) { ++s.verify_failures; }, error);
    }
  }
  if (!bk::write_metadata(dir, meta, error)) {
    if (outcome.error.empty()) outcome.error = with_volume_use(error, dir);
    // Without metadata the dump counts for nothing (no checksum to restore against); on a full
    // volume it would only keep the next attempt from fitting.
    fs::remove_all(dir / meta.file, ec);
    return;
  }
  outcome.metadata = std::move(meta);
}

}  // namespace

std::string pg_error(const std::string& tool, const probes::ProcessResult& run,
                     std::chrono::milliseconds timeout) {
  if (!run.started) return "cannot start " + tool + ": " + run.start_error;
  if (run.timed_out) return tool + " killed after " + config::human_duration(timeout) + " timeout";
  if (run.signal != 0) return tool + " killed by " + probes::signal_name(run.signal);
  // pg_dump names the server's own message on a later line ("detail: Error message from
  // server: ERROR:  invalid page in block 0 …"): the reason, rather than "PQgetResult() failed".
  std::string line;
  if (auto at = run.output_tail.find("Error message from server: "); at != std::string::npos) {
    line = probes::first_line(run.output_tail.substr(at + 27), 160);
  } else {
    line = probes::first_line(run.output_tail, 160);
  }
  for (const char* noise : {"error: ", "FATAL:  ", "FATAL: ", "ERROR:  ", "ERROR: "}) {
    if (auto at = line.find(noise); at != std::string::npos)
      line = line.substr(at + std::strlen(noise));
  }
  return tool + " exit " + std::to_string(run.exit_code) + (line.empty() ? "" : ": " + line);
}

DumpFile::DumpFile(const fs::path& partial) {
  fd_ = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  created_ = fd_ >= 0;
  if (!created_) errno_ = errno;
}

DumpFile::~DumpFile() {
  if (fd_ >= 0) ::close(fd_);
}

bool DumpFile::write(const char* data, std::size_t size) {
  if (fd_ < 0 || errno_ != 0) return false;
  hash_.update(data, size);
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::write(fd_, data + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      errno_ = n < 0 ? errno : EIO;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  size_ += size;
  return true;
}

bool DumpFile::finish() {
  if (fd_ < 0) return false;
  if (errno_ == 0 && ::fsync(fd_) != 0) errno_ = errno;
  ::close(fd_);
  fd_ = -1;
  return errno_ == 0;
}

StreamedDump stream_dump(probes::ProcessSpec spec, const fs::path& partial) {
  StreamedDump out;
  DumpFile file(partial);
  if (!file.created()) {
    out.write_errno = file.error_number();
    out.error = "cannot create " + partial.string() + ": " + config::errno_text(out.write_errno);
    return out;
  }
  out.created = true;
  // Every chunk is hashed and written as it arrives; a write error stops the dump program. The
  // caller's own on_stdout (mysql: counting rows) sees every chunk first.
  auto tap = std::move(spec.on_stdout);
  spec.on_stdout = [&file, tap](const char* data, std::size_t size) {
    if (tap && !tap(data, size)) return false;
    return file.write(data, size);
  };
  out.run = probes::run_process(spec);
  if (!file.finish()) {
    out.write_errno = file.error_number();
    out.error =
        "cannot write " + partial.filename().string() + ": " + config::errno_text(out.write_errno);
  }
  out.size_bytes = file.size();
  out.sha256 = file.sha256();
  return out;
}

BackupLock::BackupLock(const config::BackupTargetSpec& target, bool wait)
    : BackupLock(target, wait ? Clock::time_point::max()
                              : Clock::now() + std::chrono::milliseconds(200)) {}

BackupLock::BackupLock(const config::BackupTargetSpec& target, Clock::time_point deadline) {
  const fs::path path = bk::backup_lock_path(target.directory, target.name);
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
  if (fd_ < 0) {
    error_ = "cannot open " + path.string() + ": " + bk::errno_message(errno) +
             volume_note(target.directory);
    return;
  }
  const bool forever = deadline == Clock::time_point::max();
  int locked = -1, error = 0;
  while (true) {
    locked = ::flock(fd_, forever ? LOCK_EX : LOCK_EX | LOCK_NB);
    error = errno;
    if (locked == 0 || forever || error != EWOULDBLOCK || Clock::now() >= deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (locked != 0) {
    busy_ = error == EWOULDBLOCK;
    error_ = busy_ ? "another backup or restore of " + target.name + " is running"
                   : "cannot lock " + path.string() + ": " + config::errno_text(error);
    ::close(fd_);
    fd_ = -1;
  }
}

BackupLock::~BackupLock() {
  if (fd_ >= 0) ::close(fd_);
}

namespace {

// The names of the target's backups now.
std::set<std::string> backup_names(const config::BackupTargetSpec& target) {
  std::string error;
  std::set<std::string> names;
  for (const auto& backup : bk::list_backups(target.directory, target.name, error)) {
    names.insert(backup.name);
  }
  return names;
}

// The newest good backup of `target` that is not among `before` (written by the run that held
// the lock meanwhile), if any. By name, not by time: the metadata keeps whole seconds.
std::optional<bk::BackupMetadata> good_backup_since(const config::BackupTargetSpec& target,
                                                   const std::set<std::string>& before) {
  std::string error;
  auto backups = bk::list_backups(target.directory, target.name, error);
  for (auto it = backups.rbegin(); it != backups.rend(); ++it) {
    if (before.contains(it->name)) break;
    if (!it->verify_failed()) return std::move(*it);
  }
  return std::nullopt;
}

}  // namespace

BackupOutcome run_backup(const config::BackupTargetSpec& target, std::chrono::milliseconds timeout,
                         bool join_running) {
  BackupOutcome outcome;
  const auto start = Clock::now();
  try {
    std::error_code ec;
    fs::create_directories(target.directory, ec);
    auto lock = std::make_unique<BackupLock>(target, false);
    if (!lock->held() && lock->busy() && join_running) {
      const auto before = backup_names(target);
      lock = std::make_unique<BackupLock>(target, start + timeout);
      if (lock->held()) outcome.metadata = good_backup_since(target, before);
    }
    if (outcome.metadata) {
      outcome.ok = outcome.joined = true;
    } else if (!lock->held()) {
      outcome.error = lock->error();
      // An unwritable volume is a failed attempt; another backup still running is not.
      if (!lock->busy()) record_attempt(target, false, "", outcome.error);
    } else {
      remove_partials(target.directory, target.name);
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          start + timeout - Clock::now());
      backup(target, std::max(left, std::chrono::milliseconds(1)), outcome);
      outcome.ok = outcome.error.empty();
      record_attempt(target, outcome.ok, outcome.metadata ? outcome.metadata->name : "",
                     outcome.error);
      if (outcome.ok) {
        auto retention = apply_retention(target, false);
        outcome.removed = std::move(retention.removed);
        outcome.retention_error = std::move(retention.error);
      }
    }
  } catch (const std::exception& e) {
    outcome.ok = false;
    outcome.error = std::string("backup failed unexpectedly: ") + e.what();
  }
  outcome.elapsed = Clock::now() - start;
  return outcome;
}

std::string describe_outcome(const BackupOutcome& outcome) {
  if (!outcome.ok) return "backup failed: " + outcome.error;
  const auto& meta = *outcome.metadata;
  if (outcome.joined) {
    return "backup " + meta.name + " taken by the run that was already in progress (" +
           config::format_size(meta.size_bytes) + ")";
  }
  std::string text = "backup " + meta.name + ": " + config::format_size(meta.size_bytes) + " in " +
                     config::human_duration(outcome.elapsed) +
                     (meta.verified() ? ", verified" : "");
  if (!outcome.removed.empty()) {
    text += "; retention removed " + std::to_string(outcome.removed.size());
  }
  if (!outcome.retention_error.empty()) text += "; retention failed: " + outcome.retention_error;
  return text;
}

}  // namespace watchdog::actions
