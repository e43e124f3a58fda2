#pragma once
// One worker thread per probe: runs the probe on its own schedule — interval ± jitter, or
// recheck_interval while the engine asks for fast re-checks — and reports every result.
//
// Isolation: each check runs on a short-lived thread of its own while the worker waits at most
// timeout + grace. A probe that breaks its promise and hangs is abandoned (reported as an
// Unknown/Timeout result) and its stuck thread is left to finish on its own; the worker does
// not start a second check of that probe until the first returns. No probe can delay another.
//
// Thread-safety: set_fast(), run_now() and stop() may be called from any thread.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <thread>

#include "config/config.h"
#include "probes/probe.h"

namespace watchdog::core {

// Runs one check on a thread of its own and waits at most timeout + kGrace (or until cancel()).
// A check that overstays is abandoned: its thread finishes on its own later, and until it has,
// run() refuses to start another check of the same probe (no pile-up of stuck threads).
class GuardedCheck {
 public:
  explicit GuardedCheck(std::shared_ptr<probes::Probe> probe);
  probes::ProbeResult run(std::chrono::milliseconds timeout);
  void cancel();  // makes a waiting run() return now

  static constexpr std::chrono::milliseconds kGrace{500};

 private:
  struct Shared;  // outlives this object while an abandoned check runs
  std::shared_ptr<probes::Probe> probe_;
  std::shared_ptr<Shared> shared_;
};

class ProbeWorker {
 public:
  // `started`: when the check began (wall clock); `seconds`: how long it took.
  using Report = std::function<void(const probes::ProbeResult& result,
                                    std::chrono::system_clock::time_point started, double seconds)>;

  ProbeWorker(std::shared_ptr<probes::Probe> probe, config::ProbeTiming timing, Report report,
              std::uint64_t seed);
  ~ProbeWorker();
  ProbeWorker(const ProbeWorker&) = delete;
  ProbeWorker& operator=(const ProbeWorker&) = delete;

  void start();
  void stop();               // returns promptly; an in-flight check is abandoned
  void set_fast(bool fast);  // re-check at recheck_interval instead of interval
  void run_now();            // check as soon as possible (e.g. to verify an action)

 private:
  void loop();
  std::chrono::milliseconds next_delay();

  GuardedCheck check_;
  config::ProbeTiming timing_;
  Report report_;
  std::mt19937_64 random_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool fast_ = false;
  bool run_now_ = false;
  std::thread thread_;
};

}  // namespace watchdog::core
