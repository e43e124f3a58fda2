#include "watchdog/engine/backoff.h"

#include <gtest/gtest.h>

#include <random>

namespace watchdog::core {
namespace {

using std::chrono::milliseconds;

TEST(Backoff, DoublesPerFailedAttemptUpToCap) {
  const milliseconds base(10'000), cap(300'000);
  EXPECT_EQ(backoff_delay(base, cap, 1), milliseconds(10'000));
  EXPECT_EQ(backoff_delay(base, cap, 2), milliseconds(20'000));
  EXPECT_EQ(backoff_delay(base, cap, 3), milliseconds(40'000));
  EXPECT_EQ(backoff_delay(base, cap, 5), milliseconds(160'000));
  EXPECT_EQ(backoff_delay(base, cap, 6), milliseconds(300'000));
  EXPECT_EQ(backoff_delay(base, cap, 1000), milliseconds(300'000));  // no overflow
  EXPECT_EQ(backoff_delay(milliseconds(0), cap, 3), milliseconds(0));
}

TEST(Jitter, MapsUnitRandomOntoSymmetricRange) {
  const milliseconds interval(60'000), jitter(6'000);
  EXPECT_EQ(jittered_interval(interval, jitter, 0.0), milliseconds(54'000));
  EXPECT_EQ(jittered_interval(interval, jitter, 0.5), milliseconds(60'000));
  EXPECT_EQ(jittered_interval(interval, jitter, 0.999999), milliseconds(65'999));
  EXPECT_EQ(jittered_interval(interval, milliseconds(0), 0.9), interval);
}

TEST(Jitter, StaysWithinBoundsAndNeverBelowOneMillisecond) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const milliseconds interval(1'000), jitter(100);
  milliseconds low = interval, high = interval;
  for (int i = 0; i < 10'000; ++i) {
    auto d = jittered_interval(interval, jitter, unit(rng));
    low = std::min(low, d);
    high = std::max(high, d);
  }
  EXPECT_GE(low, milliseconds(900));
  EXPECT_LT(high, milliseconds(1'100));
  EXPECT_LT(low, milliseconds(920));     // the whole range is used …
  EXPECT_GT(high, milliseconds(1'080));  // … on both sides
  EXPECT_EQ(jittered_interval(milliseconds(5), milliseconds(50), 0.0), milliseconds(1));
}

}  // namespace
}  // namespace watchdog::core
