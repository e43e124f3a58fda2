#pragma once
// A cron expression in a time zone, as the `schedule` and `time_zone` keys give it (maintenance
// windows, the `backup_age` probe's backup schedule): read once, with errors naming the key.
// Immutable after reading, so safe to share between threads.

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "config/cron.h"

namespace watchdog::config {

class Options;
class TimeZone;  // config/time_zone.h

struct ZonedCron {
  std::shared_ptr<const CronSchedule> schedule;
  std::shared_ptr<const TimeZone> zone;  // UTC when no time_zone was given

  struct Start {
    std::chrono::system_clock::time_point at;  // the instant the start happens
    CronSchedule::LocalMinute local;           // the matching minute as written ("02:30")
  };
  // The first start strictly after `after`, searched up to `horizon` ahead. A local minute
  // skipped by a clock change starts at the jump; one repeated starts the first time
  // (TimeZone::first_instant_at_or_after), as maintenance windows do.
  std::optional<Start> first_after(std::chrono::system_clock::time_point after,
                                   std::chrono::days horizon) const;
};

// Parses `schedule` (cron) and `time_zone` (IANA name; nothing = UTC); a bad value fails on
// its key ("schedule", "time_zone") through options.fail().
ZonedCron read_zoned_cron(Options& options, const std::string& schedule,
                          const std::optional<std::string>& time_zone);

}  // namespace watchdog::config
