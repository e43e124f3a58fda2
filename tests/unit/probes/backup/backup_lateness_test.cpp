// Schedule lateness of backups (issue #18): tables of (schedule, runs, newest, now) → how late
// and the detail, for daily (UTC), interval and cron-in-a-time-zone schedules.
#include "probes/backup/backup_lateness.h"

#include <gtest/gtest.h>

#include <algorithm>

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
  std::vector<std::string> runs;      // earlier runs
  std::optional<std::string> newest;  // judged as "main_NEWEST"; also the latest run unless...
  std::string now;
  std::chrono::seconds late;
  std::optional<std::string> anomaly;
  std::chrono::milliseconds grace = 30min;
  std::optional<std::string> last_run = std::nullopt;  // ...given here (an attempt's finish)
  bool in_progress = false;
};

void check_rows(const RunSchedule& schedule, const std::vector<Row>& rows,
                const LatenessWording& wording = kCatalog) {
  for (const auto& row : rows) {
    SCOPED_TRACE(row.what);
    LatenessInput input;
    for (const auto& run : row.runs) input.runs.push_back(at(run));
    if (row.newest) input.newest = NamedRun{"main_NEWEST", at(*row.newest)};
    if (row.last_run) {
      input.last_run = at(*row.last_run);
    } else if (row.newest) {
      input.last_run = at(*row.newest);
    } else if (!row.runs.empty()) {
      input.last_run = *std::max_element(input.runs.begin(), input.runs.end());
    }
    input.in_progress = row.in_progress;
    input.now = at(row.now);
    input.grace = row.grace;
    const auto lateness = judge_lateness(schedule, input, wording);
    EXPECT_EQ(lateness.late, row.late);
    EXPECT_EQ(lateness.anomaly, row.anomaly);
  }
}

const std::string kNotStarted0300 =
    "the 03:00 backup of main has not started (due 2026-12-05T03:00:00Z, grace 30m)";

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
           kNotStarted0300},
          {"exactly at grace is not late yet",
           {},
           "2026-12-04T03:00:02Z",
           "2026-12-05T03:30:00Z",
           0s},
          // The first missed slot stays due: late keeps growing, and does not clear itself
          // within grace of the next slot.
          {"a day later, still the first missed slot",
           {},
           "2026-12-04T03:00:02Z",
           "2026-12-06T03:10:00Z",
           24h + 10min,
           kNotStarted0300},
          {"three days later",
           {},
           "2026-12-04T03:00:02Z",
           "2026-12-08T04:00:00Z",
           3 * 24h + 1h,
           kNotStarted0300},
          {"grace longer than the period: quiet until grace has passed",
           {},
           "2026-12-04T03:00:02Z",
           "2026-12-06T02:00:00Z",
           0s,
           std::nullopt,
           48h},
          {"grace longer than the period, then late",
           {},
           "2026-12-04T03:00:02Z",
           "2026-12-07T04:00:00Z",
           49h,
           "the 03:00 backup of main has not started (due 2026-12-05T03:00:00Z, grace 2d)",
           48h},
          {"a run in progress has started",
           {},
           "2026-12-04T03:00:02Z",
           "2026-12-05T04:00:00Z",
           0s,
           std::nullopt,
           30min,
           std::nullopt,
           true},
          {"no backup ever: the scheduler runs at once, nothing to judge",
           {},
           std::nullopt,
           "2026-12-05T04:00:00Z",
           0s},
          {"the first backup is never late", {}, "2026-12-05T14:00:00Z", "2026-12-05T15:00:00Z", 0s},
          {"on time", {"2026-12-04T03:00:00Z"}, "2026-12-05T03:00:05Z", "2026-12-05T10:00:00Z", 5s},
          {"started 47m late",
           {"2026-12-04T03:00:00Z"},
           "2026-12-05T03:47:00Z",
           "2026-12-05T10:00:00Z",
           47min,
           "main_NEWEST started 47m late (grace 30m)"},
          {"started exactly grace late",
           {"2026-12-04T03:00:00Z"},
           "2026-12-05T03:30:00Z",
           "2026-12-05T10:00:00Z",
           30min},
          {"grace 0: any delay counts",
           {"2026-12-04T03:00:00Z"},
           "2026-12-05T03:00:01Z",
           "2026-12-05T10:00:00Z",
           1s,
           "main_NEWEST started 1s late (grace 0s)",
           0ms},
          // The 03:00 run happened (it failed: its attempt was recorded at 03:05); a backup taken
          // by hand at 14:00 is an extra, not a late one.
          {"an extra run is never late",
           {"2026-12-04T03:00:00Z", "2026-12-05T03:05:00Z"},
           "2026-12-05T14:00:00Z",
           "2026-12-05T15:00:00Z",
           0s},
          // A backup by hand just before the slot does not stand in for the slot's run: the
          // scheduler still runs at 03:00.
          {"a run just before the slot",
           {"2026-12-04T03:00:00Z"},
           "2026-12-05T02:59:00Z",
           "2026-12-05T10:00:00Z",
           7h,
           kNotStarted0300},
          // A long dump still being written (its partial file's start) is the slot's run.
          {"a run in progress, its start known",
           {"2026-12-04T03:00:00Z"},
           "2026-12-05T03:00:00Z",
           "2026-12-05T04:45:00Z",
           0s,
           std::nullopt,
           30min,
           "2026-12-04T03:20:00Z",
           true},
          {"before today's slot, the newest run's lateness stands",
           {"2026-12-03T03:00:00Z"},
           "2026-12-04T04:00:00Z",
           "2026-12-05T02:00:00Z",
           1h,
           "main_NEWEST started 1h late (grace 30m)"},
          // The scheduler catches up at once after a day without the watchdog.
          {"a missed slot caught up",
           {"2026-12-03T03:00:00Z"},
           "2026-12-05T09:00:00Z",
           "2026-12-05T10:00:00Z",
           30h,
           "main_NEWEST started 1d6h late (grace 30m)"},
      });
}

