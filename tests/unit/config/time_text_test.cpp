// The shared time and duration texts (config/time_text.h): RFC 3339 both ways, UTC stamps,
// Unix time and the two duration styles.
#include "config/time_text.h"

#include <gtest/gtest.h>

namespace watchdog::config {
namespace {

using namespace std::chrono;
using namespace std::chrono_literals;

SystemTime at(sys_days day, nanoseconds since_midnight = 0ns) {
  return SystemTime(duration_cast<SystemTime::duration>(day.time_since_epoch() + since_midnight));
}

TEST(FormatRfc3339, WholeSecondsInUtcDroppingTheFraction) {
  EXPECT_EQ(format_rfc3339(at(2026y / 11 / 22, 6h + 14min + 55s + 870ms)), "2026-11-22T06:14:55Z");
  EXPECT_EQ(format_rfc3339(SystemTime{}), "1970-01-01T00:00:00Z");
  EXPECT_EQ(format_rfc3339(at(2028y / 2 / 29, 23h + 59min + 59s)), "2028-02-29T23:59:59Z");
}

TEST(FormatRfc3339, MillisecondsAlwaysThreeDigits) {
  EXPECT_EQ(format_rfc3339_ms(at(2026y / 11 / 22, 3h + 35min + 123ms)), "2026-11-22T03:35:00.123Z");
  EXPECT_EQ(format_rfc3339_ms(at(2026y / 11 / 22, 3h + 35min + 7ms)), "2026-11-22T03:35:00.007Z");
  EXPECT_EQ(format_rfc3339_ms(at(2026y / 11 / 22, 3h + 35min + 999999us)),
            "2026-11-22T03:35:00.999Z");  // truncated, never rounded into the next second
  EXPECT_EQ(format_rfc3339_ms(SystemTime{}), "1970-01-01T00:00:00.000Z");
}

TEST(FormatRfc3339, MicrosecondsAlwaysSixDigits) {  // Kubernetes MicroTime
  EXPECT_EQ(format_rfc3339_us(at(2026y / 11 / 22, 3h + 35min + 870738us)),
            "2026-11-22T03:35:00.870738Z");
  EXPECT_EQ(format_rfc3339_us(at(2026y / 11 / 22, 3h + 35min + 7us)),
            "2026-11-22T03:35:00.000007Z");
  EXPECT_EQ(format_rfc3339_us(at(2026y / 11 / 22, 3h + 35min + 999999999ns)),
            "2026-11-22T03:35:00.999999Z");  // truncated, never rounded into the next second
  EXPECT_EQ(format_rfc3339_us(SystemTime{}), "1970-01-01T00:00:00.000000Z");
}

TEST(FormatRfc3339, BeforeTheEpochRoundsDown) {
  EXPECT_EQ(format_rfc3339(SystemTime{} - 1ms), "1969-12-31T23:59:59Z");
  EXPECT_EQ(format_rfc3339_ms(SystemTime{} - 1ms), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(format_rfc3339_us(SystemTime{} - 1us), "1969-12-31T23:59:59.999999Z");
}

TEST(FormatUtc, StampsAndPatterns) {
  const auto t = at(2026y / 11 / 22, 3h + 15min + 500ms);
  EXPECT_EQ(format_utc_stamp(t), "20261122T031500Z");
  EXPECT_EQ(format_utc(t, "%Y-%m-%d"), "2026-11-22");
  EXPECT_EQ(format_utc(t, "%G-W%V"), "2026-W47");
  EXPECT_EQ(format_utc(at(2024y / 2 / 29), "%Y-%m-%d %j"), "2024-02-29 060");
}

TEST(ParseRfc3339, UtcWithAndWithoutFraction) {
  EXPECT_EQ(parse_rfc3339("2026-11-22T06:14:55Z"), at(2026y / 11 / 22, 6h + 14min + 55s));
  EXPECT_EQ(parse_rfc3339("2026-11-22T06:14:55z"), at(2026y / 11 / 22, 6h + 14min + 55s));
  EXPECT_EQ(parse_rfc3339("2026-11-22T06:14:55.5Z"), at(2026y / 11 / 22, 6h + 14min + 55s + 500ms));
  EXPECT_EQ(parse_rfc3339("2026-11-22T03:35:00.123Z"), at(2026y / 11 / 22, 3h + 35min + 123ms));
  EXPECT_EQ(parse_rfc3339("2026-11-22T06:14:55.870738214Z"),
            at(2026y / 11 / 22, 6h + 14min + 55s + 870738214ns));
}

TEST(ParseRfc3339, OffsetsGiveTheSameInstant) {
  const auto utc = at(2026y / 11 / 22, 6h + 14min + 55s);
  EXPECT_EQ(parse_rfc3339("2026-11-22T08:14:55+02:00"), utc);
  EXPECT_EQ(parse_rfc3339("2026-11-22T00:44:55-05:30"), utc);
  EXPECT_EQ(parse_rfc3339("2026-11-22T06:14:55+00:00"), utc);
  // An offset that crosses midnight and a month.
  EXPECT_EQ(parse_rfc3339("2026-12-01T01:00:00+02:00"), at(2026y / 11 / 30, 23h));
}

TEST(ParseRfc3339, LeapDay) {
  EXPECT_EQ(parse_rfc3339("2028-02-29T12:00:00Z"), at(2028y / 2 / 29, 12h));
  EXPECT_EQ(parse_rfc3339("2028-03-01T00:30:00+01:00"), at(2028y / 2 / 29, 23h + 30min));
}

TEST(ParseRfc3339, RejectsWhatIsNotATimestamp) {
  EXPECT_FALSE(parse_rfc3339("0001-01-01T00:00:00Z"));  // Docker's zero time: never
  EXPECT_FALSE(parse_rfc3339(""));
  EXPECT_FALSE(parse_rfc3339("yesterday"));
  EXPECT_FALSE(parse_rfc3339("2026-11-22T06:14:55"));  // no zone
  EXPECT_FALSE(parse_rfc3339("2026-11-22 06:14:55Z"));
  EXPECT_FALSE(parse_rfc3339("2026-11-22T06:14:55+0200"));
  EXPECT_FALSE(parse_rfc3339("20261122T061455Z"));
}

// Found by scripts/fuzz.sh (config_values): the year 226 overflowed the nanosecond count (UB).
TEST(ParseRfc3339, RejectsInstantsSystemTimeCannotHold) {
  EXPECT_FALSE(parse_rfc3339("0226-12-06T04:00:00.123456+01:00"));
  EXPECT_FALSE(parse_rfc3339("1677-12-31T23:59:59Z"));
  EXPECT_FALSE(parse_rfc3339("2262-01-01T00:00:00Z"));
  EXPECT_FALSE(parse_rfc3339("2261-99-99T99:99:99Z"));  // timegm would carry into 2270
  EXPECT_FALSE(parse_rfc3339("2026-00-10T00:00:00Z"));
  EXPECT_EQ(parse_rfc3339("2261-12-31T23:59:59-99:59"),
            at(2261y / 12 / 31, 23h + 59min + 59s) + 99h + 59min);
  EXPECT_EQ(parse_rfc3339("1678-01-01T00:00:00Z"), at(1678y / 1 / 1, 0h));
}

TEST(ParseRfc3339, RoundTripsBothFormats) {
  const auto t = at(2026y / 11 / 22, 3h + 35min + 123ms);
  EXPECT_EQ(parse_rfc3339(format_rfc3339_ms(t)), t);
  EXPECT_EQ(parse_rfc3339(format_rfc3339(t)), floor<seconds>(t));
}

TEST(UnixTime, SecondsWithFractionAndMilliseconds) {
  const auto t = at(2026y / 11 / 22, 3h + 35min + 250ms);
  EXPECT_DOUBLE_EQ(unix_seconds(t), 1795318500.25);
  EXPECT_DOUBLE_EQ(unix_seconds(SystemTime{}), 0.0);
  EXPECT_EQ(epoch_ms(t), 1795318500250);
  EXPECT_EQ(from_epoch_ms(1795318500250), t);
  EXPECT_EQ(epoch_ms(SystemTime{}), 0);
  EXPECT_EQ(from_epoch_ms(-1500), SystemTime{} - 1500ms);
  EXPECT_EQ(epoch_ms(at(2026y / 11 / 22, 999us)), epoch_ms(at(2026y / 11 / 22)));  // truncates
}

TEST(HumanDuration, DetailsToATenthWhereItMatters) {
  EXPECT_EQ(human_duration(0ns), "0 ms");
  EXPECT_EQ(human_duration(999us), "0 ms");
  EXPECT_EQ(human_duration(120ms), "120 ms");
  EXPECT_EQ(human_duration(999ms), "999 ms");
  EXPECT_EQ(human_duration(1s), "1.0 s");
  EXPECT_EQ(human_duration(1230ms), "1.2 s");
  EXPECT_EQ(human_duration(9960ms), "10.0 s");
  EXPECT_EQ(human_duration(10s), "10 s");
  EXPECT_EQ(human_duration(60s), "60 s");
  EXPECT_EQ(human_duration(119s), "119 s");
  EXPECT_EQ(human_duration(120s), "2 min");
  EXPECT_EQ(human_duration(303s), "5 min 3 s");
  EXPECT_EQ(human_duration(2h), "120 min");
}

TEST(HumanDuration, NegativeStaysInMilliseconds) {
  EXPECT_EQ(human_duration(-120ms), "-120 ms");
  EXPECT_EQ(human_duration(-1500ms), "-1500 ms");
}

TEST(LatencyMs, MillisecondsToATenth) {
  EXPECT_EQ(latency_ms(0ns), "0.0 ms");
  EXPECT_EQ(latency_ms(420us), "0.4 ms");
  EXPECT_EQ(latency_ms(25ms), "25.0 ms");
  EXPECT_EQ(latency_ms(1500ms), "1500.0 ms");
}

TEST(CoarseDuration, TwoLargestUnits) {
  EXPECT_EQ(coarse_duration(0s), "0s");
  EXPECT_EQ(coarse_duration(45s), "45s");
  EXPECT_EQ(coarse_duration(60s), "1m 00s");
  EXPECT_EQ(coarse_duration(192s), "3m 12s");
  EXPECT_EQ(coarse_duration(2h + 5min + 59s), "2h 05m");
  EXPECT_EQ(coarse_duration(24h), "1d 0h");
  EXPECT_EQ(coarse_duration(76h + 59min), "3d 4h");
}

TEST(CoarseDuration, NegativeCountsAsZero) {
  EXPECT_EQ(coarse_duration(-5s), "0s");
  EXPECT_EQ(coarse_duration(-48h), "0s");
}

}  // namespace
}  // namespace watchdog::config
