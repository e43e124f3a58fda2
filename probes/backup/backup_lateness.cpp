#include "probes/backup/backup_lateness.h"

#include <algorithm>
#include <cstdio>

#include "config/cron.h"
#include "config/time_text.h"
#include "config/time_zone.h"
#include "config/units.h"

namespace watchdog::probes::backup {
namespace {

using namespace std::chrono;

// How far back a cron slot is searched: four years and a day reach even "29 Feb" schedules;
// CronSchedule walks day by day, so this costs microseconds.
constexpr days kCronSearch{4 * 366 + 1};

std::string hours_minutes(int hour, int minute) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%02d:%02d", hour, minute);
  return buffer;
}

std::optional<SystemTime> latest_before(const std::vector<SystemTime>& runs, SystemTime at) {
  std::optional<SystemTime> latest;
  for (const auto run : runs) {
    if (run < at && (!latest || run > *latest)) latest = run;
  }
  return latest;
}

bool any_in(const std::vector<SystemTime>& runs, SystemTime from, SystemTime before) {
  return std::any_of(runs.begin(), runs.end(),
                     [&](SystemTime run) { return run >= from && run < before; });
}

seconds whole_seconds(SystemTime::duration d) { return std::max(seconds(0), floor<seconds>(d)); }

}  // namespace

std::optional<RunSchedule> run_schedule(const config::BackupSchedule& schedule) {
  RunSchedule out;
  out.time_of_day = [](SystemTime slot) { return config::format_utc(slot, "%H:%M"); };
  if (schedule.interval > config::Duration::zero()) {
    const auto interval = schedule.interval;
    out.slot_for = [interval](SystemTime, std::optional<SystemTime> previous_run) {
      return previous_run ? std::optional(*previous_run + interval) : std::nullopt;
    };
    return out;
  }
  if (!schedule.daily_at) return std::nullopt;
  const auto daily_at = *schedule.daily_at;
  out.slot_for = [daily_at](SystemTime at, std::optional<SystemTime>) {
    auto slot = floor<days>(at) + daily_at;  // as the scheduler's next_due
    if (slot > at) slot -= days(1);
    return std::optional<SystemTime>(slot);
  };
  return out;
}

RunSchedule run_schedule(std::shared_ptr<const config::CronSchedule> cron,
                         std::shared_ptr<const config::TimeZone> zone) {
  RunSchedule out;
  // As MaintenanceWindowSpec::active_until: every local minute up to latest_local_time_until(at)
  // began at or before `at`, so the latest match up to there is the latest slot that has begun.
  out.slot_for = [cron, zone](SystemTime at, std::optional<SystemTime>) {
    const auto latest = floor<minutes>(zone->latest_local_time_until(at));
    const auto match = cron->latest_match(latest, latest - kCronSearch);
    return match ? std::optional(zone->first_instant_at_or_after(*match)) : std::nullopt;
  };
  out.time_of_day = [zone](SystemTime slot) {
    const std::tm local = zone->to_local(slot);
    return hours_minutes(local.tm_hour, local.tm_min);
  };
  return out;
}

Lateness judge_lateness(const RunSchedule& schedule, const LatenessInput& input,
                        const LatenessWording& wording) {
  Lateness out;
  const std::string grace = "grace " + config::format_duration(input.grace);
  std::vector<SystemTime> runs = input.runs;
  if (input.newest) runs.push_back(input.newest->at);
  const auto latest_run =
      runs.empty() ? std::nullopt : std::optional(*std::max_element(runs.begin(), runs.end()));

  if (const auto due = schedule.slot_for(input.now, latest_run);
      due && *due <= input.now && (!latest_run || *latest_run < *due)) {
    if (input.now > *due + input.grace) {
      out.late = whole_seconds(input.now - *due);
      out.anomaly = "the " + schedule.time_of_day(*due) + " backup " + wording.subject + " " +
                    wording.missing + " (due " + config::format_rfc3339(*due) + ", " + grace + ")";
    }
    return out;
  }
  if (!input.newest) return out;
  const SystemTime at = input.newest->at;
  const auto slot = schedule.slot_for(at, latest_before(runs, at));
  if (!slot || *slot > at || any_in(runs, *slot, at)) return out;
  out.late = whole_seconds(at - *slot);
  if (at - *slot > input.grace) {
    out.anomaly = input.newest->name + " " + wording.late + " " +
                  config::format_duration(out.late) + " late (" + grace + ")";
  }
  return out;
}

}  // namespace watchdog::probes::backup
