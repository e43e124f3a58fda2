#pragma once
// Runs every probe of the engine on a fixed set of threads, whatever the number of probes:
//
//   scheduler thread ── ProbeSchedule (due times, guards) ──▶ dispatch
//        ▲                                                   ├─▶ AsyncLoop: ONE thread for
//        │ started / finished (inbox)                        │   http and numeric-host tcp
//        └───────────────────────────────────────────────────└─▶ CheckPool: max_blocking_checks
//                                                                threads for everything else
//
// A check is offered to the event loop first; a probe that declines (its check blocks) goes to
// the pool, then and from then on. Reports (the engine's callbacks) run on the scheduler thread
// and must be quick (the engine only queues them).
//
// Guard (isolation, as before): a check not returned by start + timeout + 0.5 s is reported
// Unknown/Timeout "check did not return within its timeout; abandoned"; a pool check's thread is
// then replaced so capacity is kept, and until the stuck check returns each due time reports
// "previous check still running past its timeout; not started" instead of a second check.
//
// Thread-safety: every method may be called from any thread.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>

#include "config/config.h"
#include "probes/probe.h"
#include "watchdog/engine/async_loop.h"
#include "watchdog/engine/check_pool.h"
#include "watchdog/engine/probe_schedule.h"

namespace watchdog::core {

class ProbeScheduler {
 public:
  // `started`: when the check began (wall clock); `seconds`: how long it took.
  using Report = std::function<void(const probes::ProbeResult& result,
                                    std::chrono::system_clock::time_point started, double seconds)>;

  explicit ProbeScheduler(std::size_t max_blocking_checks);
  ~ProbeScheduler();  // no report after it returns; hung checks are left to finish on their own
  ProbeScheduler(const ProbeScheduler&) = delete;
  ProbeScheduler& operator=(const ProbeScheduler&) = delete;

  void set_max_blocking_checks(std::size_t max_blocking_checks);

  // `check_at_once`: the first check now rather than at the probe's first grid point
  // (ProbeSchedule::add).
  ProbeId add(std::shared_ptr<probes::Probe> probe, const config::ProbeTiming& timing,
              Report report, std::uint64_t seed, bool check_at_once = true);
  // Forgets the probe. Once it returns no report of it runs (unless called from that report).
  void remove(ProbeId id);
  void set_fast(ProbeId id, bool fast);  // recheck_interval instead of interval
  void run_now(ProbeId id);              // check as soon as possible (verify an action)

  std::size_t pool_threads() const { return pool_.threads(); }

 private:
  struct Core;  // shared with callbacks that may outlive the scheduler (hung pool checks)

  void run();
  void dispatch(ProbeId id, std::shared_ptr<probes::Probe> probe, std::chrono::milliseconds timeout,
                bool blocking);
  void run_on_pool(ProbeId id, std::shared_ptr<probes::Probe> probe,
                   std::chrono::milliseconds timeout);

  std::shared_ptr<Core> core_;
  CheckPool pool_;
  AsyncLoop loop_;
  std::thread thread_;
};

}  // namespace watchdog::core
