#include "watchdog/engine/probe_scheduler.h"

#include <condition_variable>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "watchdog/thread_name.h"

namespace watchdog::core {
namespace {

using SteadyClock = std::chrono::steady_clock;
using WallClock = std::chrono::system_clock;

// Due times of thousands of probes are spread over the interval: a turn at most every
// kTurnSpacing dispatches the checks due meanwhile together (one wake-up of the event loop)
// and delivers the results that came in meanwhile together (one of the engine). A check starts
// late by that much at most, far below the drift allowed (1 % of the interval).
constexpr auto kTurnSpacing = std::chrono::milliseconds(5);

probes::ProbeResult timeout_result(std::string detail) {
  probes::ProbeResult result;
  result.status = probes::ProbeStatus::Unknown;
  result.failure = probes::FailureKind::Timeout;
  result.detail = std::move(detail);
  return result;
}

}  // namespace

struct ProbeScheduler::Core {
  struct Probe {
    std::shared_ptr<probes::Probe> probe;
    std::chrono::milliseconds timeout{0};
    std::shared_ptr<const Report> report;  // shared: a report in progress outlives remove()
    bool blocking = false;                 // declined by the event loop: straight to the pool
    SteadyClock::time_point started;
    WallClock::time_point started_wall;
  };
  // From the loop and pool threads to the scheduler thread.
  struct Message {
    enum class Kind { Started, Queued, Finished } kind;
    ProbeId id;
    SteadyClock::time_point at;
    WallClock::time_point wall;
    probes::ProbeResult result;  // Finished
  };
  struct Start {
    ProbeId id;
    std::shared_ptr<probes::Probe> probe;
    std::chrono::milliseconds timeout;
    bool blocking;
  };
  struct Delivery {
    ProbeId id;
    probes::ProbeResult result;
    WallClock::time_point started;
    double seconds;
  };

  std::mutex mutex;
  std::condition_variable wake;  // the scheduler thread: messages, re-plans, stop
  std::condition_variable idle;  // remove(): the report of a probe finished
  ProbeSchedule schedule;
  std::unordered_map<ProbeId, Probe> probes;
  std::vector<Message> inbox;
  bool replanned = false;
  bool stopping = false;
  ProbeId reporting = 0;  // the probe whose report runs now
  std::thread::id scheduler_thread;

  void post(Message message) {
    std::lock_guard lock(mutex);
    inbox.push_back(std::move(message));
    if (inbox.size() == 1) wake.notify_one();  // otherwise it is already awake for the others
  }

