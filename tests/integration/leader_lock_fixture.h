#pragma once
// Shared by the leader-lock integration tests (redis, postgres, kubernetes).

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <future>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "watchdog/leader/leader_elector.h"
#include "watchdog/leader/leader_lock.h"

namespace watchdog::testing {

// "Held: acquired" — for assertion messages.
inline std::string show(const core::LockResult& result) {
  const char* status = result.status == core::LockStatus::Held      ? "Held"
                       : result.status == core::LockStatus::NotHeld ? "NotHeld"
                                                                    : "Unknown";
  return std::string(status) + ": " + result.detail;
}

// acquire_or_renew on another thread; fails the test instead of hanging when it never returns.
inline core::LockResult bounded_call(core::LeaderLock& lock, std::chrono::milliseconds timeout) {
  auto call = std::async(std::launch::async, [&] { return lock.acquire_or_renew(timeout); });
  if (call.wait_for(timeout + std::chrono::seconds(20)) != std::future_status::ready) {
    ADD_FAILURE() << "acquire_or_renew did not return";
    std::abort();  // the thread still uses `lock`
  }
  return call.get();
}

// Records an elector's on_change calls.
struct Changes {
  std::mutex mutex;
  std::vector<std::pair<bool, std::string>> seen;
  core::LeaderElector::OnChange callback() {
    return [this](bool leader, const std::string& reason) {
      std::lock_guard guard(mutex);
      seen.emplace_back(leader, reason);
    };
  }
  std::string last_reason() {
    std::lock_guard guard(mutex);
    return seen.empty() ? "" : seen.back().second;
  }
};

}  // namespace watchdog::testing
