// DiskTrend on a synthetic clock: growth rate by least squares, time to full, the minimum
// span, pruning to the window, thinning to the cap, and its memory round trip.
#include "probes/disk_trend.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

namespace watchdog::probes {
namespace {

using namespace std::chrono_literals;
using TimePoint = DiskTrend::TimePoint;

constexpr double kMiB = 1024.0 * 1024.0;
const TimePoint kStart = TimePoint(std::chrono::seconds(1'800'000'000));

// `count` samples `every` apart from kStart; available bytes from `bytes(i)`.
template <typename Bytes>
void feed(DiskTrend& trend, int count, std::chrono::seconds every, Bytes bytes, int from = 0) {
  for (int i = from; i < from + count; ++i) trend.add(kStart + i * every, bytes(i));
}

TEST(DiskTrend, SteadyGrowthGivesTheExactTimeToFull) {
  DiskTrend trend(6h);
  // 1 MiB a minute for an hour, from 1000 MiB free: 940 MiB left, 940 minutes to full.
  feed(trend, 61, 60s, [](int i) { return (1000 - i) * kMiB; });
  const auto estimate = trend.estimate();
  ASSERT_TRUE(estimate);
  EXPECT_NEAR(estimate->growth_bytes_per_second, kMiB / 60, 1e-6);
  EXPECT_NEAR(estimate->full_in.count(), 940 * 60.0, 1e-6);
}

TEST(DiskTrend, NoisyGrowthFollowsTheLineNotTheLastTwoSamples) {
  DiskTrend trend(1h);
  // 1 MiB a minute with ±0.5 MiB alternating noise; the last step even goes the other way.
  feed(trend, 31, 60s, [](int i) { return (1000 - i + (i % 2 ? 0.5 : -0.5)) * kMiB; });
  const auto estimate = trend.estimate();
  ASSERT_TRUE(estimate);
  EXPECT_NEAR(estimate->growth_bytes_per_second * 60, kMiB, 0.05 * kMiB);
}

TEST(DiskTrend, NoEstimateWhenNotFilling) {
  struct Case {
    const char* name;
    double per_step;  // change of available bytes per sample
  } cases[] = {{"shrinking", +kMiB}, {"flat", 0}};
  for (const auto& c : cases) {
    DiskTrend trend(1h);
    feed(trend, 20, 60s, [&](int i) { return 500 * kMiB + i * c.per_step; });
    EXPECT_FALSE(trend.estimate()) << c.name;
  }
}

TEST(DiskTrend, NoEstimateFromTooShortASpanOrTooFewSamples) {
  struct Case {
    const char* name;
    int count;
    std::chrono::seconds every;
    bool estimated;
  } cases[] = {
      // Window 6 h: the minimum span is 36 minutes.
      {"one sample", 1, 60s, false},
      {"two samples an hour apart", 2, 3600s, false},
      {"three samples seconds apart", 3, 5s, false},
      {"35 minutes of samples", 36, 60s, false},
      {"36 minutes of samples", 37, 60s, true},
      {"three samples 18 minutes apart", 3, 18min, true},
  };
  for (const auto& c : cases) {
    DiskTrend trend(6h);
    feed(trend, c.count, c.every, [](int i) { return (1000 - i) * kMiB; });
    EXPECT_EQ(trend.estimate().has_value(), c.estimated) << c.name;
  }
}

TEST(DiskTrend, FullAlreadyIsZeroNotNegative) {
  DiskTrend trend(1h);
  feed(trend, 11, 60s, [](int i) { return (10 - i) * kMiB; });  // last sample: 0 free
  feed(
      trend, 1, 60s, [](int) { return -kMiB; }, 11);  // below 0 (root reserve)
  const auto estimate = trend.estimate();
  ASSERT_TRUE(estimate);
  EXPECT_EQ(estimate->full_in.count(), 0);
}

TEST(DiskTrend, OldSamplesLeaveTheWindow) {
  DiskTrend trend(30min);
  // Two hours of fast growth, then 30 minutes flat: only the flat part is left in the window.
  feed(trend, 120, 60s, [](int i) { return (1000 - 5 * i) * kMiB; });
  ASSERT_TRUE(trend.estimate());
  feed(
      trend, 31, 60s, [](int) { return 400 * kMiB; }, 120);
  EXPECT_EQ(trend.samples().size(), 31u);
  EXPECT_EQ(trend.samples().front().at, kStart + 120min);
  EXPECT_FALSE(trend.estimate());
}

TEST(DiskTrend, ThinningKeepsTheSpanAndTheEstimate) {
  DiskTrend thinned(6h, 50);
  DiskTrend full(6h, 10'000);
  auto bytes = [](int i) { return 100'000 * kMiB - i * 3 * kMiB; };
  feed(thinned, 360, 60s, bytes);
  feed(full, 360, 60s, bytes);
  ASSERT_EQ(thinned.samples().size(), 50u);
  EXPECT_EQ(thinned.samples().front().at, kStart);
  EXPECT_EQ(thinned.samples().back().at, kStart + 359min);
  // About evenly spread: no gap more than three times the average.
  const auto average = (thinned.samples().back().at - thinned.samples().front().at) / 49;
  for (std::size_t i = 1; i < thinned.samples().size(); ++i) {
    EXPECT_LE(thinned.samples()[i].at - thinned.samples()[i - 1].at, 3 * average) << i;
  }
  const auto a = thinned.estimate();
  const auto b = full.estimate();
  ASSERT_TRUE(a && b);
  EXPECT_NEAR(a->growth_bytes_per_second, b->growth_bytes_per_second, 1e-6);
  EXPECT_NEAR(a->full_in.count(), b->full_in.count(), 1e-3);
}

TEST(DiskTrend, AClockSteppedBackDropsTheSamplesFromTheFuture) {
  DiskTrend trend(1h);
  feed(trend, 10, 60s, [](int i) { return (1000 - i) * kMiB; });
  trend.add(kStart + 5min + 30s, 990 * kMiB);
  ASSERT_EQ(trend.samples().size(), 7u);
  EXPECT_EQ(trend.samples().back().at, kStart + 5min + 30s);
}

TEST(DiskTrend, MemoryRoundTripKeepsTheEstimate) {
  DiskTrend before(6h);
  feed(before, 61, 60s, [](int i) { return (1000 - i) * kMiB; });
  const std::string memory = before.encode("/data");
  DiskTrend after(6h);
  ASSERT_TRUE(after.restore(memory, "/data"));
  ASSERT_EQ(after.samples().size(), before.samples().size());
  const auto estimate = after.estimate();
  ASSERT_TRUE(estimate);
  EXPECT_NEAR(estimate->full_in.count(), 940 * 60.0, 1e-3);
}

TEST(DiskTrend, RestoreRefusesOtherPathsAndMalformedText) {
  DiskTrend source(6h);
  feed(source, 3, 60s, [](int i) { return (1000 - i) * kMiB; });
  const std::string memory = source.encode("/data");
  const std::string bad[] = {"",
                             "not json",
                             R"({"of":"/data"})",
                             R"({"of":"/data","samples":[[1,2,3]]})",
                             R"({"of":"/data","samples":[["x",2]]})",
                             R"({"of":5,"samples":[]})",
                             R"({"of":"/data","samples":[[99999999999999999,2]]})",
                             R"([1,2])"};
  for (const auto& text : bad) {
    DiskTrend trend(6h);
    trend.add(kStart, kMiB);
    EXPECT_FALSE(trend.restore(text, "/data")) << text;
    EXPECT_EQ(trend.samples().size(), 1u) << text;
  }
  DiskTrend other(6h);
  EXPECT_FALSE(other.restore(memory, "/var"));
  EXPECT_TRUE(other.samples().empty());
}

TEST(DiskTrend, RestoreSortsAndThinsToTheCap) {
  DiskTrend trend(6h, 10);
  ASSERT_TRUE(trend.restore(
      R"({"of":"/","samples":[[3000,7],[1000,9],[2000,8],[4000,6],[5000,5],[6000,4],[7000,3],)"
      R"([8000,2],[9000,1],[10000,0],[11000,0],[12000,0]]})",
      "/"));
  ASSERT_EQ(trend.samples().size(), 10u);
  EXPECT_EQ(trend.samples().front().at, TimePoint(1000ms));
  EXPECT_EQ(trend.samples().back().at, TimePoint(12000ms));
  EXPECT_TRUE(std::is_sorted(trend.samples().begin(), trend.samples().end(),
                             [](const auto& a, const auto& b) { return a.at < b.at; }));
}

}  // namespace
}  // namespace watchdog::probes
