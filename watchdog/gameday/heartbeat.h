#pragma once
// Who owns a game day's row, and the proof that it is still alive: a thread that moves the
// row's heartbeat every 2 s for as long as the run lasts — through a slow prepare or revert
// too, not only the wait — on a connection of its own (SQLite connections are per thread).
// A row is abandoned when its owner's pid is gone on this host, or when its heartbeat is older
// than kHeartbeatStale (an owner on another host, or a pid reused since).

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
};
Owner this_process();
bool owner_gone(const GamedayRow& row, store::TimePoint now);

class Heartbeat {
 public:
  Heartbeat(std::filesystem::path state_dir, std::string id);
  ~Heartbeat();  // stops and joins
  Heartbeat(const Heartbeat&) = delete;
  Heartbeat& operator=(const Heartbeat&) = delete;

 private:
  void beat();

  std::filesystem::path state_dir_;
  std::string id_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace watchdog::gameday
