#include "watchdog/engine/probe_worker.h"

#include "watchdog/engine/backoff.h"

namespace watchdog::core {

using SteadyClock = std::chrono::steady_clock;

struct GuardedCheck::Shared {
  std::mutex mutex;
  std::condition_variable done_or_cancelled;
  bool running = false;  // a check thread has not returned yet
  bool done = false;     // the current check finished
  bool cancelled = false;
  probes::ProbeResult result;  // valid when done
};

GuardedCheck::GuardedCheck(std::shared_ptr<probes::Probe> probe)
    : probe_(std::move(probe)), shared_(std::make_shared<Shared>()) {}

void GuardedCheck::cancel() {
  {
    std::lock_guard lock(shared_->mutex);
    shared_->cancelled = true;
  }
  shared_->done_or_cancelled.notify_all();
}

probes::ProbeResult GuardedCheck::run(std::chrono::milliseconds timeout) {
  std::unique_lock lock(shared_->mutex);
  if (shared_->running) {
    return {probes::ProbeStatus::Unknown,
            probes::FailureKind::Timeout,
            "previous check still running past its timeout; not started",
            {},
            {}};
  }
  shared_->running = true;
  shared_->done = false;
  lock.unlock();

  std::thread([shared = shared_, probe = probe_, timeout] {
    auto result = probe->check(timeout);
    std::lock_guard guard(shared->mutex);
    shared->result = std::move(result);
    shared->done = true;
    shared->running = false;
    shared->done_or_cancelled.notify_all();
  }).detach();

  lock.lock();
  shared_->done_or_cancelled.wait_until(lock, SteadyClock::now() + timeout + kGrace,
                                        [&] { return shared_->done || shared_->cancelled; });
  if (shared_->done) return std::move(shared_->result);
  probes::ProbeResult abandoned;
  abandoned.status = probes::ProbeStatus::Unknown;
  abandoned.failure = probes::FailureKind::Timeout;
  abandoned.detail = shared_->cancelled ? "check abandoned: watchdog stopping"
                                        : "check did not return within its timeout; abandoned";
  return abandoned;
}

ProbeWorker::ProbeWorker(std::shared_ptr<probes::Probe> probe, config::ProbeTiming timing,
                         Report report, std::uint64_t seed)
    : check_(std::move(probe)), timing_(timing), report_(std::move(report)), random_(seed) {}

ProbeWorker::~ProbeWorker() { stop(); }

void ProbeWorker::start() {
  thread_ = std::thread([this] { loop(); });
}

void ProbeWorker::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  check_.cancel();
  if (thread_.joinable()) thread_.join();
}

void ProbeWorker::set_fast(bool fast) {
  {
    std::lock_guard lock(mutex_);
    if (fast_ == fast) return;
    fast_ = fast;
  }
  wake_.notify_all();
}

void ProbeWorker::run_now() {
  {
    std::lock_guard lock(mutex_);
    run_now_ = true;
  }
  wake_.notify_all();
}

std::chrono::milliseconds ProbeWorker::next_delay() {
  if (fast_) return timing_.recheck_interval;
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  return jittered_interval(timing_.interval, timing_.jitter, unit(random_));
}

void ProbeWorker::loop() {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  std::unique_lock lock(mutex_);
  // Spread start-up over [0, jitter) so probes do not all fire at once.
  auto last_start = SteadyClock::now();
  auto next = last_start + std::chrono::milliseconds(
                               static_cast<long long>(unit(random_) * timing_.jitter.count()));
  auto planned_fast = fast_;
  while (true) {
    wake_.wait_until(lock, next, [&] { return stopping_ || run_now_ || fast_ != planned_fast; });
    if (stopping_) return;
    if (fast_ != planned_fast && !run_now_) {  // cadence changed: re-plan from the last start
      planned_fast = fast_;
      next = std::min(next, last_start + next_delay());
      continue;
    }
    if (!run_now_ && SteadyClock::now() < next) continue;
    run_now_ = false;
    last_start = SteadyClock::now();
    const auto started = std::chrono::system_clock::now();

    lock.unlock();
    const auto result = check_.run(timing_.timeout);
    const double seconds = std::chrono::duration<double>(SteadyClock::now() - last_start).count();
    lock.lock();
    if (stopping_) return;
    lock.unlock();
    report_(result, started, seconds);
    lock.lock();

    planned_fast = fast_;
    next = std::max(last_start + next_delay(), SteadyClock::now());
  }
}

}  // namespace watchdog::core
