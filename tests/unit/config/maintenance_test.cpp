// Maintenance windows: reading them from YAML (every error names file:line:column and key) and
// deciding whether one is active, including clock changes in the window's time zone.
#include "config/maintenance.h"

#include <gtest/gtest.h>

#include "config/cron.h"
#include "config/loader.h"
#include "config/time_zone.h"
#include "tests/unit/config/config_test_util.h"

namespace watchdog::config {
namespace {

using namespace std::chrono;
using test::error_of;

// Two components (lines 1-9); the maintenance list starts on line 10, its first entry's keys
// on line 11, column 7.
const std::string kComponents =
    "components:\n"
    "  - name: postgres\n"
    "    probes:\n"
    "      - name: pg\n"
    "        kind: tcp\n"
    "  - name: api\n"
    "    probes:\n"
    "      - name: api-http\n"
    "        kind: http\n";

std::vector<MaintenanceWindowSpec> load(const std::string& entry_keys) {
  return load_config_text(kComponents + "maintenance:\n  - " + entry_keys, "t.yaml").maintenance;
}

SystemTime utc(int y, unsigned mo, unsigned d, int h, int mi = 0) {
  return sys_days{year{y} / mo / d} + hours{h} + minutes{mi};
}

MaintenanceWindowSpec recurring(const char* schedule, Duration duration, const char* zone) {
  MaintenanceWindowSpec window;
  window.schedule_text = schedule;
  window.schedule = std::make_shared<const CronSchedule>(CronSchedule::parse(schedule));
  window.time_zone = TimeZone::load(zone);
  window.duration = duration;
  return window;
}

TEST(MaintenanceTest, ReadsRecurringAndOneOffWindows) {
  auto windows = load(
      "name: nightly-vacuum\n"
      "    components: [postgres]\n"
      "    schedule: \"0 3 * * *\"\n"
      "    duration: 30m\n"
      "    time_zone: Europe/Berlin\n"
      "  - name: migration\n"
      "    start: 2026-11-23T22:00:00+01:00\n"
      "    duration: 2h\n"
      "  - name: zulu\n"
      "    start: 2026-11-23T21:00:00.5Z\n"
      "    duration: 1h\n");
  ASSERT_EQ(windows.size(), 3u);
  EXPECT_EQ(windows[0].name, "nightly-vacuum");
  EXPECT_EQ(windows[0].components, std::vector<std::string>{"postgres"});
  EXPECT_EQ(windows[0].schedule_text, "0 3 * * *");
  EXPECT_EQ(windows[0].time_zone->name(), "Europe/Berlin");
  EXPECT_EQ(windows[0].duration, minutes{30});
  EXPECT_FALSE(windows[0].start);
  EXPECT_TRUE(windows[0].covers("postgres"));
  EXPECT_FALSE(windows[0].covers("api"));
  EXPECT_EQ(windows[1].start, utc(2026, 11, 23, 21));
  EXPECT_EQ(windows[1].time_zone->name(), "UTC");
  EXPECT_TRUE(windows[1].covers("api"));  // no components: every component
  EXPECT_EQ(windows[2].start, utc(2026, 11, 23, 21) + milliseconds{500});
}

struct ErrorCase {
  const char* what;
  std::string entry_keys;  // the first entry's keys, from line 11, column 5
  std::string expected;
};

void PrintTo(const ErrorCase& error_case, std::ostream* out) { *out << error_case.what; }

const std::string kCron = "name: w\n    schedule: '0 3 * * *'\n    duration: 30m\n";

const ErrorCase kErrorCases[] = {
    {"bad cron field", "name: w\n    schedule: '0 24 * * *'\n    duration: 30m\n",
     "t.yaml:12:15: maintenance[0].schedule: field 2 (hour): 24 is out of range 0-23"},
    {"unknown zone", kCron + "    time_zone: Mars/Olympus\n",
     "t.yaml:14:16: maintenance[0].time_zone: unknown time zone 'Mars/Olympus' (no file "
     "/usr/share/zoneinfo/Mars/Olympus)"},
    {"path traversal", kCron + "    time_zone: ../../etc/passwd\n",
     "t.yaml:14:16: maintenance[0].time_zone: invalid time zone name '../../etc/passwd' (expected "
     "an IANA name like Europe/Berlin, UTC, or an offset like +02:00)"},
    {"both schedule and start", kCron + "    start: 2026-11-23T22:00:00Z\n",
     "t.yaml:14:12: maintenance[0].start: give either schedule (recurring) or start (one-off), "
     "not both"},
    {"neither", "name: w\n    duration: 30m\n",
     "t.yaml:11:5: maintenance[0].schedule: missing: give schedule (recurring, cron) or start "
     "(one-off)"},
    {"unknown component",
     "name: w\n    components: [postgres, redis]\n    schedule: '@daily'\n"
     "    duration: 1h\n",
     "t.yaml:12:17: maintenance[0].components: unknown component 'redis'"},
    {"missing name", "schedule: '@daily'\n    duration: 1h\n",
     "t.yaml:11:5: maintenance[0].name: missing required key"},
    {"invalid name", "name: 'a b'\n    schedule: '@daily'\n    duration: 1h\n",
     "t.yaml:11:11: maintenance[0].name: invalid name 'a b' (letters, digits, '_', '.', '-', "
     "starting with a letter or digit, at most 64 characters)"},
    {"missing duration", "name: w\n    schedule: '@daily'\n",
     "t.yaml:11:5: maintenance[0].duration: missing required key"},
    {"zero duration", "name: w\n    schedule: '@daily'\n    duration: 0s\n",
     "t.yaml:13:15: maintenance[0].duration: must be greater than 0"},
    {"recurring longer than a week", "name: w\n    schedule: '@daily'\n    duration: 8d\n",
     "t.yaml:13:15: maintenance[0].duration: must be at most 7d for a recurring window, got 8d"},
    {"time_zone with start",
     "name: w\n    start: 2026-11-23T22:00:00Z\n    duration: 1h\n    time_zone: UTC\n",
     "t.yaml:14:16: maintenance[0].time_zone: applies to schedule only; give start with its UTC "
     "offset instead"},
    {"start without offset", "name: w\n    start: 2026-11-23T22:00:00\n    duration: 1h\n",
     "t.yaml:12:12: maintenance[0].start: missing UTC offset (add Z or +HH:MM), got "
     "'2026-11-23T22:00:00'"},
    {"start not a date", "name: w\n    start: tomorrow\n    duration: 1h\n",
     "t.yaml:12:12: maintenance[0].start: expected an RFC 3339 time with a UTC offset, like "
     "2026-11-23T22:00:00+01:00 or 2026-11-23T21:00:00Z, got 'tomorrow'"},
    {"start on Feb 30", "name: w\n    start: 2026-02-30T22:00:00Z\n    duration: 1h\n",
     "t.yaml:12:12: maintenance[0].start: invalid date, got '2026-02-30T22:00:00Z'"},
    {"misspelt key", "name: w\n    schedul: '@daily'\n    duration: 1h\n",
     "t.yaml:12:5: maintenance[0].schedul: unknown key (did you mean 'schedule'?)"},
    {"duplicate name", kCron + "  - name: w\n    schedule: '@daily'\n    duration: 1h\n",
     "t.yaml:14:11: maintenance[1].name: duplicate maintenance window name 'w' (first defined at "
     "t.yaml:11:11)"},
};

class MaintenanceErrors : public ::testing::TestWithParam<ErrorCase> {};

TEST_P(MaintenanceErrors, NameFileLineAndKey) {
  EXPECT_EQ(error_of([&] { load(GetParam().entry_keys); }), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(Table, MaintenanceErrors, ::testing::ValuesIn(kErrorCases));

struct ActiveCase {
  const char* what;
  MaintenanceWindowSpec window;
  SystemTime now;
  std::optional<SystemTime> until;
};

void PrintTo(const ActiveCase& active_case, std::ostream* out) { *out << active_case.what; }

MaintenanceWindowSpec one_off(SystemTime start, Duration duration) {
  MaintenanceWindowSpec window;
  window.start = start;
  window.duration = duration;
  window.time_zone = TimeZone::utc();
  return window;
}

const auto kNightlyBerlin = recurring("0 3 * * *", minutes{30}, "Europe/Berlin");
const auto kHalfPastTwoBerlin = recurring("30 2 * * *", minutes{30}, "Europe/Berlin");

const ActiveCase kActiveCases[] = {
    {"one-off: at start", one_off(utc(2026, 11, 23, 21), hours{2}), utc(2026, 11, 23, 21),
     utc(2026, 11, 23, 23)},
    {"one-off: before", one_off(utc(2026, 11, 23, 21), hours{2}), utc(2026, 11, 23, 20, 59),
     std::nullopt},
    {"one-off: at end", one_off(utc(2026, 11, 23, 21), hours{2}), utc(2026, 11, 23, 23),
     std::nullopt},
    // 03:00 Berlin is 02:00 UTC in winter, 01:00 UTC in summer.
    {"winter: inside", kNightlyBerlin, utc(2026, 11, 22, 2, 10), utc(2026, 11, 22, 2, 30)},
    {"winter: at start", kNightlyBerlin, utc(2026, 11, 22, 2), utc(2026, 11, 22, 2, 30)},
    {"winter: at end", kNightlyBerlin, utc(2026, 11, 22, 2, 30), std::nullopt},
    {"winter: 03:00 UTC is not 03:00 Berlin", kNightlyBerlin, utc(2026, 11, 22, 3, 10),
     std::nullopt},
    {"summer: inside", kNightlyBerlin, utc(2026, 7, 1, 1, 29), utc(2026, 7, 1, 1, 30)},
    {"summer: before", kNightlyBerlin, utc(2026, 7, 1, 0, 59), std::nullopt},
    // 2026-03-29: 02:00 CET jumps to 03:00 CEST (01:00 UTC); 02:30 never happens, so the
    // window opens at the jump and lasts its full duration.
    {"skipped start fires at the jump", kHalfPastTwoBerlin, utc(2026, 3, 29, 1, 0),
     utc(2026, 3, 29, 1, 30)},
    {"skipped start: not before the jump", kHalfPastTwoBerlin, utc(2026, 3, 29, 0, 59),
     std::nullopt},
    // 2026-10-25: 03:00 CEST goes back to 02:00 CET (01:00 UTC); 02:30 happens at 00:30 UTC
    // and again at 01:30 UTC. Only the first counts.
    {"repeated start: first time", kHalfPastTwoBerlin, utc(2026, 10, 25, 0, 45),
     utc(2026, 10, 25, 1, 0)},
    {"repeated start: not again", kHalfPastTwoBerlin, utc(2026, 10, 25, 1, 45), std::nullopt},
    {"hourly: the repeated 02:00 does not fire again",
     recurring("0 * * * *", minutes{90}, "Europe/Berlin"), utc(2026, 10, 25, 1, 20),
     utc(2026, 10, 25, 1, 30)},
    {"weekend window spans days", recurring("0 22 * * fri", hours{56}, "UTC"),
     utc(2026, 11, 22, 23, 0), utc(2026, 11, 23, 6, 0)},
    {"weekend window: over", recurring("0 22 * * fri", hours{56}, "UTC"), utc(2026, 11, 23, 6, 0),
     std::nullopt},
    {"overlapping occurrences: latest end", recurring("0 * * * *", minutes{90}, "UTC"),
     utc(2026, 11, 22, 10, 20), utc(2026, 11, 22, 11, 30)},
    {"Lord Howe half-hour DST", recurring("0 2 * * *", hours{1}, "Australia/Lord_Howe"),
     utc(2026, 11, 21, 15, 30), utc(2026, 11, 21, 16, 0)},  // 02:00 +11 = 15:00 UTC
    {"Kolkata", recurring("0 9 * * mon-fri", hours{1}, "Asia/Kolkata"), utc(2026, 11, 23, 3, 45),
     utc(2026, 11, 23, 4, 30)},
    {"Kolkata on a Sunday", recurring("0 9 * * mon-fri", hours{1}, "Asia/Kolkata"),
     utc(2026, 11, 22, 3, 45), std::nullopt},
    {"2090, past the transition table", kNightlyBerlin, utc(2090, 7, 1, 1, 15),
     utc(2090, 7, 1, 1, 30)},
};

class MaintenanceActive : public ::testing::TestWithParam<ActiveCase> {};

TEST_P(MaintenanceActive, ActiveUntil) {
  EXPECT_EQ(GetParam().window.active_until(GetParam().now), GetParam().until);
}

INSTANTIATE_TEST_SUITE_P(Table, MaintenanceActive, ::testing::ValuesIn(kActiveCases));

// active_until agrees with a minute-by-minute replay of the rule for a whole day around each
// clock change: every local start minute, resolved by first_instant_at_or_after.
TEST(MaintenanceTest, ActiveUntilAgreesWithReplay) {
  const auto zone = TimeZone::load("Europe/Berlin");
  for (const char* schedule : {"*/20 1-3 * * *", "30 2 * * *", "0 * * * *"}) {
    const auto window = recurring(schedule, minutes{45}, "Europe/Berlin");
    for (SystemTime day : {utc(2026, 3, 28, 12), utc(2026, 10, 24, 12)}) {
      std::vector<SystemTime> starts;
      for (auto local = floor<minutes>(zone->local_time(day - hours{2}));
           local < floor<minutes>(zone->local_time(day + hours{26})); local += minutes{1}) {
        if (window.schedule->matches(local))
          starts.push_back(zone->first_instant_at_or_after(local));
      }
      for (SystemTime now = day; now < day + hours{24}; now += minutes{5}) {
        std::optional<SystemTime> expected;
        for (SystemTime start : starts) {
          if (start <= now && now < start + window.duration) expected = start + window.duration;
        }
        ASSERT_EQ(window.active_until(now), expected)
            << schedule << " at " << now.time_since_epoch().count();
      }
    }
  }
}

}  // namespace
}  // namespace watchdog::config
