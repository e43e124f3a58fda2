#include "watchdog/gameday/result.h"

#include "config/time_text.h"

namespace watchdog::gameday {
namespace {

std::optional<milliseconds> between(const std::optional<TimePoint>& from,
                                    const std::optional<TimePoint>& to) {
  if (!from || !to) return std::nullopt;
  return std::chrono::duration_cast<milliseconds>(*to - *from);
}

}  // namespace

const char* outcome_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::Recovered:
      return "recovered";
    case Outcome::Failed:
      return "failed";
    case Outcome::Detected:
      return "detected";
    case Outcome::Undetected:
      return "undetected";
    case Outcome::TimedOut:
      return "timed_out";
    case Outcome::Interrupted:
      return "interrupted";
    case Outcome::Error:
      return "error";
    case Outcome::NotRun:
      return "not_run";
  }
  return "error";
}

std::string duration_text(milliseconds duration) {
  if (duration.count() < 0) return "-" + duration_text(-duration);
  if (duration < std::chrono::seconds(1)) return std::to_string(duration.count()) + "ms";
  if (duration < std::chrono::seconds(10)) {
    const auto tenths = duration.count() / 100;  // truncated: 9.96 s stays "9.9s"
    return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + "s";
  }
  return config::coarse_duration(std::chrono::duration_cast<std::chrono::seconds>(duration));
}

std::optional<milliseconds> AlertFigure::latency() const { return between(queued, finished); }

std::optional<milliseconds> Result::time_to_detect() const { return between(fault, detected); }

std::optional<milliseconds> Result::time_to_first_action() const {
  return between(fault, first_action);
}

std::optional<milliseconds> Result::time_to_recover() const { return between(fault, recovered); }

}  // namespace watchdog::gameday
