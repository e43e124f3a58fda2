#include "watchdog/engine/probe_schedule.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <tuple>
#include <unordered_map>

namespace watchdog::core {
namespace {

using namespace std::chrono_literals;
using Time = ProbeSchedule::SteadyTime;
using Action = ProbeSchedule::Action;

config::ProbeTiming timing(std::chrono::milliseconds interval, std::chrono::milliseconds jitter,
                           std::chrono::milliseconds timeout = 1s) {
  config::ProbeTiming t;
  t.interval = interval;
  t.jitter = jitter;
  t.timeout = timeout;
  t.recheck_interval = 2s;
  return t;
}

const Time t0 = Time{} + 1000h;  // an arbitrary steady-clock origin

// The ids take() dispatches at `now` (Skipped ones excluded).
std::vector<ProbeId> dispatched(ProbeSchedule& schedule, Time now) {
  std::vector<ProbeId> ids;
  for (const auto& due : schedule.take(now).due) {
    if (due.action == Action::Dispatch) ids.push_back(due.id);
  }
  return ids;
}

// Runs one check of `id` from `start` to `end`; the probe must be due at `start`.
void check(ProbeSchedule& schedule, ProbeId id, Time start, Time end) {
  ASSERT_EQ(dispatched(schedule, start), std::vector<ProbeId>{id});
  schedule.started(id, start);
  ASSERT_TRUE(schedule.finished(id, end));
}

// Every first check runs at once (the state of everything is known within one check time);
// after that the probes' grid points fall on kPhaseSlots instants spread evenly over the phase
// window (the whole interval by default), each shared by about N / kPhaseSlots probes: one
// wake-up of the scheduler serves a whole batch.
TEST(ProbeSchedule, FirstChecksRunAtOnceThenInBatchesOnEvenlySpreadSlots) {
  ProbeSchedule schedule;
  for (std::uint64_t seed = 1; seed <= 1000; ++seed) schedule.add(timing(10s, 10s), seed, t0);
  EXPECT_EQ(schedule.next_wakeup(), t0);
  auto first = dispatched(schedule, t0);
  ASSERT_EQ(first.size(), 1000u);
  for (ProbeId id : first) {
    schedule.started(id, t0);
    ASSERT_TRUE(schedule.finished(id, t0 + 1ms));
  }
  // Slot k is due at t0 + k · 500 ms; slot 0's point (t0) passed during the first check, so its
  // probes wait one more interval (t0 + 10 s).
  std::map<Time, std::size_t> batches;
  for (Time now = t0 + 1ms; now <= t0 + 10s + 1ms; now += 1ms) {
    if (const auto size = dispatched(schedule, now).size()) batches[now] = size;
  }
  ASSERT_EQ(batches.size(), static_cast<std::size_t>(ProbeSchedule::kPhaseSlots));
  const auto slot = std::chrono::milliseconds(10s) / ProbeSchedule::kPhaseSlots;
  std::size_t total = 0;
  int k = 1;
  for (const auto& [at, size] : batches) {
    EXPECT_EQ(at, t0 + (k == ProbeSchedule::kPhaseSlots ? 10s : k * slot)) << "slot " << k;
    EXPECT_GT(size, 20u) << "slot " << k;  // about 50 each
    EXPECT_LT(size, 90u) << "slot " << k;
    total += size;
    ++k;
  }
  EXPECT_EQ(total, 1000u);
}

// A probe added later (a reload) lands on the same slots as those added first: the epoch is
// shared, so batches stay batches.
TEST(ProbeSchedule, ProbesAddedLaterShareTheSlotsOfTheFirst) {
  ProbeSchedule schedule;
  schedule.add(timing(10s, 10s), 1, t0, /*check_at_once=*/false);
  const auto late = t0 + 3s + 123ms;
  for (std::uint64_t seed = 2; seed <= 50; ++seed) {
    schedule.add(timing(10s, 10s), seed, late, /*check_at_once=*/false);
  }
  const auto slot = std::chrono::milliseconds(10s) / ProbeSchedule::kPhaseSlots;
  std::size_t total = 0;
  while (total < 50) {
    const auto when = schedule.next_wakeup();
    ASSERT_TRUE(when.has_value());
    EXPECT_EQ((*when - t0) % slot, Time::duration::zero());
    const auto size = dispatched(schedule, *when).size();
    ASSERT_GT(size, 0u);
    total += size;
  }
  EXPECT_EQ(total, 50u);
}

// A probe carried over by a reload skips the check at once: its first is its first grid point.
TEST(ProbeSchedule, WithoutTheCheckAtOnceTheFirstIsAGridPoint) {
  ProbeSchedule schedule;
  const auto id = schedule.add(timing(10s, 10s), 7, t0, /*check_at_once=*/false);
  const auto first = schedule.next_wakeup();
  ASSERT_TRUE(first.has_value());
  EXPECT_GE(*first, t0);
  EXPECT_LT(*first, t0 + 10s);
  ASSERT_EQ(dispatched(schedule, *first), std::vector<ProbeId>{id});
  schedule.started(id, *first);
  ASSERT_TRUE(schedule.finished(id, *first + 5ms));
  EXPECT_EQ(schedule.next_wakeup(), *first + 10s);
}

// Checks are due on grid points, not counted from their start: a scheduler that wakes late or a
// check that starts late does not push the next one back.
TEST(ProbeSchedule, NextCheckIsTheNextGridPointWhateverTheStart) {
  ProbeSchedule schedule;
  const auto id = schedule.add(timing(10s, 0ms), 1, t0);
  check(schedule, id, t0 + 7ms, t0 + 2s);  // taken 7 ms late, took 2 s
  EXPECT_EQ(schedule.next_wakeup(), t0 + 10s);
  ASSERT_EQ(dispatched(schedule, t0 + 10s + 40ms), std::vector<ProbeId>{id});
  schedule.started(id, t0 + 10s + 900ms);  // queued behind other checks, then started
  ASSERT_TRUE(schedule.finished(id, t0 + 11s));
  EXPECT_EQ(schedule.next_wakeup(), t0 + 20s);
}

// A check that comes back long after its next grid point waits for the following one: a probe
// queued behind an overloaded pool is not re-queued back-to-back. One that used a timeout as long
// as the interval and missed the grid point by a little runs again at once.
TEST(ProbeSchedule, ACheckReturningLongPastItsNextGridPointSkipsIt) {
  ProbeSchedule schedule;
  const auto id = schedule.add(timing(1s, 0ms, 1s), 1, t0);
  ASSERT_EQ(dispatched(schedule, t0).size(), 1u);
  schedule.started(id, t0 + 2s + 500ms);  // waited 2.5 s for a pool thread
  ASSERT_TRUE(schedule.finished(id, t0 + 2s + 600ms));
  EXPECT_EQ(schedule.next_wakeup(), t0 + 3s);
  ASSERT_EQ(dispatched(schedule, t0 + 3s).size(), 1u);
  schedule.started(id, t0 + 3s);
  ASSERT_TRUE(schedule.finished(id, t0 + 4s + 20ms));  // the whole 1 s timeout, and a little
  EXPECT_EQ(schedule.next_wakeup(), t0 + 4s + 20ms);
}

// run_now() and fast re-checks are extra checks: the grid stays where it was.
TEST(ProbeSchedule, ExtraChecksDoNotMoveTheGrid) {
  ProbeSchedule schedule;
  const auto id = schedule.add(timing(10s, 0ms), 1, t0);
  check(schedule, id, t0, t0 + 10ms);
  schedule.run_now(id, t0 + 3s);
  check(schedule, id, t0 + 3s, t0 + 3s + 10ms);
  EXPECT_EQ(schedule.next_wakeup(), t0 + 10s);
  check(schedule, id, t0 + 10s, t0 + 10s + 10ms);
  schedule.set_fast(id, true);
  EXPECT_EQ(schedule.next_wakeup(), t0 + 12s);
  check(schedule, id, t0 + 12s, t0 + 12s + 10ms);
  check(schedule, id, t0 + 14s, t0 + 14s + 10ms);
  schedule.set_fast(id, false);  // the recheck planned at 16 s stays (never later) …
  check(schedule, id, t0 + 16s, t0 + 16s + 10ms);
  EXPECT_EQ(schedule.next_wakeup(), t0 + 20s);  // … then the grid
}

TEST(ProbeSchedule, ASlowCheckIsFollowedAtOnceNotEarlier) {
  ProbeSchedule schedule;
  const auto id = schedule.add(timing(1s, 0ms, 5s), 1, t0);
  check(schedule, id, t0, t0 + 3s);
  EXPECT_EQ(schedule.next_wakeup(), t0 + 3s);
}

TEST(ProbeSchedule, RecheckCadenceWhileFast) {
  ProbeSchedule schedule;
  const auto id = schedule.add(timing(60s, 0ms), 1, t0);
  check(schedule, id, t0, t0 + 100ms);
  schedule.set_fast(id, true);  // re-planned from the last start
  EXPECT_EQ(schedule.next_wakeup(), t0 + 2s);
  Time start = t0 + 2s;
  for (int n = 0; n < 5; ++n, start += 2s) check(schedule, id, start, start + 10ms);
  schedule.set_fast(id, false);  // back to the interval, never later than already planned
  EXPECT_EQ(schedule.next_wakeup(), start);
  check(schedule, id, start, start + 10ms);
  EXPECT_EQ(schedule.next_wakeup(), t0 + 60s);  // the grid point, not 60 s after the recheck
}

// Fast re-checks count from when the previous check was taken: a probe switched to fast long
// after its last check is checked at once, and then recheck_interval later — never twice in a
// row (an action's verification needs failure_threshold results that far apart).
TEST(ProbeSchedule, FastAfterALongPauseChecksOnceThenKeepsTheRecheckInterval) {
  ProbeSchedule schedule;
  const auto id = schedule.add(timing(60s, 0ms), 1, t0);
  check(schedule, id, t0, t0 + 10ms);
  schedule.set_fast(id, true);  // from the last check: t0 + 2 s, passed long ago at t0 + 30 s
  check(schedule, id, t0 + 30s, t0 + 30s + 5ms);
  EXPECT_EQ(schedule.next_wakeup(), t0 + 32s);
}

TEST(ProbeSchedule, RunNowWhileWaitingAndWhileInFlight) {
  ProbeSchedule schedule;
  const auto id = schedule.add(timing(60s, 0ms), 1, t0);
  check(schedule, id, t0, t0 + 1s);
  schedule.run_now(id, t0 + 5s);
  EXPECT_EQ(schedule.next_wakeup(), t0 + 5s);
  ASSERT_EQ(dispatched(schedule, t0 + 5s).size(), 1u);
  schedule.started(id, t0 + 5s);
  schedule.run_now(id, t0 + 6s);  // in flight: due as soon as it returns
  EXPECT_TRUE(schedule.finished(id, t0 + 7s));
  EXPECT_EQ(schedule.next_wakeup(), t0 + 7s);
}

TEST(ProbeSchedule, NeverTwoChecksOfOneProbeInFlight) {
  ProbeSchedule schedule;
  const auto id = schedule.add(timing(1s, 0ms, 10s), 1, t0);
  ASSERT_EQ(dispatched(schedule, t0).size(), 1u);
  // Queued behind a busy pool: no guard yet, and never dispatched again.
  for (Time now = t0; now < t0 + 60s; now += 100ms) {
    auto work = schedule.take(now);
    EXPECT_TRUE(work.due.empty());
    EXPECT_TRUE(work.overdue.empty());
  }
  schedule.started(id, t0 + 60s);
  for (Time now = t0 + 60s; now < t0 + 70s + ProbeSchedule::kGrace; now += 100ms) {
    schedule.run_now(id, now);
    EXPECT_TRUE(schedule.take(now).due.empty());
  }
  EXPECT_TRUE(schedule.checking(id));
  EXPECT_TRUE(schedule.finished(id, t0 + 70s + 400ms));
  EXPECT_EQ(dispatched(schedule, t0 + 70s + 400ms).size(), 1u);  // the run_now asked for
}

TEST(ProbeSchedule, AnAbandonedCheckIsReportedOnceAndNeverDoubled) {
  ProbeSchedule schedule;
  const auto id = schedule.add(timing(1s, 0ms, 1s), 1, t0);
  ASSERT_EQ(dispatched(schedule, t0).size(), 1u);
  schedule.started(id, t0);
  EXPECT_TRUE(schedule.take(t0 + 1499ms).overdue.empty());
  auto work = schedule.take(t0 + 1500ms);  // timeout + grace
  EXPECT_EQ(work.overdue, std::vector<ProbeId>{id});
  EXPECT_TRUE(work.due.empty());  // planned as if it had returned now: the next grid point, 2 s
  // Still stuck: each due time gives a Skipped check, never a second real one.
  int skipped = 0;
  for (Time now = t0 + 1500ms; now <= t0 + 10s; now += 100ms) {
    work = schedule.take(now);
    EXPECT_TRUE(work.overdue.empty());
    for (const auto& due : work.due) {
      EXPECT_EQ(due.action, Action::Skipped);
      ++skipped;
    }
  }
  EXPECT_EQ(skipped, 9);  // every grid point, 2 s … 10 s
  EXPECT_TRUE(schedule.checking(id));
  EXPECT_FALSE(schedule.finished(id, t0 + 10s + 50ms));  // its late result is not reported
  EXPECT_FALSE(schedule.checking(id));
  EXPECT_EQ(dispatched(schedule, t0 + 11s), std::vector<ProbeId>{id});
}

TEST(ProbeSchedule, RemovedProbesAreForgotten) {
  ProbeSchedule schedule;
  const auto id = schedule.add(timing(1s, 0ms), 1, t0);
  const auto other = schedule.add(timing(1s, 0ms), 2, t0);
  ASSERT_EQ(dispatched(schedule, t0).size(), 2u);
  schedule.started(id, t0);
  schedule.remove(id);
  EXPECT_FALSE(schedule.finished(id, t0 + 10ms));
  EXPECT_TRUE(schedule.finished(other, t0 + 10ms));
  EXPECT_EQ(dispatched(schedule, t0 + 1s), std::vector<ProbeId>{other});
  EXPECT_EQ(schedule.size(), 1u);
}

// 10,000 probes at 10 s (the phase over the whole interval) for 20 minutes, driven in 10 ms
// steps with 5 ms checks: after each probe's first check (at once) and its first grid point,
// every gap is the interval, to the step — no drift from check durations, late wake-ups or the
// number of probes — and the checks come in kPhaseSlots even batches per interval.
TEST(ProbeSchedule, TenThousandProbesStayOnScheduleWithoutDrift) {
  ProbeSchedule schedule;
  constexpr int kProbes = 10000;
  std::unordered_map<ProbeId, Time> last_start;
  std::unordered_map<ProbeId, int> gaps_of;
  for (int n = 0; n < kProbes; ++n) schedule.add(timing(10s, 10s), n + 1, t0);
  std::vector<std::pair<ProbeId, Time>> running;
  long gaps = 0;
  std::size_t busiest_step = 0;
  long busy_steps = 0;
  std::chrono::milliseconds later_min = 1h, later_max = 0ms;
  for (Time now = t0; now < t0 + 20min; now += 10ms) {
    for (const auto& [id, start] : running) ASSERT_TRUE(schedule.finished(id, start + 5ms));
    running.clear();
    auto work = schedule.take(now);
    ASSERT_TRUE(work.overdue.empty());
    if (now > t0) busiest_step = std::max(busiest_step, work.due.size());
    if (now > t0 && !work.due.empty()) ++busy_steps;
    for (const auto& due : work.due) {
      ASSERT_EQ(due.action, Action::Dispatch);
      schedule.started(due.id, now);
      running.emplace_back(due.id, now);
      if (auto found = last_start.find(due.id); found != last_start.end()) {
        const auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(now - found->second);
        if (gaps_of[due.id]++ > 0) {  // the first gap: from the check at once to the grid
          later_min = std::min(later_min, gap);
          later_max = std::max(later_max, gap);
        } else {
          EXPECT_LE(gap, 10s + 10ms);
        }
        ++gaps;
      }
      last_start[due.id] = now;
    }
  }
  EXPECT_EQ(last_start.size(), static_cast<std::size_t>(kProbes));
  EXPECT_GE(later_min, 10s - 10ms);
  EXPECT_LE(later_max, 10s + 10ms);
  EXPECT_GE(gaps, kProbes * 119L);  // 1200 s / 10 s, plus the check at once, less the last
  // 500 per batch on average; 20 batches per interval (121 intervals with the first's shift).
  EXPECT_LT(busiest_step, 2u * kProbes / ProbeSchedule::kPhaseSlots);
  EXPECT_LE(busy_steps, 121L * ProbeSchedule::kPhaseSlots);
}

}  // namespace
}  // namespace watchdog::core
