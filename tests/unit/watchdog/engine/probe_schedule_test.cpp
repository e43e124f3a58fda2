#include "watchdog/engine/probe_schedule.h"

#include <gtest/gtest.h>

#include <algorithm>
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

// The first checks run at once (the state of everything is known within one check time);
// the second ones spread over [interval, interval + jitter) and keep that phase.
TEST(ProbeSchedule, FirstChecksRunAtOnceThenSpreadOverTheJitter) {
  ProbeSchedule schedule;
  std::vector<ProbeId> ids;
  for (std::uint64_t seed = 1; seed <= 1000; ++seed)
    ids.push_back(schedule.add(timing(10s, 1s), seed, t0));
  EXPECT_EQ(schedule.next_wakeup(), t0);
  auto first = dispatched(schedule, t0);
  ASSERT_EQ(first.size(), 1000u);
  for (ProbeId id : first) {
    schedule.started(id, t0);
    ASSERT_TRUE(schedule.finished(id, t0 + 5ms));
  }
  EXPECT_TRUE(dispatched(schedule, t0 + 10s - 1ms).empty());
  const auto early = dispatched(schedule, t0 + 10s + 500ms);
  EXPECT_GT(early.size(), 300u);  // uniform over [0, 1 s): about half
  EXPECT_LT(early.size(), 700u);
  EXPECT_EQ(early.size() + dispatched(schedule, t0 + 11s).size(), 1000u);
}

// After the second check the interval is exact, measured from when each check was due: a
// scheduler that wakes late or a check that starts late does not push the next one back.
TEST(ProbeSchedule, NextCheckIsDueExactlyOneIntervalAfterThePreviousWasDue) {
  ProbeSchedule schedule;
  const auto id = schedule.add(timing(10s, 0ms), 1, t0);
  check(schedule, id, t0 + 7ms, t0 + 2s);  // taken 7 ms late, took 2 s
  EXPECT_EQ(schedule.next_wakeup(), t0 + 10s);
  ASSERT_EQ(dispatched(schedule, t0 + 10s + 40ms), std::vector<ProbeId>{id});
  schedule.started(id, t0 + 10s + 900ms);  // queued behind other checks, then started
  ASSERT_TRUE(schedule.finished(id, t0 + 11s));
  EXPECT_EQ(schedule.next_wakeup(), t0 + 20s);
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
  EXPECT_EQ(schedule.next_wakeup(), start + 60s);
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
  // Planned as if it had returned now (due at once): a Skipped check, as the old worker did.
  ASSERT_EQ(work.due.size(), 1u);
  EXPECT_EQ(work.due[0].action, Action::Skipped);
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
  EXPECT_EQ(skipped, 8);  // every second after the first, 2.5 s … 9.5 s
  EXPECT_TRUE(schedule.checking(id));
  EXPECT_FALSE(schedule.finished(id, t0 + 10s + 50ms));  // its late result is not reported
  EXPECT_FALSE(schedule.checking(id));
  EXPECT_EQ(dispatched(schedule, t0 + 11s + 500ms), std::vector<ProbeId>{id});
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

// 10,000 probes at 10 s (jitter 1 s) for 20 minutes, driven in 10 ms steps with 5 ms checks:
// after each probe's first gap (interval + its phase) every gap is the interval, to the step —
// no drift from check durations, late wake-ups or the number of probes.
TEST(ProbeSchedule, TenThousandProbesStayOnScheduleWithoutDrift) {
  ProbeSchedule schedule;
  constexpr int kProbes = 10000;
  std::unordered_map<ProbeId, Time> last_start;
  std::unordered_map<ProbeId, int> gaps_of;
  for (int n = 0; n < kProbes; ++n) schedule.add(timing(10s, 1s), n + 1, t0);
  std::vector<std::pair<ProbeId, Time>> running;
  long gaps = 0;
  std::chrono::milliseconds first_min = 1h, first_max = 0ms, later_min = 1h, later_max = 0ms;
  for (Time now = t0; now < t0 + 20min; now += 10ms) {
    for (const auto& [id, start] : running) ASSERT_TRUE(schedule.finished(id, start + 5ms));
    running.clear();
    auto work = schedule.take(now);
    ASSERT_TRUE(work.overdue.empty());
    for (const auto& due : work.due) {
      ASSERT_EQ(due.action, Action::Dispatch);
      schedule.started(due.id, now);
      running.emplace_back(due.id, now);
      if (auto found = last_start.find(due.id); found != last_start.end()) {
        const auto gap = std::chrono::duration_cast<std::chrono::milliseconds>(now - found->second);
        auto [low, high] = gaps_of[due.id]++ == 0 ? std::tie(first_min, first_max)
                                                  : std::tie(later_min, later_max);
        low = std::min(low, gap);
        high = std::max(high, gap);
        ++gaps;
      }
      last_start[due.id] = now;
    }
  }
  EXPECT_EQ(last_start.size(), static_cast<std::size_t>(kProbes));
  EXPECT_GE(first_min, 10s);
  EXPECT_LE(first_max, 11s + 10ms);
  EXPECT_GE(later_min, 10s - 10ms);
  EXPECT_LE(later_max, 10s + 10ms);
  EXPECT_GE(gaps, kProbes * 118L);  // 1200 s / 10 s, less the phase of the second check
}

}  // namespace
}  // namespace watchdog::core
