#include "config/zoned_cron.h"

#include <stdexcept>

#include "config/options.h"
#include "config/time_zone.h"

namespace watchdog::config {

std::optional<ZonedCron::Start> ZonedCron::first_after(std::chrono::system_clock::time_point after,
                                                       std::chrono::days horizon) const {
  using std::chrono::minutes;
  // Every local minute up to latest_local_time_until(after) began at or before `after`
  // (TimeZone); so the first start after it is the first match from the next minute on.
  const auto from = std::chrono::floor<minutes>(zone->latest_local_time_until(after)) + minutes(1);
  const auto match = schedule->first_match(from, from + horizon);
  if (!match) return std::nullopt;
  return Start{zone->first_instant_at_or_after(*match), *match};
}

ZonedCron read_zoned_cron(Options& options, const std::string& schedule,
                          const std::optional<std::string>& time_zone) {
  ZonedCron out;
  try {
    out.schedule = std::make_shared<const CronSchedule>(CronSchedule::parse(schedule));
  } catch (const std::invalid_argument& error) {
    options.fail("schedule", error.what());
  }
  try {
    out.zone = time_zone ? TimeZone::load(*time_zone) : TimeZone::utc();
  } catch (const std::invalid_argument& error) {
    options.fail("time_zone", error.what());
  }
  return out;
}

}  // namespace watchdog::config
