#include "watchdog/engine/flapping.h"

#include <algorithm>

namespace watchdog::core {
namespace {

void forget_old(FlapTrack& track, const FlapPolicy& policy, TimePoint now) {
  std::erase_if(track.changes,
                [&](const FlapTrack::Change& c) { return c.at <= now - policy.window; });
}

FlapEdge judge(FlapTrack& track, const FlapPolicy& policy, TimePoint now) {
  const bool was = track.flapping;
  track.flapping = judge_flapping(was, static_cast<int>(track.changes.size()), policy);
  if (track.flapping == was) return FlapEdge::None;
  if (!track.flapping) return FlapEdge::Stopped;
  track.since = now;
  track.worst = State::Healthy;
  for (const auto& change : track.changes) {
    if (severity(change.to) > severity(track.worst)) track.worst = change.to;
  }
  return FlapEdge::Started;
}

}  // namespace

HealthClass health_class(State state) {
  switch (state) {
    case State::Healthy:
      return HealthClass::Ok;
    case State::Degraded:
      return HealthClass::Warn;
    default:
      return HealthClass::Bad;
  }
}

bool judge_flapping(bool flapping, int changes_in_window, const FlapPolicy& policy) {
  if (policy.start <= 0) return false;
  if (!flapping) return changes_in_window >= policy.start;
  return changes_in_window > policy.stop;
}

FlapEdge note_change(FlapTrack& track, const FlapPolicy& policy, State from, State to,
                     TimePoint now) {
  if (policy.start <= 0) {
    const FlapTrack before = track;
    track = {};
    if (!before.flapping) return FlapEdge::None;
    // Turned off while it flapped (a reload): the flap ended, and its FLAPPING alert is resolved
    // under the id it was sent with (since) at the level it reached (worst).
    track.since = before.since;
    track.worst = before.worst;
    return FlapEdge::Stopped;
  }
  forget_old(track, policy, now);
  if (health_class(from) == health_class(to)) {
    // CRITICAL → FAILED within one outage: no change, but the worst state it reached.
    if (!track.changes.empty() && severity(to) > severity(track.changes.back().to)) {
      track.changes.back().to = to;
    }
  } else {
    track.changes.push_back({now, to});
    const auto keep = static_cast<std::size_t>(std::max(policy.start, policy.stop + 1));
    if (track.changes.size() > keep) {
      track.changes.erase(track.changes.begin(),
                          track.changes.begin() + static_cast<long>(track.changes.size() - keep));
    }
  }
  const auto edge = judge(track, policy, now);
  if (track.flapping && severity(to) > severity(track.worst)) track.worst = to;
  return edge;
}

FlapEdge age(FlapTrack& track, const FlapPolicy& policy, TimePoint now) {
  if (track.changes.empty() && !track.flapping) return FlapEdge::None;  // the common case
  forget_old(track, policy, now);
  return judge(track, policy, now);
}

int changes_within(const FlapTrack& track, const FlapPolicy& policy, TimePoint now) {
  return static_cast<int>(std::count_if(track.changes.begin(), track.changes.end(),
                                        [&](const auto& c) { return c.at > now - policy.window; }));
}

}  // namespace watchdog::core
