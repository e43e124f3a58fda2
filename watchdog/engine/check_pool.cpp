#include "watchdog/engine/check_pool.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "watchdog/thread_name.h"

namespace watchdog::core {

struct CheckPool::State {
  struct Job {
    std::uint64_t key;
    std::function<void()> run;
  };
  struct Worker {
    bool abandoned = false;
  };

  std::mutex mutex;
  std::condition_variable work;
  std::deque<Job> queue;
  std::unordered_map<std::uint64_t, std::shared_ptr<Worker>> running;  // by job key
  std::size_t max_threads = 1;
  std::size_t counted = 0;  // threads counted against max_threads (not abandoned)
  std::size_t idle = 0;
  std::size_t abandoned = 0;
  bool stopping = false;

  // With the lock held: one more thread when work waits and the limit allows it.
  static void grow(const std::shared_ptr<State>& state) {
    if (state->queue.size() <= state->idle || state->counted >= state->max_threads) return;
    ++state->counted;
    try {
      std::thread([state] { serve(state); }).detach();
    } catch (const std::system_error&) {
      // Out of threads (EAGAIN): the job waits for a thread that frees up or for the next
      // submit to try again, instead of the exception escaping into the scheduler.
      --state->counted;
    }
  }

  static void serve(const std::shared_ptr<State>& state) {
    name_this_thread("wd-check");
    auto self = std::make_shared<Worker>();
    std::unique_lock lock(state->mutex);
    while (true) {
      ++state->idle;
      state->work.wait(lock, [&] {
        return state->stopping || !state->queue.empty() || state->counted > state->max_threads;
      });
      --state->idle;
      if (state->stopping || state->queue.empty()) break;  // stopping, or the limit shrank
      Job job = std::move(state->queue.front());
      state->queue.pop_front();
      state->running[job.key] = self;
      lock.unlock();
      job.run();
      job.run = nullptr;  // release what the job holds before taking the lock
      lock.lock();
      auto found = state->running.find(job.key);
      if (found != state->running.end() && found->second == self) state->running.erase(found);
      if (self->abandoned) {
        --state->abandoned;
        return;  // a replacement took this thread's place
      }
    }
    --state->counted;
  }
};

CheckPool::CheckPool(std::size_t max_threads) : state_(std::make_shared<State>()) {
  state_->max_threads = std::max<std::size_t>(1, max_threads);
}

CheckPool::~CheckPool() {
  {
    std::lock_guard lock(state_->mutex);
    state_->stopping = true;
    state_->queue.clear();
  }
  state_->work.notify_all();
}

void CheckPool::set_max_threads(std::size_t max_threads) {
  std::lock_guard lock(state_->mutex);
  state_->max_threads = std::max<std::size_t>(1, max_threads);
  state_->work.notify_all();  // idle threads above the limit leave
  State::grow(state_);
}

void CheckPool::submit(std::uint64_t key, std::function<void()> job) {
  std::lock_guard lock(state_->mutex);
  state_->queue.push_back({key, std::move(job)});
  State::grow(state_);
  state_->work.notify_one();
}

void CheckPool::abandon(std::uint64_t key) {
  std::lock_guard lock(state_->mutex);
  auto found = state_->running.find(key);
  if (found == state_->running.end() || found->second->abandoned) return;
  found->second->abandoned = true;
  ++state_->abandoned;
  --state_->counted;
  State::grow(state_);
  state_->work.notify_one();
}

void CheckPool::forget(std::uint64_t key) {
  {
    std::lock_guard lock(state_->mutex);
    std::erase_if(state_->queue, [key](const State::Job& job) { return job.key == key; });
  }
  abandon(key);
}

std::size_t CheckPool::threads() const {
  std::lock_guard lock(state_->mutex);
  return state_->counted + state_->abandoned;
}

std::size_t CheckPool::abandoned() const {
  std::lock_guard lock(state_->mutex);
  return state_->abandoned;
}

}  // namespace watchdog::core
