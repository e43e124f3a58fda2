#include "watchdog/state.h"

#include <array>

namespace watchdog::core {
namespace {

constexpr std::array<std::string_view, 5> kUpper = {"HEALTHY", "DEGRADED", "CRITICAL", "RECOVERING",
                                                    "FAILED"};
constexpr std::array<std::string_view, 5> kLower = {"healthy", "degraded", "critical", "recovering",
                                                    "failed"};

}  // namespace

std::string_view to_string(State state) { return kUpper[static_cast<std::size_t>(state)]; }
std::string_view label_of(State state) { return kLower[static_cast<std::size_t>(state)]; }

std::optional<State> state_from_string(std::string_view text) {
  for (State s : kAllStates) {
    if (text == to_string(s) || text == label_of(s)) return s;
  }
  return std::nullopt;
}

int severity(State state) {
  switch (state) {
    case State::Healthy:
      return 0;
    case State::Degraded:
      return 1;
    case State::Recovering:
      return 2;
    case State::Critical:
      return 3;
    case State::Failed:
      return 4;
  }
  return 4;
}

State worst(const std::vector<State>& states) {
  State result = State::Healthy;
  for (State s : states) {
    if (severity(s) > severity(result)) result = s;
  }
  return result;
}

}  // namespace watchdog::core
