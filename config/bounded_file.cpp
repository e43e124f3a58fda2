#include "config/bounded_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "config/text.h"
#include "config/units.h"

namespace watchdog::config {
namespace {

std::string too_large(std::uint64_t max_bytes) {
  return "File too large (more than " + format_size(max_bytes) + ")";
}

// errno-style messages (capitalised, like "No such file or directory"); a directory reads as
// EISDIR would.
std::string refusal(const struct stat& info, std::uint64_t max_bytes) {
  const mode_t mode = info.st_mode;
  if (S_ISREG(mode)) {
    if (static_cast<std::uint64_t>(info.st_size) <= max_bytes) return "";
    return too_large(max_bytes);
  }
  if (S_ISDIR(mode)) return errno_text(EISDIR);
  const char* type = S_ISFIFO(mode)   ? "a FIFO"
                     : S_ISCHR(mode)  ? "a character device"
                     : S_ISBLK(mode)  ? "a block device"
                     : S_ISSOCK(mode) ? "a socket"
                                      : "a special file";
  return std::string("Is ") + type + ", not a regular file";
}

}  // namespace

std::optional<std::string> read_regular_file(const std::string& path, std::uint64_t max_bytes,
                                             std::string& error) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    error = errno_text();
    return std::nullopt;
  }
  if (error = refusal(info, max_bytes); !error.empty()) return std::nullopt;
  // Replaced by a FIFO since the stat() above: O_NONBLOCK keeps open() and read() from waiting.
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) {
    error = errno_text();
    return std::nullopt;
  }
  std::string content;
  if (::fstat(fd, &info) != 0) {
    error = errno_text();
  } else {
    error = refusal(info, max_bytes);
  }
  char buffer[4096];
  while (error.empty()) {
    const ssize_t n = ::read(fd, buffer, sizeof(buffer));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) error = errno_text();
    if (n <= 0) break;
    content.append(buffer, static_cast<std::size_t>(n));
    // A file that grows while it is read (or a /proc file that reports size 0).
    if (content.size() > max_bytes) error = too_large(max_bytes);
  }
  ::close(fd);
  if (!error.empty()) return std::nullopt;
  return content;
}

}  // namespace watchdog::config
