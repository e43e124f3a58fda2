// Schedule lateness of backups (issue #18): tables of (schedule, runs, newest, now) → how late
// and the detail, for daily (UTC), interval and cron-in-a-time-zone schedules.
#include "probes/backup/backup_lateness.h"

#include <gtest/gtest.h>

#include "config/cron.h"
#include "config/time_text.h"
#include "config/time_zone.h"

namespace watchdog::probes::backup {
namespace {

using namespace std::chrono_literals;

SystemTime at(const std::string& text) {
  const auto parsed = config::parse_rfc3339(text);
  if (!parsed) throw std::invalid_argument("bad time in test: " + text);
  return *parsed;
}

config::BackupSchedule daily(int hour, int minute) {
  config::BackupSchedule s;
  s.daily_at = std::chrono::minutes(hour * 60 + minute);
  return s;
}

config::BackupSchedule every(config::Duration interval) {
  config::BackupSchedule s;
  s.interval = interval;
  return s;
}

const LatenessWording kCatalog{"of main", "has not started", "started"};
const LatenessWording kFiles{"in /backups", "has not arrived", "arrived"};

struct Row {
  const char* what;
  std::vector<std::string> runs;      // besides the newest
  std::optional<std::string> newest;  // judged as "main_NEWEST"
  std::string now;
  std::chrono::seconds late;
  std::optional<std::string> anomaly;
  std::chrono::milliseconds grace = 30min;
};

void check_rows(const RunSchedule& schedule, const std::vector<Row>& rows,
                const LatenessWording& wording = kCatalog) {
  for (const auto& row : rows) {
    SCOPED_TRACE(row.what);
    LatenessInput input;
    for (const auto& run : row.runs) input.runs.push_back(at(run));
    if (row.newest) input.newest = NamedRun{"main_NEWEST", at(*row.newest)};
    input.now = at(row.now);
    input.grace = row.grace;
    const auto lateness = judge_lateness(schedule, input, wording);
    EXPECT_EQ(lateness.late, row.late);
    EXPECT_EQ(lateness.anomaly, row.anomaly);
  }
}

TEST(BackupLateness, DailyAtUtc) {
  const auto schedule = run_schedule(daily(3, 0));
  ASSERT_TRUE(schedule);
  check_rows(
      *schedule,
      {
          {"today's run still within grace",
           {},
           "2026-12-04T03:00:02Z",
           "2026-12-05T03:20:00Z",
           0s},
          {"due + grace passed without a start",
           {},
           "2026-12-04T03:00:02Z",
           "2026-12-05T03:31:00Z",
           31min,
           "the 03:00 backup of main has not started (due 2026-12-05T03:00:00Z, grace 30m)"},
          {"exactly at grace is not late yet",
           {},
           "2026-12-04T03:00:02Z",
           "2026-12-05T03:30:00Z",
           0s},
          {"no backup ever",
           {},
           std::nullopt,
           "2026-12-05T04:00:00Z",
           1h,
           "the 03:00 backup of main has not started (due 2026-12-05T03:00:00Z, grace 30m)"},
          {"on time", {"2026-12-04T03:00:00Z"}, "2026-12-05T03:00:05Z", "2026-12-05T10:00:00Z", 5s},
          {"started 47m late",
           {"2026-12-04T03:00:00Z"},
           "2026-12-05T03:47:00Z",
           "2026-12-05T10:00:00Z",
           47min,
           "main_NEWEST started 47m late (grace 30m)"},
          {"started exactly grace late", {}, "2026-12-05T03:30:00Z", "2026-12-05T10:00:00Z", 30min},
          {"grace 0: any delay counts",
           {},
           "2026-12-05T03:00:01Z",
           "2026-12-05T10:00:00Z",
           1s,
           "main_NEWEST started 1s late (grace 0s)",
           0ms},
          // The 03:00 run happened (it failed: its attempt was recorded at 03:05); a backup taken
          // by hand at 14:00 is an extra, not a late one.
          {"an extra run is never late",
           {"2026-12-05T03:05:00Z"},
           "2026-12-05T14:00:00Z",
           "2026-12-05T15:00:00Z",
           0s},
          // A backup by hand just before the slot does not stand in for the slot's run.
          {"a run just before the slot",
           {},
           "2026-12-05T02:59:00Z",
           "2026-12-05T10:00:00Z",
           7h,
           "the 03:00 backup of main has not started (due 2026-12-05T03:00:00Z, grace 30m)"},
          // A long dump still being written (its partial file's start) is the slot's run.
          {"a run in progress",
           {"2026-12-04T03:00:00Z"},
           "2026-12-05T03:00:00Z",
           "2026-12-05T04:45:00Z",
           0s},
          {"before today's slot, yesterday's run decides",
           {},
           "2026-12-04T04:00:00Z",
           "2026-12-05T02:00:00Z",
           1h,
           "main_NEWEST started 1h late (grace 30m)"},
      });
}

TEST(BackupLateness, IntervalCountsFromTheLatestRun) {
  const auto schedule = run_schedule(every(6h));
  ASSERT_TRUE(schedule);
  check_rows(
      *schedule,
      {
          // The scheduler counts from the latest run, here the attempt recorded when the 03:00
          // backup finished: the next one is due at 09:10.
          {"within grace",
           {"2026-12-05T03:10:00Z"},
           "2026-12-05T03:00:00Z",
           "2026-12-05T09:20:00Z",
           0s},
          {"late",
           {"2026-12-05T03:10:00Z"},
           "2026-12-05T03:00:00Z",
           "2026-12-05T09:45:00Z",
           35min,
           "the 09:10 backup of main has not started (due 2026-12-05T09:10:00Z, grace 30m)"},
          {"on time", {"2026-12-04T21:00:00Z"}, "2026-12-05T03:00:00Z", "2026-12-05T04:00:00Z", 0s},
          {"started an hour late",
           {"2026-12-04T21:00:00Z"},
           "2026-12-05T04:00:00Z",
           "2026-12-05T05:00:00Z",
           1h,
           "main_NEWEST started 1h late (grace 30m)"},
          {"early (a backup by hand) is not late",
           {"2026-12-05T01:00:00Z"},
           "2026-12-05T02:00:00Z",
           "2026-12-05T03:00:00Z",
           0s},
          {"no run yet: nothing is due", {}, std::nullopt, "2026-12-05T03:00:00Z", 0s},
          {"one run: nothing to count from",
           {},
           "2026-12-05T02:00:00Z",
           "2026-12-05T03:00:00Z",
           0s},
      });
  EXPECT_FALSE(run_schedule(config::BackupSchedule{})) << "no schedule, nothing to judge";
}

TEST(BackupLateness, CronInATimeZone) {
  const auto berlin = config::TimeZone::load("Europe/Berlin");
  const auto nightly = run_schedule(
      std::make_shared<const config::CronSchedule>(config::CronSchedule::parse("0 3 * * *")),
      berlin);
  // 03:00 in Berlin is 02:00Z in winter.
  check_rows(nightly,
             {
                 {"late in local time",
                  {},
                  "2026-12-04T02:10:00Z",
                  "2026-12-05T02:31:00Z",
                  31min,
                  "the 03:00 backup in /backups has not arrived (due 2026-12-05T02:00:00Z, grace "
                  "30m)"},
                 {"arrived late",
                  {},
                  "2026-12-05T02:40:00Z",
                  "2026-12-05T09:00:00Z",
                  40min,
                  "main_NEWEST arrived 40m late (grace 30m)"},
                 {"arrived in time", {}, "2026-12-05T02:20:00Z", "2026-12-05T09:00:00Z", 20min},
                 // Summer: 03:00 CEST is 01:00Z.
                 {"summer time",
                  {},
                  "2026-07-04T01:05:00Z",
                  "2026-07-05T01:31:00Z",
                  31min,
                  "the 03:00 backup in /backups has not arrived (due 2026-07-05T01:00:00Z, grace "
                  "30m)"},
             },
             kFiles);
  // 02:30 does not exist on 2026-03-29 in Berlin (clocks go 02:00 → 03:00 at 01:00Z): the run
  // is due at the jump, as a maintenance window would start.
  const auto skipped = run_schedule(
      std::make_shared<const config::CronSchedule>(config::CronSchedule::parse("30 2 * * *")),
      berlin);
  check_rows(skipped,
             {{"clock change",
               {},
               "2026-03-28T01:30:00Z",
               "2026-03-29T01:45:00Z",
               45min,
               "the 03:00 backup in /backups has not arrived (due 2026-03-29T01:00:00Z, "
               "grace 30m)"}},
             kFiles);
  const auto monthly = run_schedule(
      std::make_shared<const config::CronSchedule>(config::CronSchedule::parse("0 0 1 * *")),
      config::TimeZone::utc());
  check_rows(
      monthly,
      {{"monthly, searched far back", {}, "2026-11-01T00:05:00Z", "2026-11-30T00:00:00Z", 5min}});
}

}  // namespace
}  // namespace watchdog::probes::backup
