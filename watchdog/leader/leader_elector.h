#pragma once
// LeaderElector: keeps trying to take or renew a LeaderLock on a thread of its own and answers
// is_leader() for the engine (actions and alerts only when true).
//
// Timing (lease L, renew interval R ≤ L / 2, margin M = L / 5):
// - every R the elector calls acquire_or_renew(min(R, L − M − R)); a follower told that the
//   holder's lease ends sooner (LockResult::retry_in) tries again at that moment, so a dead
//   holder is replaced within L of its last renewal;
// - a Held result started at time t makes this replica leader until t + L − M: the server's
//   lease (counted from when it ran the command, after t) outlives our belief by at least M.
//   is_leader() compares that instant with the clock itself, so leadership ends on time even
//   while the elector thread is stuck in a call;
// - NotHeld ends leadership at once; Unknown (server unreachable) keeps it until t + L − M.
// Hence two replicas may both act only when the lock's server loses its data (a restarted Redis
// without persistence), and then for at most L − M.
//
// Handover: every attempt publishes the record set by set_record() (the engine's open
// incidents); a record another holder published comes back through seen_record(), so a
// follower and the next leader continue that holder's incidents. fencing_token() is this
// tenure's, for the actions' environment.
//
// Without a lock (nullptr) the elector is always leader and runs no thread.
// Thread-safety: is_leader() and describe() from any thread; start()/stop() from one thread.
// on_change is called on the elector's thread (or inside start()/stop()), never concurrently.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "watchdog/leader/leader_lock.h"

namespace watchdog::core {

struct ElectorTiming {
  std::chrono::milliseconds lease{15000};
  std::chrono::milliseconds renew_interval{5000};
  std::chrono::milliseconds margin() const { return lease / 5; }
  // min(R, L − M − R): a renewal started R after a success ends before that success runs out.
  std::chrono::milliseconds attempt_timeout() const {
    return std::min(renew_interval, lease - margin() - renew_interval);
  }
  // "" when usable, else why not ("renew_interval 10s must be at most half the lease 15s").
  std::string problem() const;
};

class LeaderElector {
 public:
  // leader: the new value; reason: one safe-to-log line ("acquired", the lock's detail, "lease
  // expired locally: no renewal for 12s"). Exceptions thrown by it are swallowed.
  using OnChange = std::function<void(bool leader, const std::string& reason)>;

  // Throws std::invalid_argument when a lock is given and timing.problem() is not empty.
  LeaderElector(std::unique_ptr<LeaderLock> lock, ElectorTiming timing, OnChange on_change = {});
  ~LeaderElector();  // stop()
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // Makes the first attempt on the calling thread (bounded by the renew interval), so a lone
  // replica is leader when start() returns, then starts the thread. No-op without a lock.
  void start();
  // Stops the thread (waiting for a call in progress, at most about R), publishes the latest
  // record with one more renewal when it changed since the last one and this replica still
  // leads, and releases the lock if held; is_leader() is false afterwards (true forever without
  // a lock). Idempotent.
  void stop() noexcept;

  bool is_leader() const noexcept;
  // This tenure's fencing token while leader (0 otherwise, or when the lock keeps none).
  std::uint64_t fencing_token() const noexcept;

  // What every attempt from now on publishes as the leader record (≤ kMaxLeaderRecordBytes;
  // a longer one is not published and the previous stays).
  void set_record(std::string record);
  // The last record another holder published, as the last attempt that read one found it;
  // generation grows with each different text (0: none read yet).
  struct SeenRecord {
    std::uint64_t generation = 0;
    std::string text;
  };
  SeenRecord seen_record() const;
  // seen_record().generation without the lock or the copy (the engine asks every turn).
  std::uint64_t record_generation() const noexcept { return record_generation_.load(); }
  bool has_lock() const noexcept { return lock_ != nullptr; }
  // The lock's describe(), or "none".
  std::string describe() const;

 private:
  void run();
  void attempt();
  void notice(bool leader, const std::string& reason);  // calls on_change on a change
  bool locally_valid(std::chrono::steady_clock::time_point now) const noexcept;

  std::unique_ptr<LeaderLock> lock_;
  ElectorTiming timing_;
  OnChange on_change_;
  // Leader until this steady_clock instant (nanoseconds since its epoch); 0 = not leader.
  std::atomic<std::int64_t> valid_until_{0};
  std::atomic<std::uint64_t> fencing_token_{0};
  mutable std::mutex record_mutex_;  // guards the two below
  std::string to_publish_;
  SeenRecord seen_;
  std::atomic<std::uint64_t> record_generation_{0};
  // Elector thread only (or start()/stop() while it does not run):
  bool reported_ = false;    // the leadership last passed to on_change
  std::string last_detail_;  // of the last attempt, for the "expired locally" reason
  std::string published_;    // the record of the last Held attempt
  bool last_held_ = false;   // the last attempt's answer was Held
  std::chrono::steady_clock::time_point next_attempt_{};
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool started_ = false;
  std::thread thread_;
};

}  // namespace watchdog::core
