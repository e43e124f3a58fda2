#include "watchdog/gameday/heartbeat.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "watchdog/logging.h"

namespace watchdog::gameday {

Owner this_process() {
  char host[HOST_NAME_MAX + 1] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return {static_cast<std::int64_t>(getpid()), host};
}

namespace {
// kill(pid, 0): EPERM still means a process has that pid.
bool pid_alive(std::int64_t pid) {
  if (pid <= 0) return false;
  return kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}
}  // namespace

bool owner_gone(const GamedayRow& row, store::TimePoint now) {
  if (row.owner_host == this_process().host && !pid_alive(row.owner_pid)) return true;
  return now - row.heartbeat > kHeartbeatStale;
}

Heartbeat::Heartbeat(std::filesystem::path state_dir, std::string id)
    : state_dir_(std::move(state_dir)), id_(std::move(id)), thread_([this] { beat(); }) {}

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
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, kHeartbeatInterval, [this] { return stop_; })) {
    try {
      if (!store) store = store::StateStore::open_existing(state_dir_);
      GamedayStore(*store).heartbeat(id_, std::chrono::system_clock::now());
    } catch (const std::exception& error) {
      // A missed beat is harmless until 30 s pass; a store that stays unusable is logged.
      spdlog::warn("gameday_heartbeat_failed {} {}", logging::kv("id", id_),
                   logging::kv("error", error.what()));
      store.reset();
    }
  }
}

}  // namespace watchdog::gameday
