#include "config/units.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace watchdog::config {
namespace {

using std::chrono::milliseconds;

// Returns the std::invalid_argument message, or "<no error>".
template <typename Parse>
std::string reason(Parse parse, std::string_view text) {
  try {
    parse(text);
  } catch (const std::invalid_argument& error) {
    return error.what();
  }
  return "<no error>";
}

struct DurationCase {
  const char* text;
  long long ms;
};

TEST(UnitsTest, ParsesDurations) {
  const DurationCase cases[] = {
      {"500ms", 500},
      {"90s", 90'000},
      {"5m", 300'000},
      {"1h30m", 5'400'000},
      {"1h 30m", 5'400'000},
      {"2d", 172'800'000},
      {"0s", 0},
      {" 10s ", 10'000},
      {"1.5s", 1'500},
      {"0.5h", 1'800'000},
      {"2.25m", 135'000},
      {"1d2h3m4s5ms", 93'784'005},
      {"1m30s500ms", 90'500},
      {"1.5s 250ms", 1'750},
      {"0.001s", 1},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_duration(c.text), milliseconds(c.ms)) << c.text;
  }
}

struct ErrorCase {
  const char* text;
  const char* message;
};

TEST(UnitsTest, RejectsBadDurations) {
  const ErrorCase cases[] = {
      {"", "empty duration (expected e.g. 30s, 5m, 1h30m)"},
      {"10", "missing unit in '10' (expected ms, s, m, h, d)"},
      {"-5s", "negative duration '-5s'"},
      {"5sx", "unknown unit 'sx' in '5sx' (expected ms, s, m, h, d)"},
      {"5S", "unknown unit 'S' in '5S' (expected ms, s, m, h, d)"},
      {"30m1h", "units out of order or repeated in '30m1h' (write e.g. 1h30m)"},
      {"1s1s", "units out of order or repeated in '1s1s' (write e.g. 1h30m)"},
      {"1.5ms", "finer than a millisecond in '1.5ms'"},
      {"1.s", "malformed number in '1.s'"},
      {".5s", "malformed number in '.5s'"},
      {"s", "malformed duration 's'"},
      {"1h-30m", "malformed duration '1h-30m'"},
      {"9999999999999d", "duration too large in '9999999999999d'"},
      {"99999999999999999999s", "value too large in '99999999999999999999s'"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(reason(parse_duration, c.text), c.message) << c.text;
  }
}

struct SizeCase {
  const char* text;
  std::uint64_t bytes;
};

TEST(UnitsTest, ParsesSizes) {
  constexpr std::uint64_t kKi = 1024;
  const SizeCase cases[] = {
      {"0", 0},
      {"1024", 1024},
      {"10B", 10},
      {"1k", 1000},
      {"1K", 1000},
      {"1kb", 1000},
      {"1KB", 1000},
      {"500MB", 500'000'000},
      {"2GB", 2'000'000'000},
      {"1TB", 1'000'000'000'000},
      {"1KiB", kKi},
      {"1Ki", kKi},
      {"1MiB", kKi * kKi},
      {"1.5GiB", 3 * kKi * kKi * kKi / 2},
      {"1TiB", kKi * kKi * kKi * kKi},
      {"1.5 MiB", 3 * kKi * kKi / 2},
      {"1.1KiB", 1126},  // 1126.4 rounds to the nearest byte
      {" 7 B ", 7},
      {"18446744073709551615", 18446744073709551615ULL},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(parse_size(c.text), c.bytes) << c.text;
  }
}

TEST(UnitsTest, RejectsBadSizes) {
  const ErrorCase cases[] = {
      {"", "empty size (expected e.g. 512MiB, 2GB)"},
      {"-1", "negative size '-1'"},
      {"1.5", "not a whole number of bytes: '1.5'"},
      {"1.5B", "not a whole number of bytes: '1.5B'"},
      {"1XB", "unknown unit 'XB' in '1XB' (expected B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)"},
      {"1 2KiB", "malformed size '1 2KiB'"},
      {"KiB", "malformed size 'KiB'"},
      {"20000000TiB", "size too large: '20000000TiB'"},
      {"18446744073709551616", "value too large in '18446744073709551616'"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(reason(parse_size, c.text), c.message) << c.text;
  }
}

TEST(UnitsTest, ParsesRatios) {
  const std::pair<const char*, double> cases[] = {
      {"90%", 0.9}, {"0.9", 0.9},  {"0", 0.0},       {"1", 1.0},
      {"0%", 0.0},  {"100%", 1.0}, {"12.5%", 0.125}, {" 50 % ", 0.5},
  };
  for (const auto& [text, value] : cases) {
    EXPECT_DOUBLE_EQ(parse_ratio(text), value) << text;
  }
}

TEST(UnitsTest, RejectsBadRatios) {
  const ErrorCase cases[] = {
      {"", "malformed ratio '' (expected e.g. 90% or 0.9)"},
      {"%", "malformed ratio '%' (expected e.g. 90% or 0.9)"},
      {"abc", "malformed ratio 'abc' (expected e.g. 90% or 0.9)"},
      {"1e-1", "malformed ratio '1e-1' (expected e.g. 90% or 0.9)"},
      {"nan", "malformed ratio 'nan' (expected e.g. 90% or 0.9)"},
      {"150%", "ratio '150%' outside 0..1 (0%..100%)"},
      {"1.5", "ratio '1.5' outside 0..1 (0%..100%)"},
      {"-0.1", "ratio '-0.1' outside 0..1 (0%..100%)"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(reason(parse_ratio, c.text), c.message) << c.text;
  }
}

TEST(UnitsTest, FormatsDurationsThatParseBack) {
  const std::pair<long long, const char*> cases[] = {
      {0, "0s"},
      {500, "500ms"},
      {1'500, "1s500ms"},
      {90'000, "1m30s"},
      {5'400'000, "1h30m"},
      {172'800'000, "2d"},
      {90'061'001, "1d1h1m1s1ms"},
      {-1, "-1ms"},
  };
  for (const auto& [ms, text] : cases) {
    EXPECT_EQ(format_duration(milliseconds(ms)), text);
    if (ms >= 0) {
      EXPECT_EQ(parse_duration(text), milliseconds(ms)) << text;
    }
  }
}

TEST(UnitsTest, FormatsSizes) {
  constexpr std::uint64_t kMi = 1024 * 1024;
  const std::pair<std::uint64_t, const char*> cases[] = {
      {0, "0 B"},
      {1023, "1023 B"},
      {1024, "1 KiB"},
      {1536, "1.5 KiB"},
      {3 * kMi / 2, "1.5 MiB"},
      {kMi - 1, "1 MiB"},  // 1023.999 KiB would print as "1024 KiB"
      {5 * 1024 * kMi, "5 GiB"},
      {1024 * 1024 * kMi, "1 TiB"},
  };
  for (const auto& [bytes, text] : cases) {
    EXPECT_EQ(format_size(bytes), text);
  }
  EXPECT_EQ(parse_size(format_size(3 * kMi / 2)), 3 * kMi / 2);
}

TEST(UnitsTest, FormatsRatios) {
  EXPECT_EQ(format_ratio(0.9), "90%");
  EXPECT_EQ(format_ratio(0.125), "12.5%");
  EXPECT_EQ(format_ratio(1.0), "100%");
  EXPECT_EQ(format_ratio(0.0), "0%");
  EXPECT_DOUBLE_EQ(parse_ratio(format_ratio(0.125)), 0.125);
}

}  // namespace
}  // namespace watchdog::config
