#include "probes/backup/backup_schedule.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

namespace watchdog::probes::backup {

std::optional<SystemTime> last_scheduled_run(const std::vector<BackupMetadata>& oldest_first,
                                             const std::optional<Attempt>& newest_attempt) {
  std::optional<SystemTime> last;
  if (!oldest_first.empty()) last = oldest_first.back().started;
  // A failed attempt also waits its interval, also one recorded under the state directory
  // because the backup volume was full.
  if (newest_attempt && (!last || newest_attempt->at > *last)) last = newest_attempt->at;
  return last;
}

std::optional<SystemTime> first_due_after(const config::BackupSchedule& schedule,
                                          SystemTime last_run) {
  if (schedule.interval > config::Duration::zero()) return last_run + schedule.interval;
  if (!schedule.daily_at) return std::nullopt;
  auto slot = std::chrono::floor<std::chrono::days>(last_run) + *schedule.daily_at;
  if (slot <= last_run) slot += std::chrono::days(1);
  return slot;
}

std::filesystem::path backup_lock_path(const std::filesystem::path& directory,
                                       const std::string& target) {
  return directory / ("." + target + ".backup.lock");
}

bool run_in_progress(const std::filesystem::path& directory, const std::string& target) {
  const int fd = ::open(backup_lock_path(directory, target).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;  // never locked here
  const bool busy = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // releases the shared lock, if taken
  return busy;
}

}  // namespace watchdog::probes::backup