TEST(BackupLateness, IntervalCountsFromTheLatestRunsFinish) {
  const auto schedule = run_schedule(every(6h));
  ASSERT_TRUE(schedule);
  check_rows(
      *schedule,
      {
          // The scheduler counts from the latest run, here the attempt recorded when the 03:00
          // backup finished: the next one is due at 09:10.
          {"within grace",
           {},
           "2026-12-05T03:00:00Z",
           "2026-12-05T09:20:00Z",
           0s,
           std::nullopt,
           30min,
           "2026-12-05T03:10:00Z"},
          {"late",
           {},
           "2026-12-05T03:00:00Z",
           "2026-12-05T09:45:00Z",
           35min,
           "the 09:10 backup of main has not started (due 2026-12-05T09:10:00Z, grace 30m)",
           30min,
           "2026-12-05T03:10:00Z"},
          {"late for two periods: keeps growing",
           {},
           "2026-12-05T03:00:00Z",
           "2026-12-05T15:20:00Z",
           6h + 10min,
           "the 09:10 backup of main has not started (due 2026-12-05T09:10:00Z, grace 30m)",
           30min,
           "2026-12-05T03:10:00Z"},
          {"in progress", {}, "2026-12-05T03:00:00Z", "2026-12-05T09:45:00Z", 0s, std::nullopt,
           30min, "2026-12-05T03:10:00Z", true},
          // The previous run took 50m: its finish (21:50) + 6h is when this one was started, not
          // "50m late" (a start's slot cannot be known for intervals: not judged).
          {"a start after the previous finish is not late",
           {"2026-12-04T21:00:00Z"},
           "2026-12-05T03:50:00Z",
           "2026-12-05T05:00:00Z",
           0s,
           std::nullopt,
           30min,
           "2026-12-05T04:20:00Z"},
          {"early (a backup by hand) is not late",
           {"2026-12-05T01:00:00Z"},
           "2026-12-05T02:00:00Z",
           "2026-12-05T03:00:00Z",
           0s},
          {"no run yet: nothing is due", {}, std::nullopt, "2026-12-05T03:00:00Z", 0s},
      });
  EXPECT_FALSE(run_schedule(config::BackupSchedule{})) << "no schedule, nothing to judge";
}

config::ZonedCron cron(const std::string& text, const std::string& zone) {
  return {std::make_shared<const config::CronSchedule>(config::CronSchedule::parse(text)),
          config::TimeZone::load(zone)};
}

TEST(BackupLateness, CronInATimeZone) {
  // 03:00 in Berlin is 02:00Z in winter; mtimes are the runs (they arrive a little after).
  check_rows(run_schedule(cron("0 3 * * *", "Europe/Berlin")),
             {
                 {"late in local time",
                  {},
                  "2026-12-04T02:10:00Z",
                  "2026-12-05T02:31:00Z",
                  31min,
                  "the 03:00 backup in /backups has not arrived (due 2026-12-05T02:00:00Z, grace "
                  "30m)"},
                 {"arrived late",
                  {"2026-12-04T02:10:00Z"},
                  "2026-12-05T02:40:00Z",
                  "2026-12-05T09:00:00Z",
                  40min,
                  "main_NEWEST arrived 40m late (grace 30m)"},
                 {"arrived in time",
                  {"2026-12-04T02:10:00Z"},
                  "2026-12-05T02:20:00Z",
                  "2026-12-05T09:00:00Z",
                  20min},
                 {"a single file is not judged", {}, "2026-12-05T02:40:00Z", "2026-12-05T09:00:00Z",
                  0s},
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
  // is due at the jump, as a maintenance window would start, and named as configured.
  check_rows(run_schedule(cron("30 2 * * *", "Europe/Berlin")),
             {{"clock change",
               {},
               "2026-03-28T01:30:00Z",
               "2026-03-29T01:45:00Z",
               45min,
               "the 02:30 backup in /backups has not arrived (due 2026-03-29T01:00:00Z, "
               "grace 30m)"}},
             kFiles);
  check_rows(
      run_schedule(cron("0 0 1 * *", "UTC")),
      {{"monthly, searched far ahead",
        {"2026-10-01T00:02:00Z"},
        "2026-11-01T00:05:00Z",
        "2026-11-30T00:00:00Z",
        5min},
       {"monthly, missed", {}, "2026-10-01T00:05:00Z", "2026-11-01T01:00:00Z", 1h,
        "the 00:00 backup in /backups has not arrived (due 2026-11-01T00:00:00Z, grace 30m)"}},
      kFiles);
}

}  // namespace
}  // namespace watchdog::probes::backup
