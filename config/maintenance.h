#pragma once
// Maintenance windows: periods in which probing and metrics go on but actions and alerts are
// muted. A window is either recurring (a cron expression in a time zone, lasting `duration`)
// or one-off (`start` + `duration`).
//
//   maintenance:
//     - name: nightly-vacuum
//       components: [postgres]        # default: every component
//       schedule: "0 3 * * *"         # minute hour day-of-month month day-of-week
//       duration: 30m
//       time_zone: Europe/Berlin      # IANA name from /usr/share/zoneinfo; default UTC
//     - name: migration
//       start: 2026-11-23T22:00:00+01:00
//       duration: 2h

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/units.h"

namespace watchdog::config {

class Options;
class CronSchedule;  // config/cron.h
class TimeZone;      // config/time_zone.h

using SystemTime = std::chrono::system_clock::time_point;

struct MaintenanceWindowSpec {
  std::string name;
  std::vector<std::string> components;  // empty = every component
  std::string schedule_text;            // as written, for display; empty for one-off windows
  std::shared_ptr<const CronSchedule> schedule;
  std::shared_ptr<const TimeZone> time_zone;  // never null after loading (UTC by default)
  std::optional<SystemTime> start;            // one-off windows
  Duration duration = Duration::zero();

  bool covers(const std::string& component) const;
  // The end of the occurrence that contains `now`, or nothing when the window is not active.
  // Recurring windows start at matching local minutes in `time_zone`; a start skipped by a
  // clock change opens the window at the jump, one repeated by a clock change opens it only the
  // first time (TimeZone::first_instant_at_or_after). `duration` is elapsed time. When
  // occurrences overlap, the latest end wins.
  std::optional<SystemTime> active_until(SystemTime now) const;
};

// Reads one `maintenance:` entry; errors name file:line and key. Calls options.finish().
MaintenanceWindowSpec read_maintenance_window(Options& options);

}  // namespace watchdog::config
