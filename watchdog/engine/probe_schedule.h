#pragma once
// When each probe's next check is due — pure: no threads, no clock reads (`now` is passed in),
// randomness from a per-probe seed, so every rule is tested exactly with an injected clock.
//
// Rules:
//  - every probe has a grid: origin + k · interval, origin = the schedule's epoch (its first
//    add()) + a fixed phase from the probe's seed: one of kPhaseSlots slots spread evenly over
//    [0, jitter) (jitter defaults to the whole interval). Probes that share a slot and an interval
//    are due at the very same instants, so one wake-up of the scheduler, the event loop and the
//    engine serves all of them: a wake-up of three threads costs more than an HTTP check, and
//    checks spread one by one over the interval cost ~4× what the same checks cost in batches.
//    10,000 probes at 10 s make 20 batches of ~500 (a twentieth of the probes at once), 100 make
//    20 batches of ~5. The epoch is shared, so a probe carried over a reload keeps its grid.
//    Normal checks are due on grid points
//    only, so nothing drifts: a late wake-up or a start queued behind a busy pool does not push
//    the next one back. A check that returns after its next grid point runs again at once if it
//    missed it by less than half an interval (a timeout as long as the interval does not halve
//    the rate), else at the following one (an overloaded pool is not fed back-to-back);
//  - extra checks never move the grid: the first check at start-up (`check_at_once`: every
//    component's state is known within one check time; a probe carried over by a reload skips
//    it and keeps to its grid), run_now(), and fast re-checks — recheck_interval after the
//    previous check was taken, while the engine asks for them (a threshold undecided, an action
//    being verified);
//  - set_fast() re-plans a waiting probe (earlier only); run_now() makes it due now, or right
//    after the check in flight returns;
//  - one check per probe in flight: a probe is not due again until its check has returned;
//  - a check running past start + timeout + kGrace is overdue: take() hands it out once as overdue
//    (the caller reports it abandoned, Unknown/Timeout) and the probe is planned as if it had
//    returned. While that abandoned check still runs, each due time yields a Skipped check
//    (reported "previous check still running…") instead of a second check, so thresholds keep
//    counting. Its late return is swallowed (finished() → false).
//
// Cost: a binary heap of due times with lazy deletion (a re-plan pushes a new entry and bumps
// the probe's version); O(log n) per check, independent of how many probes there are.

#include <chrono>
#include <cstdint>
#include <optional>
#include <queue>
#include <unordered_map>
#include <vector>

#include "config/config.h"

namespace watchdog::core {

using ProbeId = std::uint64_t;  // handed out by add(), never reused

class ProbeSchedule {
 public:
  using SteadyTime = std::chrono::steady_clock::time_point;
  static constexpr std::chrono::milliseconds kGrace{500};  // past the probe's own timeout
  static constexpr int kPhaseSlots = 20;                   // distinct phases per jitter window

  enum class Action { Dispatch, Skipped };
  struct Due {
    ProbeId id;
    Action action;
  };

  ProbeId add(const config::ProbeTiming& timing, std::uint64_t seed, SteadyTime now,
              bool check_at_once = true);
  void remove(ProbeId id);  // forgets it; a check in flight returns unseen
  void set_fast(ProbeId id, bool fast);
  void run_now(ProbeId id, SteadyTime now);

  struct Work {
    std::vector<ProbeId> overdue;  // past their guard: report abandoned (each id once)
    std::vector<Due> due;          // earliest first
  };
  // Everything that came due by `now`. Dispatched probes are in flight (queued until
  // started()); Skipped ones and overdue ones are planned again from `now`.
  Work take(SteadyTime now);
  // The check began (on the event loop, or when a pool thread picked it up): the timeout
  // guard and the next due time count from here.
  void started(ProbeId id, SteadyTime now);
  // The check went back to a queue (the event loop handed it to the pool): no guard until
  // started() again.
  void queued(ProbeId id);
  // The check returned at `now`. false: report nothing (it was abandoned, or removed).
  bool finished(ProbeId id, SteadyTime now);
  // The earliest due time or guard; nullopt when there is nothing to wait for.
  std::optional<SteadyTime> next_wakeup();
  bool checking(ProbeId id) const;  // a check of it has not returned yet (abandoned included)
  std::size_t size() const { return probes_.size(); }

 private:
  enum class Phase { Waiting, Dispatched, Running, Abandoned };
  struct Probe {
    config::ProbeTiming timing;
    SteadyTime origin;  // a grid point: added + phase
    Phase phase = Phase::Waiting;
    bool fast = false;
    bool run_now = false;   // asked for while in flight
    SteadyTime last_due;    // when the latest check was due: the grid counts from it
    SteadyTime last_taken;  // when it was taken: fast re-checks count from it (never crowded)
    SteadyTime next_due;    // Waiting and Abandoned
    std::uint64_t version = 0;
  };
  struct Timer {
    SteadyTime when;
    ProbeId id;
    std::uint64_t version;  // stale when the probe's version moved on
    bool guard;             // a timeout guard (Running), else a due time
    bool operator>(const Timer& other) const { return when > other.when; }
  };

  // The probe's offset from the epoch: its slot of the jitter window.
  static SteadyTime::duration phase(const config::ProbeTiming& timing,
                                    std::chrono::milliseconds interval, std::uint64_t seed);
  static double unit_random(std::uint64_t seed);                         // uniform in [0, 1)
  static SteadyTime grid_point_from(const Probe& probe, SteadyTime at);  // the first ≥ at
  static SteadyTime next_due_after_check(const Probe& probe, SteadyTime now);
  void plan(ProbeId id, Probe& probe, SteadyTime due);
  void plan_after_check(ProbeId id, Probe& probe, SteadyTime now);
  bool current(const Timer& timer) const;
  void drop_stale();
  void due(ProbeId id, Probe& probe, SteadyTime now, std::vector<Due>& out);

  std::unordered_map<ProbeId, Probe> probes_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<>> timers_;
  ProbeId next_id_ = 1;
  std::optional<SteadyTime> epoch_;  // the first add()'s now: every grid counts from it
};

}  // namespace watchdog::core
