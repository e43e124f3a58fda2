#pragma once
// Who owns a game day's row, and the proof that it is still alive: a thread that moves the
// row's heartbeat every 2 s for as long as the run (or a resume's revert) lasts — through a
// slow prepare or revert too, not only the wait — on a connection of its own (SQLite
// connections are per thread).
// A row is abandoned when:
//   - its owner ran in this boot and pid namespace (owner_ns) and its pid is gone: a pid that
//     is alive here is never taken for dead, however old its heartbeat (Ctrl-Z, a busy store);
//   - its owner is elsewhere (another host or container) and its heartbeat is older than
//     kHeartbeatStale; rows written before owner_ns existed keep the older rule (pid gone on
//     this host, or a stale heartbeat);
//   - its owner gave it up after a failed revert (owner_pid 0).
// Taking a row over is atomic (GamedayStore::claim); the heartbeat of the process that lost it
// notices (lost()) and that process stops without recording a result.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>

#include "watchdog/gameday/gameday_store.h"

namespace watchdog::gameday {

inline constexpr std::chrono::seconds kHeartbeatInterval{2};
inline constexpr std::chrono::seconds kHeartbeatStale{30};

struct Owner {
  std::int64_t pid = 0;
  std::string host;
  std::string ns;  // "<boot_id>:<pid namespace inode>"; "" when /proc cannot tell
};
Owner this_process();
bool owner_gone(const GamedayRow& row, store::TimePoint now);

class Heartbeat {
 public:
  // `interval`: kHeartbeatInterval but in tests.
  Heartbeat(std::filesystem::path state_dir, std::string id, Owner owner,
            std::chrono::milliseconds interval = kHeartbeatInterval);
  ~Heartbeat();  // stops and joins
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

  // Another process claimed the row: this one no longer owns the game day.
  bool lost() const { return lost_; }

 private:
  void beat();

  std::filesystem::path state_dir_;
  std::string id_;
  Owner owner_;
  std::chrono::milliseconds interval_;
  std::atomic<bool> lost_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace watchdog::gameday
