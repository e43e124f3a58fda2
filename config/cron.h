#pragma once
// CronSchedule: the start times of a recurring maintenance window, written as a standard 5-field
// cron expression: minute hour day-of-month month day-of-week.
//
//   *            every value            1,15,30     a list
//   9-17         a range (inclusive)    */15, 1-5/2 a step over * or a range ("5/15" = 5-59/15)
//   jan..dec     month names            sun..sat    weekday names (case-insensitive)
//   0 and 7      both mean Sunday       @hourly @daily (@midnight) @weekly @monthly @yearly
//
// Day rule (as in Vixie cron and cronie): when both day-of-month and day-of-week are restricted,
// a day matches if EITHER matches ("0 0 1 * mon" = the 1st and every Monday); a field that
// starts with '*' (including "*/2") counts as unrestricted, so then only the other one decides.
//
// The schedule works on wall-clock (local) time; mapping it to instants, including clock changes,
// is the time zone's job (config/time_zone.h, config/maintenance.cpp). Immutable after parse(),
// so safe to share between threads.

#include <bitset>
#include <chrono>
#include <ctime>
#include <optional>
#include <string>
#include <string_view>

namespace watchdog::config {

class CronSchedule {
 public:
  using LocalMinute = std::chrono::local_time<std::chrono::minutes>;

  // Throws std::invalid_argument with a precise reason, e.g.
  // "field 2 (hour): 24 is out of range 0-23".
  static CronSchedule parse(std::string_view text);

  // `local` is broken-down local time; reads tm_min, tm_hour, tm_mday, tm_mon and tm_wday.
  bool matches(const std::tm& local) const;
  bool matches(LocalMinute minute) const;

  // The latest matching minute in [earliest, latest], or nothing. Walks back day by day and
  // skips non-matching hours, so the cost grows with the number of days, not minutes.
  std::optional<LocalMinute> latest_match(LocalMinute latest, LocalMinute earliest) const;
  // The earliest matching minute in [earliest, latest], or nothing; the same walk forwards.
  std::optional<LocalMinute> first_match(LocalMinute earliest, LocalMinute latest) const;

  const std::string& text() const { return text_; }

 private:
  CronSchedule() = default;
  bool matches_day(unsigned month, unsigned day_of_month, unsigned weekday) const;
  bool matches_time(unsigned hour, unsigned minute) const {
    return hours_[hour] && minutes_[minute];
  }

  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_of_month_;  // 1-31
  std::bitset<13> months_;         // 1-12
  std::bitset<7> weekdays_;        // 0 = Sunday
  bool day_of_month_star_ = true;
  bool weekday_star_ = true;
};

}  // namespace watchdog::config
