#include "probes/backup/backup_lateness.h"

#include <algorithm>
#include <cstdio>

#include "config/time_text.h"
#include "config/units.h"
#include "probes/backup/backup_schedule.h"

namespace watchdog::probes::backup {
namespace {

using namespace std::chrono;

// How far ahead a cron slot is searched: four years and a day reach even "29 Feb" schedules;
// CronSchedule walks day by day, so this costs microseconds.
constexpr days kCronSearch{4 * 366 + 1};

std::string hours_minutes(const config::CronSchedule::LocalMinute minute) {
  const hh_mm_ss time{minute - floor<days>(minute)};
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%02d:%02d", static_cast<int>(time.hours().count()),
                static_cast<int>(time.minutes().count()));
  return buffer;
}

std::optional<SystemTime> latest_before(const std::vector<SystemTime>& runs, SystemTime at) {
  std::optional<SystemTime> latest;
  for (const auto run : runs) {
    if (run < at && (!latest || run > *latest)) latest = run;
  }
  return latest;
}

seconds whole_seconds(SystemTime::duration d) { return std::max(seconds(0), floor<seconds>(d)); }

}  // namespace

std::optional<RunSchedule> run_schedule(const config::BackupSchedule& schedule) {
  if (!schedule.enabled()) return std::nullopt;
  RunSchedule out;
  out.fixed_times = schedule.interval <= config::Duration::zero();
  out.first_after = [schedule](SystemTime after) -> std::optional<Slot> {
    const auto due = first_due_after(schedule, after);
    if (!due) return std::nullopt;
    return Slot{*due, config::format_utc(*due, "%H:%M")};
  };
  return out;
}

RunSchedule run_schedule(const config::ZonedCron& cron) {
  RunSchedule out;
  out.first_after = [cron](SystemTime after) -> std::optional<Slot> {
    const auto start = cron.first_after(after, kCronSearch);
    if (!start) return std::nullopt;
    return Slot{start->at, hours_minutes(start->local)};
  };
  return out;
}

Lateness judge_lateness(const RunSchedule& schedule, const LatenessInput& input,
                        const LatenessWording& wording) {
  Lateness out;
  if (!input.last_run) return out;  // nothing ran yet: the scheduler runs at once
  const std::string grace = "grace " + config::format_duration(input.grace);
  if (const auto due = schedule.first_after(*input.last_run);
      due && due->at <= input.now && !input.in_progress) {
    if (input.now > due->at + input.grace) {
      out.late = whole_seconds(input.now - due->at);
      out.anomaly = "the " + due->time_of_day + " backup " + wording.subject + " " +
                    wording.missing + " (due " + config::format_rfc3339(due->at) + ", " + grace +
                    ")";
    }
    return out;
  }
  if (!schedule.fixed_times || !input.newest) return out;
  const SystemTime at = input.newest->at;
  std::vector<SystemTime> runs = input.runs;
  runs.push_back(*input.last_run);
  const auto previous = latest_before(runs, at);
  if (!previous) return out;  // the first run: no slot it belongs to
  const auto slot = schedule.first_after(*previous);
  if (!slot || slot->at > at) return out;  // an extra run before its slot
  out.late = whole_seconds(at - slot->at);
  if (at - slot->at > input.grace) {
    out.anomaly = input.newest->name + " " + wording.late + " " +
                  config::format_duration(out.late) + " late (" + grace + ")";
  }
  return out;
}

}  // namespace watchdog::probes::backup
