// ZonedCron::first_after: the first start of a cron schedule in a time zone strictly after an
// instant, across clock changes (the `backup_age` probe's "when is the next backup due").
// Reading the keys is covered through maintenance windows (maintenance_test.cpp).
#include "config/zoned_cron.h"

#include <gtest/gtest.h>

#include "config/time_text.h"
#include "config/time_zone.h"

namespace watchdog::config {
namespace {

using namespace std::chrono;

SystemTime at(const std::string& text) { return *parse_rfc3339(text); }

ZonedCron zoned(const std::string& cron, const std::string& zone) {
  return {std::make_shared<const CronSchedule>(CronSchedule::parse(cron)), TimeZone::load(zone)};
}

TEST(ZonedCronTest, FirstStartAfterAnInstant) {
  const struct {
    const char* what;
    const char* cron;
    const char* zone;
    const char* after;
    std::optional<std::string> start;  // nothing: none within a day
    const char* local = "";            // the matching minute as written
  } cases[] = {
      {"later today", "0 3 * * *", "UTC", "2026-12-05T02:59:59Z", "2026-12-05T03:00:00Z", "03:00"},
      {"exactly at a start: the next one", "0 3 * * *", "UTC", "2026-12-05T03:00:00Z",
       "2026-12-06T03:00:00Z", "03:00"},
      {"within the start's minute: the next one", "0 3 * * *", "UTC", "2026-12-05T03:00:30Z",
       "2026-12-06T03:00:00Z", "03:00"},
      {"winter in Berlin", "0 3 * * *", "Europe/Berlin", "2026-12-05T01:00:00Z",
       "2026-12-05T02:00:00Z", "03:00"},
      // 02:30 does not exist on 2026-03-29 in Berlin: it starts at the jump (01:00Z).
      {"skipped by the clock change", "30 2 * * *", "Europe/Berlin", "2026-03-28T02:00:00Z",
       "2026-03-29T01:00:00Z", "02:30"},
      // 02:30 happens twice on 2026-10-25 (00:30Z and 01:30Z): the first time only.
      {"repeated: the first time", "30 2 * * *", "Europe/Berlin", "2026-10-25T00:00:00Z",
       "2026-10-25T00:30:00Z", "02:30"},
      {"repeated: not again", "30 2 * * *", "Europe/Berlin", "2026-10-25T00:45:00Z",
       "2026-10-26T01:30:00Z", "02:30"},
      {"beyond the horizon", "0 0 29 2 *", "UTC", "2026-12-05T00:00:00Z", std::nullopt},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.what);
    const auto start = zoned(c.cron, c.zone).first_after(at(c.after), days(1));
    if (!c.start) {
      EXPECT_FALSE(start);
      continue;
    }
    ASSERT_TRUE(start);
    EXPECT_EQ(format_rfc3339(start->at), *c.start);
    const hh_mm_ss local{start->local - floor<days>(start->local)};
    char text[8];
    std::snprintf(text, sizeof text, "%02d:%02d", static_cast<int>(local.hours().count()),
                  static_cast<int>(local.minutes().count()));
    EXPECT_EQ(std::string(text), c.local);
  }
}

}  // namespace
}  // namespace watchdog::config
