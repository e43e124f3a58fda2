#include "watchdog/gameday/heartbeat.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <fstream>

#include "watchdog/logging.h"

namespace watchdog::gameday {
namespace {

// kill(pid, 0): EPERM still means a process has that pid.
bool pid_alive(std::int64_t pid) {
  if (pid <= 0) return false;
  return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

// Pids compare only within one boot and one pid namespace: the boot id and the namespace's
// inode name that space.
std::string pid_space() {
  std::ifstream boot("/proc/sys/kernel/random/boot_id");
  std::string boot_id;
  struct stat ns {};
  if (!std::getline(boot, boot_id) || boot_id.empty() || stat("/proc/self/ns/pid", &ns) != 0) {
    return "";
  }
  return boot_id + ":" + std::to_string(ns.st_ino);
}

}  // namespace

Owner this_process() {
  char host[HOST_NAME_MAX + 1] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return {static_cast<std::int64_t>(getpid()), host, pid_space()};
}

bool owner_gone(const GamedayRow& row, store::TimePoint now) {
  if (row.owner_pid <= 0) return true;  // released after a failed revert
  const auto self = this_process();
  if (!row.owner_ns.empty() && !self.ns.empty()) {
    if (row.owner_ns == self.ns) return !pid_alive(row.owner_pid);
    return now - row.heartbeat > kHeartbeatStale;
  }
  if (row.owner_host == self.host && !pid_alive(row.owner_pid)) return true;
  return now - row.heartbeat > kHeartbeatStale;
}

Heartbeat::Heartbeat(std::filesystem::path state_dir, std::string id, Owner owner,
                     std::chrono::milliseconds interval)
    : state_dir_(std::move(state_dir)),
      id_(std::move(id)),
      owner_(std::move(owner)),
      interval_(interval),
      thread_([this] { beat(); }) {}

Heartbeat::~Heartbeat() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void Heartbeat::beat() {
  std::unique_ptr<store::StateStore> store;
  int failed = 0;  // beats missed in a row
  std::chrono::steady_clock::time_point last_logged{};
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stop_; })) {
    try {
      if (!store) store = store::StateStore::open_existing(state_dir_);
      if (!GamedayStore(*store).heartbeat(id_, owner_.pid, owner_.host,
                                          std::chrono::system_clock::now())) {
        spdlog::error("gameday_claim_lost {} action=stopping", logging::kv("id", id_));
        lost_ = true;
        return;
      }
      if (failed > 0) {
        spdlog::info("gameday_heartbeat_recovered {} {}", logging::kv("id", id_),
                     logging::kv("missed", std::to_string(failed)));
      }
      failed = 0;
    } catch (const std::exception& error) {
      // A missed beat is harmless until 30 s pass; a store that stays unusable (a full disk)
      // is logged at once and then once a minute with the count, like the engine's store.
      const auto now = std::chrono::steady_clock::now();
      if (++failed == 1 || now - last_logged >= std::chrono::minutes(1)) {
        spdlog::warn("gameday_heartbeat_failed {} {} {}", logging::kv("id", id_),
                     logging::kv("missed", std::to_string(failed)),
                     logging::kv("error", error.what()));
        last_logged = now;
      }
      store.reset();
    }
  }
}

}  // namespace watchdog::gameday