  // With the lock held: turns messages and due timers into starts, deliveries and the
  // overdue checks (returned) whose pool threads are to be replaced.
  std::vector<ProbeId> advance(std::vector<Start>& starts, std::vector<Delivery>& deliveries) {
    const auto now = SteadyClock::now();
    for (auto& message : inbox) {
      auto found = probes.find(message.id);
      if (found == probes.end()) continue;
      Probe& probe = found->second;
      if (message.kind == Message::Kind::Started) {
        schedule.started(message.id, message.at);
        probe.started = message.at;
        probe.started_wall = message.wall;
      } else if (message.kind == Message::Kind::Queued) {
        probe.blocking = true;
        schedule.queued(message.id);
      } else if (schedule.finished(message.id, message.at)) {
        deliveries.push_back({message.id, std::move(message.result), probe.started_wall,
                              std::chrono::duration<double>(message.at - probe.started).count()});
      }
    }
    inbox.clear();
    auto work = schedule.take(now);
    for (ProbeId id : work.overdue) {
      const Probe& probe = probes.at(id);
      deliveries.push_back(
          {id, timeout_result("check did not return within its timeout; abandoned"),
           probe.started_wall, std::chrono::duration<double>(now - probe.started).count()});
    }
    for (const auto& due : work.due) {
      Probe& probe = probes.at(due.id);
      if (due.action == ProbeSchedule::Action::Skipped) {
        deliveries.push_back(
            {due.id, timeout_result("previous check still running past its timeout; not started"),
             WallClock::now(), 0.0});
        continue;
      }
      if (!probe.blocking) {  // the loop starts it at once: the guard runs from now
        schedule.started(due.id, now);
        probe.started = now;
        probe.started_wall = WallClock::now();
      }
      starts.push_back({due.id, probe.probe, probe.timeout, probe.blocking});
    }
    return std::move(work.overdue);
  }
};

ProbeScheduler::ProbeScheduler(std::size_t max_blocking_checks)
    : core_(std::make_shared<Core>()), pool_(max_blocking_checks) {
  thread_ = std::thread([this] { run(); });
}

ProbeScheduler::~ProbeScheduler() {
  {
    std::lock_guard lock(core_->mutex);
    core_->stopping = true;
  }
  core_->wake.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ProbeScheduler::set_max_blocking_checks(std::size_t max_blocking_checks) {
  pool_.set_max_threads(max_blocking_checks);
}

ProbeId ProbeScheduler::add(std::shared_ptr<probes::Probe> probe, const config::ProbeTiming& timing,
                            Report report, std::uint64_t seed, bool check_at_once) {
  std::lock_guard lock(core_->mutex);
  const ProbeId id = core_->schedule.add(timing, seed, SteadyClock::now(), check_at_once);
  Core::Probe& entry = core_->probes[id];
  entry.probe = std::move(probe);
  entry.timeout = timing.timeout;
  entry.report = std::make_shared<const Report>(std::move(report));
  core_->replanned = true;
  core_->wake.notify_one();
  return id;
}

void ProbeScheduler::remove(ProbeId id) {
  std::unique_lock lock(core_->mutex);
  core_->schedule.remove(id);
  core_->probes.erase(id);
  pool_.forget(id);
  if (std::this_thread::get_id() == core_->scheduler_thread) return;  // from its own report
  core_->idle.wait(lock, [&] { return core_->reporting != id; });
}

void ProbeScheduler::set_fast(ProbeId id, bool fast) {
  std::lock_guard lock(core_->mutex);
  core_->schedule.set_fast(id, fast);
  core_->replanned = true;
  core_->wake.notify_one();
}

void ProbeScheduler::run_now(ProbeId id) {
  std::lock_guard lock(core_->mutex);
  core_->schedule.run_now(id, SteadyClock::now());
  core_->replanned = true;
  core_->wake.notify_one();
}

void ProbeScheduler::run() {
  name_this_thread("wd-scheduler");
  auto& core = *core_;
  std::vector<Core::Start> starts;
  std::vector<Core::Delivery> deliveries;
  std::unique_lock lock(core.mutex);
  core.scheduler_thread = std::this_thread::get_id();
  auto last_turn = SteadyClock::time_point{};
  while (!core.stopping) {
    lock.unlock();
    std::this_thread::sleep_until(last_turn + kTurnSpacing);
    lock.lock();
    auto ready = [&] { return core.stopping || core.replanned || !core.inbox.empty(); };
    if (auto next = core.schedule.next_wakeup()) {
      core.wake.wait_until(lock, *next, ready);
    } else {
      core.wake.wait(lock, ready);
    }
    if (core.stopping) break;
    last_turn = SteadyClock::now();
    core.replanned = false;
    const auto overdue = core.advance(starts, deliveries);
    lock.unlock();
    for (ProbeId id : overdue) pool_.abandon(id);  // a no-op for checks on the loop
    for (auto& start : starts)
      dispatch(start.id, std::move(start.probe), start.timeout, start.blocking);
    starts.clear();
    lock.lock();
    for (auto& delivery : deliveries) {
      auto found = core.probes.find(delivery.id);
      if (found == core.probes.end()) continue;  // removed meanwhile
      const auto report = found->second.report;
      core.reporting = delivery.id;
      lock.unlock();
      try {
        (*report)(delivery.result, delivery.started, delivery.seconds);
      } catch (...) {
      }
      lock.lock();
      core.reporting = 0;
      core.idle.notify_all();
    }
    deliveries.clear();
  }
}

void ProbeScheduler::dispatch(ProbeId id, std::shared_ptr<probes::Probe> probe,
                              std::chrono::milliseconds timeout, bool blocking) {
  if (blocking) return run_on_pool(id, std::move(probe), timeout);
  auto core = core_;
  auto done = [core, id](probes::ProbeResult result) {
    core->post({Core::Message::Kind::Finished, id, SteadyClock::now(), {}, std::move(result)});
  };
  auto declined = [this, core, id, probe, timeout] {
    core->post({Core::Message::Kind::Queued, id, SteadyClock::now(), {}, {}});
    run_on_pool(id, probe, timeout);
  };
  loop_.submit(std::move(probe), timeout, std::move(done), std::move(declined));
}

void ProbeScheduler::run_on_pool(ProbeId id, std::shared_ptr<probes::Probe> probe,
                                 std::chrono::milliseconds timeout) {
  pool_.submit(id, [core = core_, id, probe = std::move(probe), timeout] {
    core->post({Core::Message::Kind::Started, id, SteadyClock::now(), WallClock::now(), {}});
    auto result = probe->check(timeout);
    core->post({Core::Message::Kind::Finished, id, SteadyClock::now(), {}, std::move(result)});
  });
}

}  // namespace watchdog::core
