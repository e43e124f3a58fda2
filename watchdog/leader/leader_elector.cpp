#include "watchdog/leader/leader_elector.h"

#include <stdexcept>

#include "config/leader_settings.h"
#include "config/units.h"
#include "watchdog/thread_name.h"

namespace watchdog::core {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// A follower's early retry never comes sooner than this (a holder whose lease ends "now").
constexpr milliseconds kMinRetry{20};

std::int64_t ticks(Clock::time_point at) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count();
}

Clock::time_point from_ticks(std::int64_t value) {
  return Clock::time_point(
      std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(value)));
}

}  // namespace

std::string ElectorTiming::problem() const {
  return config::leader_timing_problem(lease, renew_interval);
}

LeaderElector::LeaderElector(std::unique_ptr<LeaderLock> lock, ElectorTiming timing,
                             OnChange on_change)
    : lock_(std::move(lock)), timing_(timing), on_change_(std::move(on_change)) {
  if (lock_) {
    if (auto problem = timing_.problem(); !problem.empty()) throw std::invalid_argument(problem);
  }
}

LeaderElector::~LeaderElector() { stop(); }

void LeaderElector::start() {
  if (!lock_ || started_) return;
  started_ = true;
  attempt();
  thread_ = std::thread([this] {
    name_this_thread("wd-leader");
    run();
  });
}

void LeaderElector::stop() noexcept {
  {
    std::lock_guard guard(mutex_);
    if (!started_ || stopping_) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  // Still leading, with a record newer than the last one published (the engine's final one,
  // set as it stopped): one more renewal publishes it, so the next leader reads this replica's
  // last word and not the state of up to a renew interval ago.
  // Only after a Held renewal: when the server stopped answering, a final call would only add
  // its timeout to the stop (and could extend a lease the release may then fail to end).
  if (last_held_ && locally_valid(Clock::now())) {
    std::string record;
    {
      std::lock_guard guard(record_mutex_);
      record = to_publish_;
    }
    if (record != published_) lock_->acquire_or_renew(timing_.attempt_timeout(), record);
  }
  lock_->release(timing_.attempt_timeout());  // the lock checks ownership itself
  valid_until_ = 0;
  notice(false, "stopped, lock released");
}

bool LeaderElector::is_leader() const noexcept {
  return lock_ == nullptr || locally_valid(Clock::now());
}

std::uint64_t LeaderElector::fencing_token() const noexcept {
  return is_leader() ? fencing_token_.load() : 0;
}

void LeaderElector::set_record(std::string record) {
  if (record.size() > kMaxLeaderRecordBytes) return;
  std::lock_guard guard(record_mutex_);
  to_publish_ = std::move(record);
}

LeaderElector::SeenRecord LeaderElector::seen_record() const {
  std::lock_guard guard(record_mutex_);
  return seen_;
}

std::string LeaderElector::describe() const { return lock_ ? lock_->describe() : "none"; }

bool LeaderElector::locally_valid(Clock::time_point now) const noexcept {
  return ticks(now) < valid_until_.load();
}

void LeaderElector::run() {
  std::unique_lock guard(mutex_);
  while (!stopping_) {
    auto wake_at = next_attempt_;
    if (reported_) wake_at = std::min(wake_at, from_ticks(valid_until_.load()));
    wake_.wait_until(guard, wake_at, [this] { return stopping_; });
    if (stopping_) break;
    const auto now = Clock::now();
    guard.unlock();
    if (reported_ && !locally_valid(now)) {
      valid_until_ = 0;
      notice(false, "lease expired locally: no successful renewal for " +
                        config::format_duration(timing_.lease - timing_.margin()) + " (" +
                        last_detail_ + ")");
    }
    if (now >= next_attempt_) attempt();
    guard.lock();
  }
}

void LeaderElector::attempt() {
  const auto start = Clock::now();
  std::string record;
  {
    std::lock_guard guard(record_mutex_);
    record = to_publish_;
  }
  const LockResult result = lock_->acquire_or_renew(timing_.attempt_timeout(), record);
  last_detail_ = result.detail;
  // Before leadership changes hands below: a new leader's engine must find the previous
  // holder's record when it first sees itself leader.
  if (result.record && !result.record->empty()) {
    std::lock_guard guard(record_mutex_);
    if (*result.record != seen_.text) {
      seen_.text = *result.record;
      record_generation_ = ++seen_.generation;
    }
  }
  next_attempt_ = start + timing_.renew_interval;
  switch (result.status) {
    case LockStatus::Held:
      published_ = record;
      last_held_ = true;
      fencing_token_ = result.fencing_token;
      valid_until_ = ticks(start + timing_.lease - timing_.margin());
      notice(true, result.detail);
      break;
    case LockStatus::NotHeld:
      last_held_ = false;
      valid_until_ = 0;
      notice(false, result.detail);
      if (result.retry_in.count() > 0) {
        next_attempt_ =
            std::min(next_attempt_, Clock::now() + std::max(result.retry_in, kMinRetry));
      }
      break;
    case LockStatus::Unknown:  // keep what we had until it runs out locally (run() reports that)
      last_held_ = false;
      if (!locally_valid(Clock::now())) {
        valid_until_ = 0;
        notice(false, result.detail);
      }
      break;
  }
}

void LeaderElector::notice(bool leader, const std::string& reason) {
  if (leader == reported_) return;
  reported_ = leader;
  if (!on_change_) return;
  try {
    on_change_(leader, reason);
  } catch (...) {  // a logging callback must not take the elector down
  }
}

}  // namespace watchdog::core
