#include "watchdog/engine/check_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "tests/support/temp_dir.h"

namespace watchdog::core {
namespace {

using namespace std::chrono_literals;
using testing::wait_until;

// A gate jobs block on until the test opens it.
struct Gate {
  std::mutex mutex;
  std::condition_variable opened_cv;
  bool opened = false;
  void wait() {
    std::unique_lock lock(mutex);
    opened_cv.wait(lock, [&] { return opened; });
  }
  void open() {
    {
      std::lock_guard lock(mutex);
      opened = true;
    }
    opened_cv.notify_all();
  }
};

TEST(CheckPool, RunsEveryJobOnAtMostMaxThreads) {
  CheckPool pool(4);
  std::atomic<int> running{0}, most{0}, done{0};
  for (std::uint64_t key = 1; key <= 200; ++key) {
    pool.submit(key, [&] {
      const int now = ++running;
      int seen = most;
      while (now > seen && !most.compare_exchange_weak(seen, now)) {
      }
      std::this_thread::sleep_for(1ms);
      --running;
      ++done;
    });
  }
  ASSERT_TRUE(wait_until([&] { return done == 200; }, 30s));
  EXPECT_LE(most.load(), 4);
  EXPECT_LE(pool.threads(), 4u);
}

// Abandoned jobs no longer count: the pool starts replacements and keeps its capacity, and
// each abandoned thread leaves once its job returns.
TEST(CheckPool, AbandonedJobsAreReplacedAndTheirThreadsLeaveLater) {
  CheckPool pool(2);
  auto gate = std::make_shared<Gate>();
  std::atomic<int> started{0}, done{0};
  for (std::uint64_t key = 1; key <= 2; ++key) {
    pool.submit(key, [gate, &started] {
      ++started;
      gate->wait();
    });
  }
  ASSERT_TRUE(wait_until([&] { return started == 2; }, 10s));
  for (std::uint64_t key = 3; key <= 12; ++key) pool.submit(key, [&] { ++done; });
  EXPECT_EQ(done.load(), 0);  // both threads are stuck
  pool.abandon(1);
  pool.abandon(2);
  pool.abandon(99);  // not running: nothing happens
  ASSERT_TRUE(wait_until([&] { return done == 10; }, 10s));
  EXPECT_EQ(pool.abandoned(), 2u);
  EXPECT_LE(pool.threads(), 4u);  // two replacements + the two stuck ones
  gate->open();
  ASSERT_TRUE(wait_until([&] { return pool.abandoned() == 0; }, 10s));
  EXPECT_LE(pool.threads(), 2u);
}

TEST(CheckPool, DestructionDoesNotWaitForAHungJob) {
  auto gate = std::make_shared<Gate>();
  std::atomic<bool> started{false};
  {
    CheckPool pool(1);
    pool.submit(1, [gate, &started] {
      started = true;
      gate->wait();
    });
    ASSERT_TRUE(wait_until([&] { return started.load(); }, 10s));
  }  // returns although the job still runs
  gate->open();
}

// A probe removed by a reload: its queued check never runs and its hung check stops holding
// a counted thread, so the probes that remain keep the pool's capacity.
TEST(CheckPool, ForgottenKeysLoseTheirQueuedJobAndTheirCountedThread) {
  CheckPool pool(1);
  auto gate = std::make_shared<Gate>();
  std::atomic<bool> hung_started{false}, queued_ran{false}, other_ran{false};
  pool.submit(1, [gate, &hung_started] {
    hung_started = true;
    gate->wait();
  });
  ASSERT_TRUE(wait_until([&] { return hung_started.load(); }, 5s));
  pool.submit(2, [&queued_ran] { queued_ran = true; });
  pool.forget(2);
  pool.submit(3, [&other_ran] { other_ran = true; });
  pool.forget(1);  // the hung job's probe is gone
  ASSERT_TRUE(wait_until([&] { return other_ran.load(); }, 5s))
      << "a forgotten hung job still held the only counted thread";
  EXPECT_FALSE(queued_ran.load()) << "a forgotten queued job ran";
  gate->open();
  ASSERT_TRUE(wait_until([&] { return pool.abandoned() == 0; }, 5s));
}

}  // namespace
}  // namespace watchdog::core
