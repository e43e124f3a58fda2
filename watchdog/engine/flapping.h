#pragma once
// Flap detection: whether a component keeps changing its health, so that one FLAPPING alert
// stands for its changes instead of a page per change. Pure: no clock reads (`now` is passed
// in), no I/O; the state machine feeds it and the tests drive it with tables.
//
// The rule — a count of health changes over a sliding time window, with hysteresis:
//   - a change is a transition between health classes: OK (HEALTHY), WARN (DEGRADED) and BAD
//     (CRITICAL, RECOVERING, FAILED). CRITICAL → RECOVERING → FAILED within one incident is
//     no change: it is one outage being worked on. A whole incident is two changes.
//   - flapping starts when at least `start` changes fall within the last `window`;
//   - it stops once at most `stop` changes remain within the window (stop < start: a
//     component that has started flapping must calm down clearly before it may page again).
// Why a time window and not Nagios' "last 21 checks": here the sample rate is not fixed (fast
// re-checks while failing, several probes per component, each with its own interval), so the
// last N results cover 20 s for one component and 20 min for another, and shrink whenever
// re-checks speed up. What must be bounded is pages per unit of time, which a time window
// bounds directly: a component can open at most ceil(start/2) incidents per window before
// their alerts fold into the one FLAPPING alert.

#include <vector>

#include "watchdog/state.h"

namespace watchdog::core {

enum class HealthClass { Ok, Warn, Bad };
HealthClass health_class(State state);

struct FlapPolicy {
  Duration window{std::chrono::minutes(10)};
  int start = 5;  // changes within `window` that start flapping; 0 = never flapping
  int stop = 2;   // flapping ends once at most this many changes remain within `window`
};

struct FlapTrack {
  struct Change {
    TimePoint at;
    State to;  // the worst state reached from this change until the next one
  };
  // The latest changes (at most max(start, stop + 1): enough to judge), oldest first.
  std::vector<Change> changes;
  bool flapping = false;
  TimePoint since{};             // when flapping began
  State worst = State::Healthy;  // the worst state reached since (the FLAPPING alert's level)
};

enum class FlapEdge { None, Started, Stopped };

// The rule alone: flapping after this judgement, given the changes within the window now.
bool judge_flapping(bool flapping, int changes_in_window, const FlapPolicy& policy);

// A state change from `from` to `to` at `now`; counted when the health class changes.
FlapEdge note_change(FlapTrack& track, const FlapPolicy& policy, State from, State to,
                     TimePoint now);
// Time passed: changes older than the window no longer count, and flapping may end.
FlapEdge age(FlapTrack& track, const FlapPolicy& policy, TimePoint now);
// Changes within the window ending at `now`.
int changes_within(const FlapTrack& track, const FlapPolicy& policy, TimePoint now);

}  // namespace watchdog::core
