#include "config/maintenance.h"

#include <cctype>
#include <stdexcept>

#include "config/cron.h"
#include "config/options.h"
#include "config/time_zone.h"
#include "config/zoned_cron.h"

namespace watchdog::config {
namespace {

using namespace std::chrono;

constexpr Duration kMaxRecurringDuration = hours{7 * 24};
// One-off windows: a year at most (longer is a pause that was forgotten, and start + duration
// must stay inside the clock's range).
constexpr Duration kMaxOneOffDuration = hours{366 * 24};

const char* const kStartFormat =
    "expected an RFC 3339 time with a UTC offset, like 2026-11-23T22:00:00+01:00 or "
    "2026-11-23T21:00:00Z";

// "2026-11-23T22:00:00+01:00", "...Z", optional fraction ".250"; 't', 'z' and ' ' also accepted.
SystemTime parse_start(const std::string& text) {
  auto fail = [&text](const std::string& why) -> void {
    throw std::invalid_argument(why + ", got '" + text + "'");
  };
  std::size_t pos = 0;
  auto digits = [&](std::size_t count) {
    int value = 0;
    for (std::size_t i = 0; i < count; ++i, ++pos) {
      if (pos >= text.size() || !std::isdigit(static_cast<unsigned char>(text[pos]))) {
        fail(kStartFormat);
      }
      value = value * 10 + (text[pos] - '0');
    }
    return value;
  };
  auto expect = [&](const char* choices) {
    if (pos >= text.size() || std::string_view(choices).find(text[pos]) == std::string_view::npos) {
      fail(kStartFormat);
    }
    return text[pos++];
  };
  const int y = digits(4);
  expect("-");
  const int mo = digits(2);
  expect("-");
  const int d = digits(2);
  expect("Tt ");
  const int h = digits(2);
  expect(":");
  const int mi = digits(2);
  expect(":");
  const int s = digits(2);
  nanoseconds fraction{0};
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    long long scale = 100000000;
    if (pos >= text.size() || !std::isdigit(static_cast<unsigned char>(text[pos]))) {
      fail(kStartFormat);
    }
    for (; pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos])); ++pos) {
      fraction += nanoseconds{(text[pos] - '0') * scale};
      scale /= 10;
    }
  }
  const year_month_day date{year{y}, month(static_cast<unsigned>(mo)),
                            day(static_cast<unsigned>(d))};
  if (!date.ok()) fail("invalid date");
  if (h > 23 || mi > 59 || s > 59) fail("invalid time of day");
  seconds offset{0};
  if (pos == text.size()) fail("missing UTC offset (add Z or +HH:MM)");
  if (const char sign = expect("Zz+-"); sign == '+' || sign == '-') {
    const int offset_hours = digits(2);
    expect(":");
    const int offset_minutes = digits(2);
    if (offset_hours > 23 || offset_minutes > 59) fail("invalid UTC offset");
    offset = (sign == '-' ? -1 : 1) * (hours{offset_hours} + minutes{offset_minutes});
  }
  if (pos != text.size()) fail(kStartFormat);
  const sys_seconds local_as_utc = sys_days{date} + hours{h} + minutes{mi} + seconds{s};
  return time_point_cast<SystemTime::duration>(local_as_utc - offset) +
         duration_cast<SystemTime::duration>(fraction);
}

}  // namespace

bool MaintenanceWindowSpec::covers(const std::string& component) const {
  if (components.empty()) return true;
  for (const auto& c : components) {
    if (c == component) return true;
  }
  return false;
}

// Occurrence start instants are non-decreasing in their local start minute, and every local
// minute up to latest_local_time_until(now) starts at or before now. So the latest matching
// minute up to there is the latest occurrence that has begun; if it is over, all earlier ones
// are too. The search reaches back `duration` plus a day for offset changes.
std::optional<SystemTime> MaintenanceWindowSpec::active_until(SystemTime now) const {
  if (start) {
    if (now >= *start && now < *start + duration) return *start + duration;
    return std::nullopt;
  }
  if (!schedule || duration <= Duration::zero()) return std::nullopt;
  const TimeZone& zone = time_zone ? *time_zone : *TimeZone::utc();
  const auto latest = floor<minutes>(zone.latest_local_time_until(now));
  const auto earliest = latest - ceil<minutes>(duration) - days{1};
  const auto occurrence = schedule->latest_match(latest, earliest);
  if (!occurrence) return std::nullopt;
  const SystemTime begin = zone.first_instant_at_or_after(*occurrence);
  const SystemTime end = begin + duration;
  if (begin <= now && now < end) return end;
  return std::nullopt;
}

MaintenanceWindowSpec read_maintenance_window(Options& options) {
  // Read every key first so that finish() reports a misspelt key before the checks below
  // complain about the key it was meant to be.
  auto name = options.string("name");
  auto components = options.string_list("components");
  auto schedule = options.string("schedule");
  auto start = options.string("start");
  auto duration = options.duration("duration");
  auto time_zone = options.string("time_zone");
  options.finish();

  MaintenanceWindowSpec window;
  if (!name) options.fail("name", "missing required key");
  window.name = *name;
  window.components = std::move(components);
  if (schedule && start) {
    options.fail("start", "give either schedule (recurring) or start (one-off), not both");
  }
  if (!schedule && !start) {
    options.fail("schedule", "missing: give schedule (recurring, cron) or start (one-off)");
  }
  if (!duration) options.fail("duration", "missing required key");
  if (*duration <= Duration::zero()) options.fail("duration", "must be greater than 0");
  window.duration = *duration;

  if (start) {
    if (*duration > kMaxOneOffDuration) {
      options.fail("duration",
                   "must be at most 366d for a one-off window, got " + format_duration(*duration));
    }
    if (time_zone) {
      options.fail("time_zone", "applies to schedule only; give start with its UTC offset instead");
    }
    try {
      window.start = parse_start(*start);
    } catch (const std::invalid_argument& error) {
      options.fail("start", error.what());
    }
    window.time_zone = TimeZone::utc();
    return window;
  }

  if (*duration > kMaxRecurringDuration) {
    options.fail("duration",
                 "must be at most 7d for a recurring window, got " + format_duration(*duration));
  }
  window.schedule_text = *schedule;
  auto cron = read_zoned_cron(options, *schedule, time_zone);
  window.schedule = std::move(cron.schedule);
  window.time_zone = std::move(cron.zone);
  return window;
}

}  // namespace watchdog::config
