#pragma once
// Backup attempts that are recorded even when the backup volume is full, and the volume's use.
//
// A backup attempt is normally recorded in DIR/TARGET.status.json beside the backups
// (backup_catalog.h). When the volume is full (ENOSPC) or unwritable (EROFS, EACCES), that
// write fails exactly when the failure matters most; the attempt then goes to the fallback
// directory — `<watchdog.state_dir>/backup-status/TARGET.status.json`, same format — which the
// config loader puts into BackupTargetSpec::status_fallback_directory. Files rather than the
// SQLite state store, because probes/ and actions/ never include watchdog/ (dependencies point
// one way).
//
// Readers (the `backup` probe, the scheduler) take the newer of the two attempts; on a tie the
// one beside the backups wins. A stale fallback needs no clean-up: any later attempt recorded
// beside the backups is newer.
//
// Thread-safety: free functions; writes are serialised across processes by update_status()'s
// flock.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "probes/backup/backup_catalog.h"

namespace watchdog::probes::backup {

enum class RecordedIn { Beside, Fallback, Nowhere };

// Records `attempt` as TARGET's last attempt beside the backups, or in `fallback_directory`
// (created when missing; empty = no fallback) when that fails. Nowhere: `error` says why both
// failed.
RecordedIn record_attempt(const std::filesystem::path& directory,
                          const std::filesystem::path& fallback_directory,
                          const std::string& target, const Attempt& attempt, std::string& error);

// TARGET's status in `fallback_directory` (nothing known when it is empty or has none); read
// once per check and passed to the two functions below.
TargetStatus read_fallback_status(const std::filesystem::path& fallback_directory,
                                  const std::string& target);

// The newer of the two last attempts (a tie: the one beside the backups).
std::optional<Attempt> newest_attempt(const TargetStatus& beside, const TargetStatus& fallback);

// The last failed attempt, beside the backups or in the fallback (status files written before
// last_failure was kept: their last attempt when it failed).
std::optional<SystemTime> last_failed_attempt(const TargetStatus& beside,
                                              const TargetStatus& fallback);
// The last failed drill (older status files: the last drill when it failed).
std::optional<SystemTime> last_failed_drill(const TargetStatus& status);

// statvfs() of the filesystem holding `directory`, counted like df (reserved blocks are
// neither free nor usable).
struct VolumeUse {
  std::uint64_t free_bytes = 0;  // available to an unprivileged writer (f_bavail)
  std::uint64_t total_bytes = 0;
  double used_ratio = 0;  // used / (used + free)
};
std::optional<VolumeUse> volume_use(const std::filesystem::path& directory);

// "/backups 100 % used" (percent rounded up like df, so a full volume never reads 99 %), or
// "" when statvfs fails.
std::string describe_volume_use(const std::filesystem::path& directory);

// strerror(error) starting in lower case, for the middle of a sentence: "no space left on
// device".
std::string errno_message(int error);

// Whether `error` (an errno) means the volume itself refuses writes: full, over quota,
// read-only or not permitted.
bool volume_refuses_writes(int error);

}  // namespace watchdog::probes::backup
