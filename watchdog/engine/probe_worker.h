#pragma once
// ProbeWorker: the engine's handle on one probe's schedule in the shared ProbeScheduler (see
// probe_scheduler.h for the threads and the timeout guard). It keeps the interface of the
// former thread-per-probe worker — start / stop / set_fast / run_now and a Report per result
// with its wall-clock start and duration — but owns no thread.
//
// GuardedCheck: one check on a thread of its own with the same guard, for one-shot runs
// (`watchdog once`) that have no scheduler.
//
// Thread-safety: every method may be called from any thread.

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>

#include "config/config.h"
#include "probes/probe.h"
#include "watchdog/engine/probe_scheduler.h"

namespace watchdog::core {

// Runs one check on a thread of its own and waits at most timeout + kGrace (or until cancel()).
// A check that overstays is abandoned: its thread finishes on its own later, and until it has,
// run() refuses to start another check of the same probe (no pile-up of stuck threads).
class GuardedCheck {
 public:
  explicit GuardedCheck(std::shared_ptr<probes::Probe> probe);
  probes::ProbeResult run(std::chrono::milliseconds timeout);
  void cancel();  // makes a waiting run() return now

  static constexpr std::chrono::milliseconds kGrace = ProbeSchedule::kGrace;

 private:
  struct Shared;  // outlives this object while an abandoned check runs
  std::shared_ptr<probes::Probe> probe_;
  std::shared_ptr<Shared> shared_;
};

class ProbeWorker {
 public:
  using Report = ProbeScheduler::Report;

  // `scheduler` must outlive this worker.
  ProbeWorker(ProbeScheduler& scheduler, std::shared_ptr<probes::Probe> probe,
              config::ProbeTiming timing, Report report, std::uint64_t seed);
  ~ProbeWorker();
  ProbeWorker(const ProbeWorker&) = delete;
  ProbeWorker& operator=(const ProbeWorker&) = delete;

  void start(bool check_at_once = true);  // false: first check at its grid point (a reload)
  void stop();               // returns promptly, no report after it; a check in flight is dropped
  void set_fast(bool fast);  // re-check at recheck_interval instead of interval
  void run_now();            // check as soon as possible (e.g. to verify an action)

 private:
  ProbeScheduler& scheduler_;
  std::shared_ptr<probes::Probe> probe_;
  config::ProbeTiming timing_;
  Report report_;
  std::uint64_t seed_;
  std::atomic<bool> fast_{false};  // the engine sets it for every probe on every turn: cheap
  std::atomic<ProbeId> id_{0};     // 0 = not scheduled
};

}  // namespace watchdog::core
