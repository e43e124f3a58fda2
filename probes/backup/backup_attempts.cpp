#include "probes/backup/backup_attempts.h"

#include <sys/statvfs.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>

#include "config/text.h"

namespace watchdog::probes::backup {

namespace fs = std::filesystem;

RecordedIn record_attempt(const fs::path& directory, const fs::path& fallback_directory,
                          const std::string& target, const Attempt& attempt, std::string& error) {
  auto set = [&attempt](TargetStatus& status) {
    status.last_attempt = attempt;
    if (!attempt.ok) status.last_failure = attempt.at;
  };
  std::string beside_error;
  if (update_status(directory, target, set, beside_error)) return RecordedIn::Beside;
  if (fallback_directory.empty()) {
    error = beside_error;
    return RecordedIn::Nowhere;
  }
  std::error_code ec;
  fs::create_directories(fallback_directory, ec);
  std::string fallback_error;
  if (update_status(fallback_directory, target, set, fallback_error)) return RecordedIn::Fallback;
  error = beside_error + "; " + fallback_error;
  return RecordedIn::Nowhere;
}

TargetStatus read_fallback_status(const fs::path& fallback_directory, const std::string& target) {
  if (fallback_directory.empty()) return {};
  return read_status(fallback_directory, target);
}

std::optional<Attempt> newest_attempt(const TargetStatus& beside, const TargetStatus& fallback) {
  std::optional<Attempt> newest = beside.last_attempt;
  const auto& other = fallback.last_attempt;
  if (other && (!newest || other->at > newest->at)) newest = other;
  return newest;
}

namespace {

std::optional<SystemTime> later(std::optional<SystemTime> a, std::optional<SystemTime> b) {
  if (!a) return b;
  if (!b) return a;
  return std::max(*a, *b);
}

// The recorded last failure, or the last run (an Attempt or a Drill) when it failed: status
// files written before the failure times were kept have only the latter.
template <typename Run>
std::optional<SystemTime> last_failure(std::optional<SystemTime> recorded,
                                       const std::optional<Run>& last) {
  return later(recorded, last && !last->ok ? std::optional(last->at) : std::nullopt);
}

}  // namespace

std::optional<SystemTime> last_failed_attempt(const TargetStatus& beside,
                                              const TargetStatus& fallback) {
  return later(last_failure(beside.last_failure, beside.last_attempt),
               last_failure(fallback.last_failure, fallback.last_attempt));
}

std::optional<SystemTime> last_failed_drill(const TargetStatus& status) {
  return last_failure(status.last_drill_failure, status.last_drill);
}

std::optional<VolumeUse> volume_use(const fs::path& directory) {
  struct statvfs fs {};
  if (::statvfs(directory.c_str(), &fs) != 0) return std::nullopt;
  const std::uint64_t fragment = fs.f_frsize != 0 ? fs.f_frsize : fs.f_bsize;
  VolumeUse use;
  use.free_bytes = static_cast<std::uint64_t>(fs.f_bavail) * fragment;
  use.total_bytes = static_cast<std::uint64_t>(fs.f_blocks) * fragment;
  const double used = static_cast<double>(fs.f_blocks) - static_cast<double>(fs.f_bfree);
  const double usable = used + static_cast<double>(fs.f_bavail);
  use.used_ratio = usable > 0 ? used / usable : 0.0;
  return use;
}

std::string describe_volume_use(const fs::path& directory) {
  const auto use = volume_use(directory);
  if (!use) return "";
  const int percent = static_cast<int>(std::ceil(use->used_ratio * 100.0 - 1e-9));
  return directory.string() + " " + std::to_string(percent) + " % used";
}

std::string errno_message(int error) {
  std::string text = config::errno_text(error);
  if (!text.empty()) text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

bool volume_refuses_writes(int error) {
  return error == ENOSPC || error == EDQUOT || error == EROFS || error == EACCES || error == EPERM;
}

}  // namespace watchdog::probes::backup
