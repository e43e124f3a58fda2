#pragma once
// Shared by the leader-lock integration tests (redis, postgres, kubernetes).

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <future>

#include "watchdog/leader/leader_lock.h"

namespace watchdog::testing {

// acquire_or_renew on another thread; fails the test instead of hanging when it never returns.
inline core::LockResult bounded_call(core::LeaderLock& lock, std::chrono::milliseconds timeout) {
  auto call = std::async(std::launch::async, [&] { return lock.acquire_or_renew(timeout); });
  if (call.wait_for(timeout + std::chrono::seconds(20)) != std::future_status::ready) {
    ADD_FAILURE() << "acquire_or_renew did not return";
    std::abort();  // the thread still uses `lock`
  }
  return call.get();
}

}  // namespace watchdog::testing
