#include "watchdog/engine/manager_watch.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include "probes/clients/patroni_api.h"

namespace watchdog::core {

ManagerReading ask_patroni(const config::ManagerSpec& spec) {
  ManagerReading reading;
  reading.at = Clock::now();
  const auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(spec.timeout);
  const auto status = probes::PatroniApi(spec.url.value, timeout).ask();
  reading.answered = status.answered;
  reading.alive = status.alive;
  reading.paused = status.paused.value_or(false);
  reading.problem = status.problem;
  return reading;
}

struct ManagerWatch::State {
  struct Watched {
    Target target;
    std::chrono::steady_clock::time_point due{};  // next question
    std::optional<ManagerReading> latest;
    std::uint64_t identity = 0;  // a question's answer is kept only for the same target
  };

  Ask ask;
  mutable std::mutex mutex;
  std::condition_variable wake;
  bool stopping = false;
  bool running = false;  // the thread has been started
  std::uint64_t version = 0;
  std::uint64_t next_identity = 1;
  std::vector<Watched> watched;

  Watched* find(const std::string& component) {
    for (auto& w : watched) {
      if (w.target.component == component) return &w;
    }
    return nullptr;
  }

  static void run(const std::shared_ptr<State>& self) {
    std::unique_lock lock(self->mutex);
    while (!self->stopping) {
      auto next =
          std::min_element(self->watched.begin(), self->watched.end(),
                           [](const Watched& a, const Watched& b) { return a.due < b.due; });
      if (next == self->watched.end()) {
        self->wake.wait(lock);
        continue;
      }
      const auto now = std::chrono::steady_clock::now();
      if (next->due > now) {
        self->wake.wait_until(lock, next->due);
        continue;
      }
      const auto spec = next->target.spec;
      const auto component = next->target.component;
      const auto identity = next->identity;
      next->due =
          now + std::chrono::duration_cast<std::chrono::steady_clock::duration>(spec.interval);
      lock.unlock();
      ManagerReading reading = self->ask(spec);
      lock.lock();
      Watched* same = self->find(component);
      if (same == nullptr || same->identity != identity) continue;  // replaced meanwhile
      same->latest = std::move(reading);
      ++self->version;
    }
  }
};

ManagerWatch::ManagerWatch(Ask ask) : state_(std::make_shared<State>()) {
  state_->ask = ask ? std::move(ask) : Ask(ask_patroni);
}

ManagerWatch::~ManagerWatch() {
  std::lock_guard lock(state_->mutex);
  state_->stopping = true;
  state_->wake.notify_all();
}

void ManagerWatch::set_targets(std::vector<Target> targets) {
  std::lock_guard lock(state_->mutex);
  std::vector<State::Watched> next;
  for (auto& target : targets) {
    State::Watched watched;
    const State::Watched* previous = state_->find(target.component);
    if (previous != nullptr && previous->target.spec.kind == target.spec.kind &&
        previous->target.spec.url.value == target.spec.url.value) {
      watched = *previous;  // same manager: its answer and rhythm go on
    } else {
      watched.identity = state_->next_identity++;
    }
    watched.target = std::move(target);
    next.push_back(std::move(watched));
  }
  state_->watched = std::move(next);
  if (!state_->running && !state_->watched.empty()) {
    state_->running = true;
    std::thread([state = state_] { State::run(state); }).detach();
  }
  state_->wake.notify_all();
}

void ManagerWatch::check_now(const std::string& component) {
  std::lock_guard lock(state_->mutex);
  if (auto* watched = state_->find(component)) {
    watched->due = {};
    state_->wake.notify_all();
  }
}

std::uint64_t ManagerWatch::version() const {
  std::lock_guard lock(state_->mutex);
  return state_->version;
}

std::map<std::string, ManagerReading> ManagerWatch::readings() const {
  std::lock_guard lock(state_->mutex);
  std::map<std::string, ManagerReading> out;
  for (const auto& watched : state_->watched) {
    if (watched.latest) out.emplace(watched.target.component, *watched.latest);
  }
  return out;
}

}  // namespace watchdog::core
