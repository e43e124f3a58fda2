// disk-filling: ONE synthetic file, `.watchdog-gameday-fill-<id>` in gameday.volume, sized so the
// filesystem's used share (as the disk probe computes it: used / (used + available to a user))
// reaches gameday.fill_to. The watchdog is expected to detect and alert (expect: detect) — it has
// no action that could delete an operator's data; the revert is what mends it.
//
// Safety: never beyond 99 % and always at least kFreeFloor left free; a volume already at or
// above fill_to is refused. While the fault is in place tick() guards the floor: when something
// else writes and free space drops under it, the file is shrunk (or removed) at once.
//
// memory: {"file": "/volume/.watchdog-gameday-fill-<id>"} — saved before the file exists, so a
// revert after a crash finds it by name.
#include <fcntl.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

#include "config/time_text.h"
#include "watchdog/gameday/service_scenarios.h"

namespace watchdog::gameday {
namespace {

namespace fs = std::filesystem;
constexpr std::uint64_t kMiB = 1024 * 1024;
constexpr std::uint64_t kFreeFloor = 64 * kMiB;
constexpr double kMaxShare = 0.99;

struct VolumeUse {
  std::uint64_t used = 0;       // bytes, as df counts them (blocks - free)
  std::uint64_t available = 0;  // bytes an unprivileged writer may still use
  double share() const {
    return used + available == 0 ? 0.0 : static_cast<double>(used) / double(used + available);
  }
};

VolumeUse volume_use(const fs::path& volume) {
  struct statvfs stats {};
  if (::statvfs(volume.c_str(), &stats) != 0) {
    throw ScenarioError("disk-filling: cannot statvfs " + volume.string() + ": " +
                        std::strerror(errno));
  }
  const std::uint64_t fragment = stats.f_frsize ? stats.f_frsize : stats.f_bsize;
  return {(std::uint64_t(stats.f_blocks) - stats.f_bfree) * fragment,
          std::uint64_t(stats.f_bavail) * fragment};
}

std::string percent(double share) { return std::to_string(int(std::lround(share * 100))) + " %"; }
std::string mib(std::uint64_t bytes) { return std::to_string(bytes / kMiB) + " MiB"; }

// Allocates `size` bytes of `fd`: posix_fallocate, or zeros written where the filesystem refuses
// preallocation. Returns 0 or the errno.
int allocate(int fd, std::uint64_t size) {
  const int rc = ::posix_fallocate(fd, 0, static_cast<off_t>(size));
  if (rc != EOPNOTSUPP && rc != EINVAL) return rc;
  const std::vector<char> zeros(kMiB, 0);
  for (std::uint64_t written = 0; written < size;) {
    const auto chunk = static_cast<std::size_t>(std::min<std::uint64_t>(kMiB, size - written));
    const ssize_t n = ::write(fd, zeros.data(), chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? errno : EIO;
    written += static_cast<std::uint64_t>(n);
  }
  return ::fsync(fd) == 0 ? 0 : errno;
}

class DiskFilling : public Scenario {
 public:
  explicit DiskFilling(const config::ComponentSpec& component)
      : volume_(component.gameday.volume),
        fill_to_(std::min(component.gameday.fill_to, kMaxShare)) {
    if (volume_.empty()) {
      throw ScenarioError("disk-filling needs gameday.volume on component " + component.name);
    }
  }

  config::GamedayExpect expect() const override { return config::GamedayExpect::Detect; }

  std::vector<std::string> plan() const override {
    return {"write one file .watchdog-gameday-fill-<id> into " + volume_.string() +
                " until it is " + percent(fill_to_) + " used (at least " + mib(kFreeFloor) +
                " stay free)",
            "while it waits: shrink the file at once if free space drops under " + mib(kFreeFloor),
            "revert: remove the file"};
  }

  void inject(Context& ctx) override {
    const auto before = volume_use(volume_);
    const double total = double(before.used + before.available);
    const double wanted = fill_to_ * total - double(before.used);
    if (wanted <= 0) {
      throw ScenarioError("disk-filling: " + volume_.string() + " is already " +
                          percent(before.share()) + " used (fill_to " + percent(fill_to_) + ")");
    }
    const auto size = static_cast<std::uint64_t>(wanted);
    if (before.available < size + kFreeFloor) {
      throw ScenarioError("disk-filling: reaching " + percent(fill_to_) + " of " +
                          volume_.string() + " would leave " +
                          mib(before.available > size ? before.available - size : 0) +
                          " free, under the " + mib(kFreeFloor) + " floor");
    }
    const fs::path file = volume_ / (".watchdog-gameday-fill-" +
                                     config::format_utc_stamp(std::chrono::system_clock::now()));
    ctx.memory["file"] = file.string();
    ctx.save();
    const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
      const int error = errno;
      // Not ours (EEXIST: another game day in the same second): the revert must not remove it.
      ctx.memory.erase("file");
      ctx.save();
      throw ScenarioError("disk-filling: cannot create " + file.string() + ": " +
                          std::strerror(error));
    }
    const int rc = allocate(fd, size);
    ::close(fd);
    if (rc != 0) {
      std::error_code ignored;
      fs::remove(file, ignored);
      throw ScenarioError("disk-filling: cannot fill " + file.string() + ": " + std::strerror(rc));
    }
    ctx.note("wrote " + mib(size) + " to " + file.string() + ": " + volume_.string() + " " +
             percent(before.share()) + " → " + percent(volume_use(volume_).share()) + " used");
  }

  void tick(Context& ctx) override {
    const std::string file = ctx.memory.value("file", "");
    if (file.empty()) return;
    VolumeUse now;
    try {
      now = volume_use(volume_);
    } catch (const ScenarioError& error) {
      return ctx.note(error.what());
    }
    if (now.available >= kFreeFloor) return;
    // Something else is writing: give back what it needs, plus a margin, before it fails.
    std::error_code ec;
    const auto size = fs::file_size(file, ec);
    if (ec) return;
    const std::uint64_t give_back = kFreeFloor - now.available + 16 * kMiB;
    if (give_back >= size) {
      fs::remove(file, ec);
      ctx.memory.erase("file");
      ctx.save();
      ctx.note("free space on " + volume_.string() + " fell under " + mib(kFreeFloor) +
               ": removed the synthetic file early");
    } else {
      fs::resize_file(file, size - give_back, ec);
      ctx.note("free space on " + volume_.string() + " fell under " + mib(kFreeFloor) +
               ": shrank the synthetic file by " + mib(give_back) +
               (ec ? " failed: " + ec.message() : ""));
    }
  }

  void revert(Context& ctx) override {
    const std::string file = ctx.memory.value("file", "");
    if (file.empty()) return;
    std::error_code ec;
    const bool removed = fs::remove(file, ec);
    if (ec) throw ScenarioError("disk-filling: cannot remove " + file + ": " + ec.message());
    ctx.memory.erase("file");
    save_after_mend(ctx);
    if (removed) ctx.note("removed " + file);
  }

 private:
  fs::path volume_;
  double fill_to_;
};

}  // namespace

std::unique_ptr<Scenario> make_disk_filling(const config::Config&,
                                            const config::ComponentSpec& component) {
  return std::make_unique<DiskFilling>(component);
}

}  // namespace watchdog::gameday
