// TimeZone against the system's own conversion: `date` (glibc reading the same zoneinfo files)
// is the truth for thousands of instants per zone, around DST changes, before 1970, across
// 2038 and far past the files' transition tables (2090, where only the POSIX footer decides).
#include "config/time_zone.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <vector>

#include "tests/support/temp_dir.h"

namespace watchdog::config {
namespace {

using namespace std::chrono;
using SystemTime = TimeZone::SystemTime;

SystemTime instant(std::int64_t epoch) { return SystemTime{seconds{epoch}}; }

std::int64_t epoch_of(int y, unsigned mo, unsigned d, int h = 0, int mi = 0) {
  const sys_seconds t = sys_days{year{y} / mo / d} + hours{h} + minutes{mi};
  return t.time_since_epoch().count();
}

// "2026-03-29_03:00:00_+0200", as `date +%F_%T_%z` prints it.
std::string format(const std::tm& tm) {
  char text[64];
  const long offset = tm.tm_gmtoff;
  const long magnitude = offset < 0 ? -offset : offset;
  std::snprintf(text, sizeof text, "%04d-%02d-%02d_%02d:%02d:%02d_%c%02ld%02ld", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, offset < 0 ? '-' : '+',
                magnitude / 3600, magnitude % 3600 / 60);
  return text;
}

// `TZ=<tz> date +%F_%T_%z` for every epoch, in one process.
std::vector<std::string> system_local_times(const std::string& tz,
                                            const std::vector<std::int64_t>& epochs) {
  testing::TempDir dir;
  const auto input = dir.path() / "epochs";
  {
    std::ofstream out(input);
    for (auto epoch : epochs) out << '@' << epoch << '\n';
  }
  const std::string command = "TZ='" + tz + "' date -f '" + input.string() + "' +%F_%T_%z 2>&1";
  std::vector<std::string> lines;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return lines;
  char line[128];
  while (std::fgets(line, sizeof line, pipe)) {
    std::string text(line);
    if (!text.empty() && text.back() == '\n') text.pop_back();
    lines.push_back(text);
  }
  ::pclose(pipe);
  return lines;
}

// Every half hour (and the second before it) of `dense_years`, where DST changes happen, every
// three hours of `sparse_years`, and scattered instants from 1811 to 2261 (SystemTime counts
// nanoseconds, so it spans ±292 years around 1970).
std::vector<std::int64_t> sample_epochs(std::initializer_list<int> dense_years,
                                        std::initializer_list<int> sparse_years) {
  std::vector<std::int64_t> epochs;
  auto sample = [&](int y, std::int64_t step) {
    for (std::int64_t t = epoch_of(y, 1, 1); t < epoch_of(y + 1, 1, 1); t += step) {
      epochs.push_back(t - 1);
      epochs.push_back(t);
    }
  };
  for (int y : dense_years) sample(y, 1800);
  for (int y : sparse_years) sample(y, 3 * 3600);
  for (std::int64_t t = -5'000'000'000; t < 9'200'000'000; t += 7'777'777) epochs.push_back(t);
  return epochs;
}

class AgainstSystemDate : public ::testing::TestWithParam<const char*> {};

TEST_P(AgainstSystemDate, ToLocalMatchesDate) {
  const auto zone = TimeZone::load(GetParam());
  const auto epochs = sample_epochs({2026, 2090}, {1945, 1996, 2038});
  const auto expected = system_local_times(GetParam(), epochs);
  ASSERT_EQ(expected.size(), epochs.size());
  int mismatches = 0;
  for (std::size_t i = 0; i < epochs.size() && mismatches < 5; ++i) {
    const std::tm local = zone->to_local(instant(epochs[i]));
    if (format(local) != expected[i]) {
      ++mismatches;
      ADD_FAILURE() << GetParam() << " @" << epochs[i] << ": got " << format(local)
                    << ", date says " << expected[i];
    }
    EXPECT_EQ(zone->utc_offset(instant(epochs[i])).count(), local.tm_gmtoff);
  }
}

INSTANTIATE_TEST_SUITE_P(Zones, AgainstSystemDate,
                         ::testing::Values("America/New_York", "Europe/Berlin",
                                           "Australia/Lord_Howe", "Asia/Kolkata",
                                           "America/Sao_Paulo", "Europe/Dublin", "UTC"));

TEST(TimeZoneTest, KnownInstants) {
  const auto berlin = TimeZone::load("Europe/Berlin");
  const std::tm summer = berlin->to_local(instant(epoch_of(2026, 7, 1, 12)));
  EXPECT_EQ(format(summer), "2026-07-01_14:00:00_+0200");
  EXPECT_EQ(summer.tm_isdst, 1);
  EXPECT_STREQ(summer.tm_zone, "CEST");
  EXPECT_EQ(summer.tm_wday, 3);
  EXPECT_EQ(summer.tm_yday, 181);
  EXPECT_STREQ(berlin->to_local(instant(epoch_of(2090, 1, 1))).tm_zone, "CET");
  EXPECT_EQ(format(TimeZone::load("Asia/Kolkata")->to_local(instant(0))),
            "1970-01-01_05:30:00_+0530");
  EXPECT_EQ(TimeZone::load("Etc/UTC")->name(), "Etc/UTC");
}

TEST(TimeZoneTest, FixedOffsets) {
  EXPECT_EQ(TimeZone::load("+02:00")->utc_offset(instant(0)), hours{2});
  EXPECT_EQ(TimeZone::load("-0530")->utc_offset(instant(0)), -(hours{5} + minutes{30}));
  EXPECT_EQ(TimeZone::load("+05")->utc_offset(instant(0)), hours{5});
}

TEST(TimeZoneTest, UtcNeedsNoFiles) {
  testing::TempDir empty;
  EXPECT_EQ(TimeZone::load("UTC", empty.path().string())->utc_offset(instant(0)), seconds{0});
  EXPECT_EQ(TimeZone::load("Etc/UTC", empty.path().string())->utc_offset(instant(0)), seconds{0});
}

std::string load_error(const std::string& name, const std::string& dir = "/usr/share/zoneinfo") {
  try {
    TimeZone::load(name, dir);
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "<no error>";
}

TEST(TimeZoneTest, ErrorsNameTheProblem) {
  const std::string hint =
      " (expected an IANA name like Europe/Berlin, UTC, or an offset like +02:00)";
  EXPECT_EQ(load_error("Europe/Berln"),
            "unknown time zone 'Europe/Berln' (no file /usr/share/zoneinfo/Europe/Berln)");
  EXPECT_EQ(load_error("Europe"),
            "unknown time zone 'Europe' (no file /usr/share/zoneinfo/Europe)");
  for (const char* name : {"../../etc/passwd", "Europe/../../etc/passwd", "/etc/passwd", "",
                           "Europe//Berlin", "./UTC", "Europe/Berlin/", "a b", "Etc/-x"}) {
    EXPECT_EQ(load_error(name), "invalid time zone name '" + std::string(name) + "'" + hint);
  }
  EXPECT_EQ(load_error("+25:00"), "UTC offset '+25:00' is out of range -18:00 to +18:00");
  EXPECT_EQ(load_error("+2:00"), "invalid UTC offset '+2:00' (expected +HH:MM)");
  EXPECT_EQ(load_error("-rf"), "invalid UTC offset '-rf' (expected +HH:MM)");

  testing::TempDir dir;
  std::ofstream(dir.path() / "Text") << "not a zone file\n";
  std::ofstream(dir.path() / "Short") << "TZif2";
  EXPECT_EQ(load_error("Text", dir.path().string()),
            "time zone 'Text': not a valid TZif file (no TZif magic)");
  EXPECT_EQ(load_error("Short", dir.path().string()),
            "time zone 'Short': not a valid TZif file (truncated)");
}

TEST(TimeZoneTest, TzdirIsHonoured) {
  testing::TempDir dir;
  const char* old = std::getenv("TZDIR");
  ::setenv("TZDIR", dir.path().c_str(), 1);
  EXPECT_THROW(TimeZone::load("Europe/Berlin"), std::invalid_argument);
  if (old) {
    ::setenv("TZDIR", old, 1);
  } else {
    ::unsetenv("TZDIR");
  }
}

// first_instant_at_or_after and latest_local_time_until against a minute-by-minute scan,
// across both of 2026's clock changes in Berlin and Lord Howe (where they are 30 minutes).
TEST(TimeZoneTest, LocalToInstantAgreesWithScan) {
  struct Window {
    const char* zone;
    std::int64_t from;
  };
  for (const Window& window : {Window{"Europe/Berlin", epoch_of(2026, 3, 29, 0)},
                               Window{"Europe/Berlin", epoch_of(2026, 10, 24, 23)},
                               Window{"Australia/Lord_Howe", epoch_of(2026, 4, 4, 14)},
                               Window{"Australia/Lord_Howe", epoch_of(2026, 10, 3, 15)},
                               Window{"America/New_York", epoch_of(2090, 11, 5, 5)}}) {
    const auto zone = TimeZone::load(window.zone);
    auto local_of = [&](std::int64_t t) {
      return zone->local_time(instant(t)).time_since_epoch().count();
    };
    for (std::int64_t t = window.from; t < window.from + 4 * 3600; t += 60) {
      const std::int64_t wanted = local_of(t) - 1800;  // local minutes around the change
      std::int64_t scanned = wanted - 26 * 3600;
      while (local_of(scanned) < wanted) scanned += 60;
      EXPECT_EQ(zone->first_instant_at_or_after(local_seconds{seconds{wanted}}), instant(scanned))
          << window.zone << " local " << wanted;
      std::int64_t latest = local_of(t);
      for (std::int64_t u = t - 86400; u <= t; u += 60) {  // changes fall on whole minutes
        latest = std::max({latest, local_of(u - 1), local_of(u)});
      }
      EXPECT_EQ(
          zone->latest_local_time_until(instant(t) + milliseconds{500}).time_since_epoch().count(),
          latest)
          << window.zone << " @" << t;
    }
  }
}

}  // namespace
}  // namespace watchdog::config
