#include "watchdog/engine/probe_schedule.h"

#include <gtest/gtest.h>

#include <algorithm>
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

// The first time (in steps of 1 ms from `from`) at which `id` is dispatched.
Time due_time(ProbeSchedule& schedule, ProbeId id, Time from, Time until) {
  for (Time now = from; now <= until; now += 1ms) {
    auto ids = dispatched(schedule, now);
    if (std::find(ids.begin(), ids.end(), id) != ids.end()) return now;
  }
  ADD_FAILURE() << "never due";
  return until;
}

TEST(ProbeSchedule, FirstChecksSpreadOverTheJitter) {
  ProbeSchedule schedule;
  for (std::uint64_t seed = 1; seed <= 1000; ++seed) schedule.add(timing(10s, 1s), seed, t0);
  ASSERT_TRUE(schedule.next_wakeup().has_value());
  EXPECT_GE(*schedule.next_wakeup(), t0);
  const auto early = dispatched(schedule, t0 + 500ms).size();
  EXPECT_GT(early, 300u);  // uniform over [0, 1 s): about half
  EXPECT_LT(early, 700u);
  EXPECT_EQ(early + dispatched(schedule, t0 + 1s).size(), 1000u);
}

TEST(ProbeSchedule, NextCheckIsIntervalPlusMinusJitterAfterTheStart) {
  for (std::uint64_t seed = 1; seed <= 50; ++seed) {
    ProbeSchedule schedule;
    const auto id = schedule.add(timing(10s, 1s), seed, t0);
    check(schedule, id, t0 + 1s, t0 + 3s);  // the check itself took 2 s
    const Time next = due_time(schedule, id, t0 + 3s, t0 + 13s);
    EXPECT_GE(next, t0 + 1s + 9s);
    EXPECT_LE(next, t0 + 1s + 11s);
  }
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

// 10,000 probes at 10 s ± 1 s for 20 minutes, driven in 10 ms steps with 5 ms checks: every gap
// stays inside the jitter (plus one step), and the mean gap is the interval — no drift from
// check durations or from the number of probes.
TEST(ProbeSchedule, TenThousandProbesStayOnScheduleWithoutDrift) {
  ProbeSchedule schedule;
  constexpr int kProbes = 10000;
  std::unordered_map<ProbeId, Time> last_start;
  for (int n = 0; n < kProbes; ++n) schedule.add(timing(10s, 1s), n + 1, t0);
  std::vector<std::pair<ProbeId, Time>> running;
  double gap_sum = 0;
  long gaps = 0;
  std::chrono::milliseconds min_gap = 1h, max_gap = 0ms;
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
        min_gap = std::min(min_gap, gap);
        max_gap = std::max(max_gap, gap);
        gap_sum += std::chrono::duration<double>(gap).count();
        ++gaps;
      }
      last_start[due.id] = now;
    }
  }
  EXPECT_EQ(last_start.size(), static_cast<std::size_t>(kProbes));
  EXPECT_GE(min_gap, 9s);
  EXPECT_LE(max_gap, 11s + 10ms);
  const double mean = gap_sum / static_cast<double>(gaps);
  EXPECT_GT(mean, 9.98);
  EXPECT_LT(mean, 10.03);  // 10 ms steps add at most 5 ms on average
  EXPECT_GT(gaps, kProbes * 115L);
}

}  // namespace
}  // namespace watchdog::core
