#include "watchdog/engine/manager_watch.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

#include <spdlog/spdlog.h>

#include "probes/clients/patroni_api.h"
#include "watchdog/logging.h"

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
  reading.known = status.known;
  return reading;
}

namespace {

constexpr auto kNotKnownLogEvery = std::chrono::minutes(1);

std::chrono::steady_clock::duration steady(Duration duration) {
  return std::chrono::duration_cast<std::chrono::steady_clock::duration>(duration);
}

}  // namespace

struct ManagerWatch::State {
  struct Watched {
    Target target;
    std::chrono::steady_clock::time_point due{};  // next question
    std::optional<ManagerReading> latest;
    std::uint64_t identity = 0;  // a question's answer is kept only for the same target
    bool asking = false;         // a question is in flight (at most one per manager)
    std::optional<std::chrono::steady_clock::time_point> not_known_logged;
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

  // Starts the questions that are due, each on its own thread, and sleeps until the next one.
  static void run(const std::shared_ptr<State>& self) {
    std::unique_lock lock(self->mutex);
    while (!self->stopping) {
      const auto now = std::chrono::steady_clock::now();
      auto next = std::chrono::steady_clock::time_point::max();
      for (auto& w : self->watched) {
        if (w.asking) continue;  // its answer wakes this loop
        if (w.due <= now) {
          w.asking = true;
          w.due = now + steady(w.target.spec.interval);
          std::thread([self, target = w.target, identity = w.identity] {
            answer(self, target, identity);
          }).detach();
        }
        next = std::min(next, w.due);
      }
      if (next == std::chrono::steady_clock::time_point::max()) {
        self->wake.wait(lock);
      } else {
        self->wake.wait_until(lock, next);
      }
    }
  }

  static void answer(const std::shared_ptr<State>& self, const Target& target,
                     std::uint64_t identity) {
    ManagerReading reading = self->ask(target.spec);
    std::lock_guard lock(self->mutex);
    Watched* same = self->find(target.component);
    if (same == nullptr || same->identity != identity) return;  // replaced meanwhile
    same->asking = false;
    self->wake.notify_all();
    if (!reading.known) warn_not_known(*same, reading);
    same->latest = std::move(reading);
    ++self->version;
  }

  // An answer that is not the manager's word holds the component however long it lasts: said
  // loudly, with its reason, but once a minute per manager, not every interval.
  static void warn_not_known(Watched& watched, const ManagerReading& reading) {
    const auto now = std::chrono::steady_clock::now();
    if (watched.not_known_logged && now - *watched.not_known_logged < kNotKnownLogEvery) return;
    watched.not_known_logged = now;
    spdlog::warn("manager_state_not_known {} {} {} {} {}",
                 logging::kv("component", watched.target.component),
                 logging::kv("manager", watched.target.spec.kind),
                 logging::kv("url", watched.target.spec.display),
                 logging::kv("problem", reading.problem),
                 logging::kv("effect", "held, whatever act_when_manager_down says"));
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
      if (target.spec.interval != previous->target.spec.interval) {  // the new rhythm, at once
        const auto sooner = std::chrono::steady_clock::now() + steady(target.spec.interval);
        watched.due = std::min(watched.due, sooner);
      }
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
