// CronSchedule: parsing (every field form and every error message) and matching, including the
// day-of-month OR day-of-week rule and the backwards search used by maintenance windows.
#include "config/cron.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace watchdog::config {
namespace {

using namespace std::chrono;
using LocalMinute = CronSchedule::LocalMinute;

LocalMinute at(int y, unsigned mo, unsigned d, int h, int mi) {
  return local_days{year{y} / mo / d} + hours{h} + minutes{mi};
}

std::string parse_error(const std::string& text) {
  try {
    CronSchedule::parse(text);
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "<no error>";
}

struct MatchCase {
  const char* schedule;
  LocalMinute minute;
  bool expected;
};

// 2026-11-22 is a Sunday, 2026-11-23 a Monday, 2026-12-01 a Tuesday.
const MatchCase kMatchCases[] = {
    {"* * * * *", at(2026, 11, 22, 13, 37), true},
    {"0 3 * * *", at(2026, 11, 22, 3, 0), true},
    {"0 3 * * *", at(2026, 11, 22, 3, 1), false},
    {"0 3 * * *", at(2026, 11, 22, 4, 0), false},
    {"*/15 * * * *", at(2026, 11, 22, 4, 45), true},
    {"*/15 * * * *", at(2026, 11, 22, 4, 50), false},
    {"1-5/2 * * * *", at(2026, 11, 22, 4, 3), true},
    {"1-5/2 * * * *", at(2026, 11, 22, 4, 4), false},
    {"5/20 * * * *", at(2026, 11, 22, 4, 45), true},  // 5, 25, 45
    {"0,30 9-17 * * *", at(2026, 11, 22, 17, 30), true},
    {"0,30 9-17 * * *", at(2026, 11, 22, 18, 0), false},
    {"0 0 * * 0", at(2026, 11, 22, 0, 0), true},    // Sunday as 0 …
    {"0 0 * * 7", at(2026, 11, 22, 0, 0), true},    // … and as 7
    {"0 0 * * 5-7", at(2026, 11, 22, 0, 0), true},  // range ending in Sunday
    {"0 0 * * mon-fri", at(2026, 11, 22, 0, 0), false},
    {"0 0 * * MON-Fri", at(2026, 11, 23, 0, 0), true},
    {"0 0 * nov sun", at(2026, 11, 22, 0, 0), true},
    {"0 0 * jan-oct *", at(2026, 11, 22, 0, 0), false},
    {"0 0 1 * mon", at(2026, 11, 23, 0, 0), true},  // both restricted: Monday matches …
    {"0 0 1 * mon", at(2026, 12, 1, 0, 0), true},   // … and so does the 1st (a Tuesday)
    {"0 0 1 * mon", at(2026, 12, 2, 0, 0), false},
    {"0 0 */2 * mon", at(2026, 11, 30, 0, 0), false},  // '*'-field is unrestricted: AND
    {"0 0 */2 * mon", at(2026, 12, 7, 0, 0), true},
    {"0 0 22 * *", at(2026, 11, 22, 0, 0), true},
    {"@hourly", at(2026, 11, 22, 5, 0), true},
    {"@hourly", at(2026, 11, 22, 5, 1), false},
    {"@daily", at(2026, 11, 22, 0, 0), true},
    {"@midnight", at(2026, 11, 22, 1, 0), false},
    {"@weekly", at(2026, 11, 22, 0, 0), true},
    {"@weekly", at(2026, 11, 23, 0, 0), false},
    {"@monthly", at(2026, 12, 1, 0, 0), true},
    {"@yearly", at(2027, 1, 1, 0, 0), true},
    {"@ANNUALLY", at(2027, 1, 2, 0, 0), false},
    {"  0   3 * *   *  ", at(2026, 11, 22, 3, 0), true},
};

TEST(CronScheduleTest, MatchesTable) {
  for (const auto& c : kMatchCases) {
    const auto schedule = CronSchedule::parse(c.schedule);
    EXPECT_EQ(schedule.matches(c.minute), c.expected) << c.schedule;
    // The std::tm overload agrees.
    const local_days day = floor<days>(c.minute);
    const year_month_day date{day};
    std::tm tm{};
    tm.tm_mon = static_cast<int>(static_cast<unsigned>(date.month())) - 1;
    tm.tm_mday = static_cast<int>(static_cast<unsigned>(date.day()));
    tm.tm_wday = static_cast<int>(weekday{day}.c_encoding());
    tm.tm_hour = static_cast<int>((c.minute - day).count() / 60);
    tm.tm_min = static_cast<int>((c.minute - day).count() % 60);
    EXPECT_EQ(schedule.matches(tm), c.expected) << c.schedule << " (std::tm)";
  }
}

struct ErrorCase {
  const char* schedule;
  const char* expected;
};

const ErrorCase kErrorCases[] = {
    {"", "empty schedule"},
    {"0 3 * *", "expected 5 fields (minute hour day-of-month month day-of-week), got 4"},
    {"0 0 3 * * *", "expected 5 fields (minute hour day-of-month month day-of-week), got 6"},
    {"0 24 * * *", "field 2 (hour): 24 is out of range 0-23"},
    {"60 * * * *", "field 1 (minute): 60 is out of range 0-59"},
    {"0 0 0 * *", "field 3 (day-of-month): 0 is out of range 1-31"},
    {"0 0 * 13 *", "field 4 (month): 13 is out of range 1-12"},
    {"0 0 * * 8", "field 5 (day-of-week): 8 is out of range 0-7"},
    {"0 99999999999 * * *", "field 2 (hour): 99999999999 is out of range 0-23"},
    {"x * * * *", "field 1 (minute): 'x' is not a number"},
    {"0 0 * foo *", "field 4 (month): 'foo' is not a number or a name"},
    {"0 0 * * mon-funday", "field 5 (day-of-week): 'funday' is not a number or a name"},
    {"0 mon * * *", "field 2 (hour): 'mon' is not a number"},
    {"-1 * * * *", "field 1 (minute): missing value"},
    {"5-1 * * * *", "field 1 (minute): range 5-1 is backwards (ranges do not wrap around)"},
    {"*/0 * * * *", "field 1 (minute): step '0' must be a whole number of at least 1"},
    {"*/ * * * *", "field 1 (minute): step '' must be a whole number of at least 1"},
    {"1,,2 * * * *", "field 1 (minute): empty list item"},
    {"0 0 31 2,4 *",
     "field 3 (day-of-month): no selected month has any of these days, so it never matches"},
    {"@reboot",
     "unknown shorthand '@reboot' (expected @hourly, @daily, @midnight, @weekly, @monthly, "
     "@yearly or @annually)"},
};

TEST(CronScheduleTest, ErrorsAreExact) {
  for (const auto& c : kErrorCases) EXPECT_EQ(parse_error(c.schedule), c.expected) << c.schedule;
}

TEST(CronScheduleTest, FebruaryThirtiethIsRejectedButTheTwentyNinthIsNot) {
  EXPECT_NE(parse_error("0 0 30 2 *"), "<no error>");
  EXPECT_EQ(parse_error("0 0 29 2 *"), "<no error>");
  EXPECT_EQ(parse_error("0 0 31 2 mon"), "<no error>");  // Mondays in February still match
}

struct SearchCase {
  const char* schedule;
  LocalMinute latest;
  LocalMinute earliest;
  std::optional<LocalMinute> expected;
};

const SearchCase kSearchCases[] = {
    {"0 3 * * *", at(2026, 11, 22, 3, 0), at(2026, 11, 21, 0, 0), at(2026, 11, 22, 3, 0)},
    {"0 3 * * *", at(2026, 11, 22, 2, 59), at(2026, 11, 21, 0, 0), at(2026, 11, 21, 3, 0)},
    {"0 3 * * *", at(2026, 11, 22, 2, 59), at(2026, 11, 21, 3, 1), std::nullopt},
    {"0 3 * * *", at(2026, 11, 22, 2, 59), at(2026, 11, 21, 3, 0), at(2026, 11, 21, 3, 0)},
    {"*/15 * * * *", at(2026, 11, 22, 10, 44), at(2026, 11, 22, 10, 0), at(2026, 11, 22, 10, 30)},
    {"59 23 * * *", at(2026, 11, 22, 23, 58), at(2026, 11, 20, 0, 0), at(2026, 11, 21, 23, 59)},
    {"0 22 * * fri", at(2026, 11, 22, 12, 0), at(2026, 11, 15, 0, 0), at(2026, 11, 20, 22, 0)},
    {"0 0 1 1 *", at(2026, 11, 22, 12, 0), at(2026, 11, 1, 0, 0), std::nullopt},
    {"0 0 1 1 *", at(2026, 11, 22, 12, 0), at(2025, 11, 1, 0, 0), at(2026, 1, 1, 0, 0)},
    {"0 0 29 2 *", at(2026, 11, 22, 12, 0), at(2020, 1, 1, 0, 0), at(2024, 2, 29, 0, 0)},
};

TEST(CronScheduleTest, LatestMatchSearchesBackwards) {
  for (const auto& c : kSearchCases) {
    const auto found = CronSchedule::parse(c.schedule).latest_match(c.latest, c.earliest);
    EXPECT_EQ(found, c.expected) << c.schedule;
  }
}

TEST(CronScheduleTest, LatestMatchAgreesWithMinuteByMinuteScan) {
  for (const char* text : {"*/7 1-3 * * *", "0 0 1 * mon", "30 2 */3 * *", "15 */5 * * sat,sun"}) {
    const auto schedule = CronSchedule::parse(text);
    const LocalMinute latest = at(2026, 3, 31, 23, 59);
    const LocalMinute earliest = at(2026, 3, 20, 0, 0);
    for (LocalMinute bound = latest; bound >= earliest; bound -= minutes{97}) {
      std::optional<LocalMinute> scanned;
      for (LocalMinute m = bound; m >= earliest; m -= minutes{1}) {
        if (schedule.matches(m)) {
          scanned = m;
          break;
        }
      }
      ASSERT_EQ(schedule.latest_match(bound, earliest), scanned) << text;
    }
  }
}

TEST(CronScheduleTest, FirstMatchSearchesForwards) {
  const struct {
    const char* schedule;
    LocalMinute earliest, latest;
    std::optional<LocalMinute> expected;
  } cases[] = {
      {"0 3 * * *", at(2026, 11, 22, 3, 0), at(2026, 11, 23, 0, 0), at(2026, 11, 22, 3, 0)},
      {"0 3 * * *", at(2026, 11, 22, 3, 1), at(2026, 11, 23, 2, 59), std::nullopt},
      {"0 3 * * *", at(2026, 11, 22, 3, 1), at(2026, 11, 23, 3, 0), at(2026, 11, 23, 3, 0)},
      {"*/15 * * * *", at(2026, 11, 22, 10, 31), at(2026, 11, 22, 12, 0), at(2026, 11, 22, 10, 45)},
      {"59 23 * * *", at(2026, 11, 22, 23, 59), at(2026, 11, 22, 23, 59), at(2026, 11, 22, 23, 59)},
      {"0 22 * * fri", at(2026, 11, 22, 12, 0), at(2026, 12, 1, 0, 0), at(2026, 11, 27, 22, 0)},
      {"0 0 29 2 *", at(2026, 11, 22, 12, 0), at(2030, 1, 1, 0, 0), at(2028, 2, 29, 0, 0)},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(CronSchedule::parse(c.schedule).first_match(c.earliest, c.latest), c.expected)
        << c.schedule;
  }
}

TEST(CronScheduleTest, FirstMatchAgreesWithMinuteByMinuteScan) {
  for (const char* text : {"*/7 1-3 * * *", "0 0 1 * mon", "30 2 */3 * *", "15 */5 * * sat,sun"}) {
    const auto schedule = CronSchedule::parse(text);
    const LocalMinute earliest = at(2026, 3, 20, 0, 0);
    const LocalMinute latest = at(2026, 3, 31, 23, 59);
    for (LocalMinute bound = earliest; bound <= latest; bound += minutes{97}) {
      std::optional<LocalMinute> scanned;
      for (LocalMinute m = bound; m <= latest; m += minutes{1}) {
        if (schedule.matches(m)) {
          scanned = m;
          break;
        }
      }
      ASSERT_EQ(schedule.first_match(bound, latest), scanned) << text;
    }
  }
}

}  // namespace
}  // namespace watchdog::config
