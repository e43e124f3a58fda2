#pragma once
// Which rung of a component's ladder an attempt runs — the pure rules behind "each incident
// climbs its own ladder" (issue #12), used by the state machine:
//   - from where the episode's climb stands (Component::next_rung), the first rung that fits
//     the failure; once the ladder is climbed, the highest rung that fits runs again;
//   - a rung fits when every failing probe's latest failure kind is in its `when` (empty =
//     any failure), so a restore never runs because one probe saw a missing database while
//     another only timed out;
//   - a destructive rung runs at most once per episode.
// Rungs passed over are reported with the reason, for the log and the incident timeline.

#include <optional>
#include <string>
#include <vector>

#include "watchdog/engine/state_machine.h"

namespace watchdog::core {

// The rung to run, or nothing when none fits (the caller gives up). Appends what it skipped.
std::optional<std::size_t> choose_rung(const Component& component,
                                       std::vector<SkippedRung>& skipped);

}  // namespace watchdog::core
