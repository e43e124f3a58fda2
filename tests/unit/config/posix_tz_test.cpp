// PosixTimeZoneRule (the TZif footer) against glibc, which reads the same rule from $TZ: every
// half hour of 2090 for northern, southern, negative-DST (Dublin), negative transition
// times and Julian-day rules; then permanent DST (where glibc differs from RFC 8536) and parse
// errors.
#include "config/posix_tz.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "tests/support/temp_dir.h"

namespace watchdog::config {
namespace {

using namespace std::chrono;

std::string format(std::int64_t t, std::int32_t offset) {
  const local_seconds local{seconds{t + offset}};
  const local_days day = floor<days>(local);
  const year_month_day date{day};
  const hh_mm_ss<seconds> clock{local - day};
  const std::int32_t magnitude = offset < 0 ? -offset : offset;
  char text[64];
  std::snprintf(text, sizeof text, "%04d-%02u-%02u_%02ld:%02ld:%02ld_%c%02d%02d",
                static_cast<int>(date.year()), static_cast<unsigned>(date.month()),
                static_cast<unsigned>(date.day()), static_cast<long>(clock.hours().count()),
                static_cast<long>(clock.minutes().count()),
                static_cast<long>(clock.seconds().count()), offset < 0 ? '-' : '+',
                magnitude / 3600, magnitude % 3600 / 60);
  return text;
}

std::vector<std::string> glibc_local_times(const std::string& rule,
                                           const std::vector<std::int64_t>& epochs) {
  testing::TempDir dir;
  const auto input = dir.path() / "epochs";
  {
    std::ofstream out(input);
    for (auto epoch : epochs) out << '@' << epoch << '\n';
  }
  const std::string command = "TZ='" + rule + "' date -f '" + input.string() + "' +%F_%T_%z";
  std::vector<std::string> lines;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return lines;
  char line[128];
  while (std::fgets(line, sizeof line, pipe)) lines.emplace_back(line, std::strlen(line) - 1);
  ::pclose(pipe);
  return lines;
}

class AgainstGlibc : public ::testing::TestWithParam<const char*> {};

TEST_P(AgainstGlibc, TypeAtMatchesGlibc) {
  const auto rule = PosixTimeZoneRule::parse(GetParam());
  std::vector<std::int64_t> epochs;
  for (int y : {2090}) {
    const auto from = sys_seconds{sys_days{year{y} / 1 / 1}}.time_since_epoch().count();
    for (std::int64_t t = from; t < from + 366 * 86400; t += 1800) {
      epochs.push_back(t - 1);
      epochs.push_back(t);
    }
  }
  const auto expected = glibc_local_times(GetParam(), epochs);
  ASSERT_EQ(expected.size(), epochs.size());
  int mismatches = 0;
  for (std::size_t i = 0; i < epochs.size() && mismatches < 5; ++i) {
    const std::string got = format(epochs[i], rule.type_at(epochs[i]).utc_offset);
    if (got != expected[i]) {
      ++mismatches;
      ADD_FAILURE() << GetParam() << " @" << epochs[i] << ": got " << got << ", glibc says "
                    << expected[i];
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Rules, AgainstGlibc,
                         ::testing::Values("EST5EDT,M3.2.0,M11.1.0", "CET-1CEST,M3.5.0,M10.5.0/3",
                                           "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0",
                                           "IST-1GMT0,M10.5.0,M3.5.0/1",
                                           "<-02>2<-01>,M3.5.0/-1,M10.5.0/0",
                                           "XXX3YYY,J60/2,300/26", "NZST-12NZDT,M9.5.0,M4.1.0/3",
                                           "<+0530>-5:30", "EST5EDT"));

// RFC 8536 section 3.3.1: "EST5EDT,0/0,J365/25" is daylight time all year. (glibc picks the
// year by UTC and shows EST for the last five hours of each year.)
TEST(PosixTimeZoneRuleTest, PermanentDaylightTime) {
  const auto rule = PosixTimeZoneRule::parse("EST5EDT,0/0,J365/25");
  for (auto day : {sys_days{2026y / 1 / 1}, sys_days{2026y / 7 / 1}, sys_days{2026y / 12 / 31}}) {
    for (int hour = 0; hour < 24; ++hour) {
      const auto t = sys_seconds{day + hours{hour}}.time_since_epoch().count();
      EXPECT_EQ(rule.type_at(t).abbreviation, "EDT") << t;
    }
  }
}

TEST(PosixTimeZoneRuleTest, NextChangeAfter) {
  const auto rule = PosixTimeZoneRule::parse("CET-1CEST,M3.5.0,M10.5.0/3");
  const auto march = sys_seconds{sys_days{2026y / 3 / 29} + 1h}.time_since_epoch().count();
  const auto october = sys_seconds{sys_days{2026y / 10 / 25} + 1h}.time_since_epoch().count();
  EXPECT_EQ(rule.next_change_after(march - 86400), march);
  EXPECT_EQ(rule.next_change_after(march), october);
  EXPECT_EQ(PosixTimeZoneRule::parse("<+0530>-5:30").next_change_after(0), std::nullopt);
}

TEST(PosixTimeZoneRuleTest, ErrorsSayWhatWasExpected) {
  auto error = [](const char* text) -> std::string {
    try {
      PosixTimeZoneRule::parse(text);
    } catch (const std::invalid_argument& e) {
      return e.what();
    }
    return "<no error>";
  };
  EXPECT_EQ(error("CE-1"),
            "bad TZ rule 'CE-1': expected a zone name of at least 3 letters at "
            "position 3");
  EXPECT_EQ(error("CET"), "bad TZ rule 'CET': expected a number at position 4");
  EXPECT_EQ(error("CET-1CEST,M13.5.0,M10.5.0"),
            "bad TZ rule 'CET-1CEST,M13.5.0,M10.5.0': expected Mm.w.d with m 1-12, w 1-5, d 0-6 at "
            "position 18");
  EXPECT_EQ(error("CET-1CEST,M3.5.0"),
            "bad TZ rule 'CET-1CEST,M3.5.0': expected ',' at position 17");
  EXPECT_EQ(error("CET-25"), "bad TZ rule 'CET-25': expected a valid time at position 7");
  EXPECT_EQ(error("<+05"), "bad TZ rule '<+05': expected a quoted name like <+0530> at position 5");
}

}  // namespace
}  // namespace watchdog::config
