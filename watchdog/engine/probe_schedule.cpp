#include "watchdog/engine/probe_schedule.h"

#include <algorithm>

namespace watchdog::core {

ProbeId ProbeSchedule::add(const config::ProbeTiming& timing, std::uint64_t seed, SteadyTime now,
                           bool check_at_once) {
  const ProbeId id = next_id_++;
  Probe& probe = probes_[id];
  probe.timing = timing;
  probe.timing.interval = std::max(timing.interval, std::chrono::milliseconds(1));
  if (!epoch_) epoch_ = now;
  probe.origin = *epoch_ + phase(timing, probe.timing.interval, seed);
  probe.last_due = now;
  probe.last_taken = now;
  plan(id, probe, check_at_once ? now : grid_point_from(probe, now));
  return id;
}

void ProbeSchedule::remove(ProbeId id) { probes_.erase(id); }

void ProbeSchedule::set_fast(ProbeId id, bool fast) {
  auto found = probes_.find(id);
  if (found == probes_.end() || found->second.fast == fast) return;
  Probe& probe = found->second;
  probe.fast = fast;
  // A waiting probe is re-planned from its last check (a re-check from when it was taken, the
  // grid from when it was due), never later than planned already; one in flight is planned
  // with the new cadence when it returns.
  if (probe.phase == Phase::Waiting) {
    const auto planned = fast
                             ? probe.last_taken + probe.timing.recheck_interval
                             : grid_point_from(probe, probe.last_due + std::chrono::nanoseconds(1));
    plan(id, probe, std::min(probe.next_due, planned));
  }
}

void ProbeSchedule::run_now(ProbeId id, SteadyTime now) {
  auto found = probes_.find(id);
  if (found == probes_.end()) return;
  Probe& probe = found->second;
  if (probe.phase == Phase::Waiting) {
    plan(id, probe, std::min(probe.next_due, now));
  } else {
    probe.run_now = true;  // Abandoned included: the Skipped report comes at once
    if (probe.phase == Phase::Abandoned) plan(id, probe, std::min(probe.next_due, now));
  }
}

ProbeSchedule::Work ProbeSchedule::take(SteadyTime now) {
  Work work;
  while (!timers_.empty() && timers_.top().when <= now) {
    const Timer timer = timers_.top();
    timers_.pop();
    if (!current(timer)) continue;
    Probe& probe = probes_.at(timer.id);
    if (timer.guard) {
      work.overdue.push_back(timer.id);
      plan_after_check(timer.id, probe, now);
      probe.phase = Phase::Abandoned;
    } else {
      due(timer.id, probe, now, work.due);
    }
  }
  return work;
}

void ProbeSchedule::due(ProbeId id, Probe& probe, SteadyTime now, std::vector<Due>& out) {
  probe.run_now = false;
  probe.last_due = probe.next_due;
  probe.last_taken = now;
  if (probe.phase == Phase::Abandoned) {
    out.push_back({id, Action::Skipped});
    plan(id, probe, next_due_after_check(probe, now));
    return;
  }
  out.push_back({id, Action::Dispatch});
  probe.phase = Phase::Dispatched;
  ++probe.version;  // no timer while queued: the guard starts with started()
}

void ProbeSchedule::started(ProbeId id, SteadyTime now) {
  auto found = probes_.find(id);
  if (found == probes_.end()) return;
  Probe& probe = found->second;
  if (probe.phase != Phase::Dispatched && probe.phase != Phase::Running) return;
  probe.phase = Phase::Running;
  ++probe.version;
  timers_.push({now + probe.timing.timeout + kGrace, id, probe.version, true});
}

void ProbeSchedule::queued(ProbeId id) {
  auto found = probes_.find(id);
  if (found == probes_.end() || found->second.phase != Phase::Running) return;
  found->second.phase = Phase::Dispatched;
  ++found->second.version;  // cancels the guard
}

bool ProbeSchedule::finished(ProbeId id, SteadyTime now) {
  auto found = probes_.find(id);
  if (found == probes_.end()) return false;
  Probe& probe = found->second;
  if (probe.phase == Phase::Abandoned) {
    probe.phase = Phase::Waiting;  // keeps the due time it has
    if (probe.run_now) plan(id, probe, std::min(probe.next_due, now));
    return false;
  }
  if (probe.phase == Phase::Waiting) return false;  // not in flight
  plan_after_check(id, probe, now);
  return true;
}

std::optional<ProbeSchedule::SteadyTime> ProbeSchedule::next_wakeup() {
  drop_stale();
  if (timers_.empty()) return std::nullopt;
  return timers_.top().when;
}

bool ProbeSchedule::checking(ProbeId id) const {
  auto found = probes_.find(id);
  return found != probes_.end() && found->second.phase != Phase::Waiting;
}

ProbeSchedule::SteadyTime::duration ProbeSchedule::phase(const config::ProbeTiming& timing,
                                                         std::chrono::milliseconds interval,
                                                         std::uint64_t seed) {
  const auto window = std::chrono::duration_cast<SteadyTime::duration>(
      std::clamp(timing.jitter, std::chrono::milliseconds(0), interval));
  const auto slot = static_cast<int>(unit_random(seed) * kPhaseSlots);  // 0 … kPhaseSlots − 1
  return window * slot / kPhaseSlots;
}

double ProbeSchedule::unit_random(std::uint64_t seed) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL;  // one splitmix64 step
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  z ^= z >> 31;
  return static_cast<double>(z >> 11) * 0x1.0p-53;
}

ProbeSchedule::SteadyTime ProbeSchedule::grid_point_from(const Probe& probe, SteadyTime at) {
  if (at <= probe.origin) return probe.origin;
  const auto interval = std::chrono::duration_cast<SteadyTime::duration>(probe.timing.interval);
  const auto steps = (at - probe.origin + interval - SteadyTime::duration(1)) / interval;
  return probe.origin + steps * interval;
}

// Fast: recheck_interval after the previous check was taken (a re-check planned in the past —
// set_fast() long after the last check — must not be followed by another at once). Otherwise the
// grid point after it — at once if the check returned less than half an interval past it (a check
// that used its whole timeout, as long as the interval, must not halve the probe's rate), the next
// one to come if it returned later (a start queued behind an overloaded pool is not re-queued
// back-to-back). Never before `now` (the check returned then).
ProbeSchedule::SteadyTime ProbeSchedule::next_due_after_check(const Probe& probe, SteadyTime now) {
  if (probe.fast) return std::max(probe.last_taken + probe.timing.recheck_interval, now);
  const auto next = grid_point_from(probe, probe.last_due + std::chrono::nanoseconds(1));
  if (now <= next) return next;
  if (now - next < probe.timing.interval / 2) return now;
  return grid_point_from(probe, now);
}

void ProbeSchedule::plan(ProbeId id, Probe& probe, SteadyTime due) {
  probe.next_due = due;
  ++probe.version;
  timers_.push({due, id, probe.version, false});
}

void ProbeSchedule::plan_after_check(ProbeId id, Probe& probe, SteadyTime now) {
  probe.phase = Phase::Waiting;
  const bool again = probe.run_now;
  probe.run_now = false;
  plan(id, probe, again ? now : next_due_after_check(probe, now));
}

bool ProbeSchedule::current(const Timer& timer) const {
  auto found = probes_.find(timer.id);
  return found != probes_.end() && found->second.version == timer.version;
}

void ProbeSchedule::drop_stale() {
  while (!timers_.empty() && !current(timers_.top())) timers_.pop();
}

}  // namespace watchdog::core
