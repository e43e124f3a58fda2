#include "watchdog/engine/probe_worker.h"

#include <condition_variable>
#include <mutex>
#include <thread>

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
    probes::ProbeResult refused;
    refused.status = probes::ProbeStatus::Unknown;
    refused.failure = probes::FailureKind::Timeout;
    refused.detail = "previous check still running past its timeout; not started";
    return refused;
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

ProbeWorker::ProbeWorker(ProbeScheduler& scheduler, std::shared_ptr<probes::Probe> probe,
                         config::ProbeTiming timing, Report report, std::uint64_t seed)
    : scheduler_(scheduler),
      probe_(std::move(probe)),
      timing_(timing),
      report_(std::move(report)),
      seed_(seed) {}

ProbeWorker::~ProbeWorker() { stop(); }

void ProbeWorker::start(bool check_at_once) {
  if (id_ != 0) return;
  const ProbeId id = scheduler_.add(probe_, timing_, report_, seed_, check_at_once);
  if (fast_) scheduler_.set_fast(id, true);
  id_ = id;
}

void ProbeWorker::stop() {
  if (const ProbeId id = id_.exchange(0); id != 0) scheduler_.remove(id);
}

void ProbeWorker::set_fast(bool fast) {
  if (fast_.exchange(fast) == fast) return;
  if (const ProbeId id = id_; id != 0) scheduler_.set_fast(id, fast);
}

void ProbeWorker::run_now() {
  if (const ProbeId id = id_; id != 0) scheduler_.run_now(id);
}

}  // namespace watchdog::core
