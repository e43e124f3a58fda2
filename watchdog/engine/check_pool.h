#pragma once
// The bounded pool for blocking checks (postgres, redis, command, disk, docker, kubernetes …):
// at most `max_threads` jobs run at once, each on a pool thread; the rest wait in FIFO order.
// Threads are started on demand and then kept (no churn at every interval).
//
// A job whose check hangs past its guard is abandoned by the scheduler: abandon(key) stops
// counting its thread against the limit, so a replacement may start and capacity is kept; the
// abandoned thread leaves once its job returns. Threads = max_threads + abandoned checks still
// stuck (at most one per probe), never one per probe or per check.
//
// Threads are detached and share the pool's state, so the destructor returns at once even when
// a check hangs; idle threads leave, busy ones after their job (queued jobs are dropped).
//
// Thread-safety: every method may be called from any thread.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>

namespace watchdog::core {

class CheckPool {
 public:
  explicit CheckPool(std::size_t max_threads);
  ~CheckPool();
  CheckPool(const CheckPool&) = delete;
  CheckPool& operator=(const CheckPool&) = delete;

  void set_max_threads(std::size_t max_threads);  // ≥ 1; extra idle threads leave
  // Runs `job` on a pool thread; `key` names it for abandon() (unique among queued/running).
  void submit(std::uint64_t key, std::function<void()> job);
  // The running job `key` overstayed: its thread leaves the count (no-op when not running).
  void abandon(std::uint64_t key);
  // The probe `key` is gone (a reload removed it): its queued job is dropped and a running one
  // abandoned, so a hung check of a removed probe does not hold a counted thread.
  void forget(std::uint64_t key);

  std::size_t threads() const;    // alive, abandoned ones included
  std::size_t abandoned() const;  // threads still inside an abandoned job

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace watchdog::core
