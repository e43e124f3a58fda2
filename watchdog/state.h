#pragma once
// The five component states and the clock, shared by the engine, alerts, metrics and the CLI.
// Kept apart from the state machine so that alert delivery and metrics do not depend on it.

#include <chrono>
#include <optional>
#include <string_view>
#include <vector>

namespace watchdog::core {

using Clock = std::chrono::system_clock;
using TimePoint = Clock::time_point;
using Duration = std::chrono::milliseconds;

enum class State { Healthy, Degraded, Critical, Recovering, Failed };
inline constexpr State kAllStates[] = {State::Healthy, State::Degraded, State::Critical,
                                       State::Recovering, State::Failed};
std::string_view to_string(State state);                        // "HEALTHY"
std::string_view label_of(State state);                         // "healthy" (metric labels)
std::optional<State> state_from_string(std::string_view text);  // either spelling
int severity(State state);  // HEALTHY 0 < DEGRADED < RECOVERING < CRITICAL < FAILED
State worst(const std::vector<State>& states);  // HEALTHY for an empty list

}  // namespace watchdog::core
