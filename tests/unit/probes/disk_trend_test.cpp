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

// The largest gap between neighbours, as a multiple of the average gap.
double widest_gap_ratio(const std::vector<DiskTrend::Sample>& samples) {
  const double average = DiskTrend::Seconds(samples.back().at - samples.front().at).count() /
                         static_cast<double>(samples.size() - 1);
  double widest = 0;
  for (std::size_t i = 1; i < samples.size(); ++i) {
    widest = std::max(widest, DiskTrend::Seconds(samples[i].at - samples[i - 1].at).count());
  }
  return widest / average;
}

TEST(DiskTrend, ThinningKeepsTheSpanAndTheEstimate) {
  DiskTrend thinned(6h, 50);
  DiskTrend full(6h, 10'000);
  // Accelerating growth with noise: which samples are kept changes the fitted line unless
  // they stay spread over the whole window.
  auto bytes = [](int i) {
    const double noise = std::sin(i * 12.9898) * 40 * kMiB;
    return 100'000 * kMiB - i * 3 * kMiB - i * i * 0.02 * kMiB + noise;
  };
  feed(thinned, 360, 60s, bytes);
  feed(full, 360, 60s, bytes);
  ASSERT_EQ(thinned.samples().size(), 50u);
  EXPECT_EQ(thinned.samples().front().at, kStart);
  EXPECT_EQ(thinned.samples().back().at, kStart + 359min);
  EXPECT_LE(widest_gap_ratio(thinned.samples()), 2.0);
  const auto a = thinned.estimate();
  const auto b = full.estimate();
  ASSERT_TRUE(a && b);
  EXPECT_NEAR(a->growth_bytes_per_second, b->growth_bytes_per_second,
              0.02 * b->growth_bytes_per_second);
  EXPECT_NEAR(a->full_in.count(), b->full_in.count(), 0.02 * b->full_in.count());
}

TEST(DiskTrend, ADayAtTenSecondsStaysSpreadOverTheWindow) {
  DiskTrend trend(24h, 720);
  for (int i = 0; i < 24 * 360; ++i) {
    trend.add(kStart + i * 10s, (500'000 - i) * kMiB);
    if (i % 360 != 359) continue;  // every hour: spread over what it spans so far
    const auto& samples = trend.samples();
    ASSERT_LE(samples.size(), 720u) << i;
    EXPECT_EQ(samples.front().at, kStart) << i;
    if (samples.size() == 720) {
      EXPECT_LE(widest_gap_ratio(samples), 2.0) << i;
    }
  }
  const auto& samples = trend.samples();
  ASSERT_EQ(samples.size(), 720u);
  EXPECT_EQ(samples.back().at, kStart + (24 * 360 - 1) * 10s);
  EXPECT_LE(widest_gap_ratio(samples), 2.0);
  const auto estimate = trend.estimate();
  ASSERT_TRUE(estimate);
  EXPECT_NEAR(estimate->growth_bytes_per_second, kMiB / 10, 1e-6 * kMiB);
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
                             R"({"of":"/data","samples":[[1000,-1]]})",
                             R"({"of":"/data","samples":[[1000,1e300]]})",
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

// A restored history holding more than the cap: pruned to the window of its newest sample
// first, then thinned in one pass to evenly spaced samples (the first and last kept).
std::string encoded(const std::string& of, int count, std::chrono::seconds every) {
  std::string text = R"({"of":")" + of + R"(","samples":[)";
  for (int i = 0; i < count; ++i) {
    const auto at = kStart + i * every;
    text +=
        (i ? "," : "") + std::string("[") +
        std::to_string(
            std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count()) +
        "," + std::to_string(1'000'000'000 - i) + "]";
  }
  return text + "]}";
}

TEST(DiskTrend, RestorePrunesToTheWindowThenThinsEvenly) {
  DiskTrend trend(1h, 100);
  // More than 4 × the cap is refused as a whole, before any pruning.
  EXPECT_FALSE(trend.restore(encoded("/", 401, 10s), "/"));
  EXPECT_TRUE(trend.samples().empty());
  // 400 samples at 15 s (100 minutes): the last hour (241 samples) is left, thinned to 100.
  ASSERT_TRUE(trend.restore(encoded("/", 400, 15s), "/"));
  const auto& samples = trend.samples();
  ASSERT_EQ(samples.size(), 100u);
  EXPECT_EQ(samples.back().at, kStart + 399 * 15s);
  EXPECT_EQ(samples.front().at, kStart + 399 * 15s - 1h);
  EXPECT_LE(widest_gap_ratio(samples), 1.5);
  const auto estimate = trend.estimate();
  ASSERT_TRUE(estimate);
  EXPECT_NEAR(estimate->growth_bytes_per_second, 1 / 15.0, 1e-9);
  EXPECT_EQ(estimate->span, 1h);
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

TEST(DiskTrend, AWallClockSteppedForwardStartsAfresh) {
  struct Case {
    const char* name;
    std::chrono::seconds wall;    // from the 10th sample to the 11th
    std::chrono::seconds steady;  // the same on the never-stepped clock
    std::size_t kept;             // samples after the 11th
  } cases[] = {
      {"no step", 60s, 60s, 11},
      {"a few seconds of drift", 64s, 60s, 11},
      {"stepped forward 10 minutes", 660s, 60s, 1},
      {"suspended 10 minutes (both clocks move)", 660s, 660s, 11},
  };
  for (const auto& c : cases) {
    DiskTrend trend(6h);
    for (int i = 0; i < 10; ++i) trend.add(kStart + i * 60s, (1000 - i) * kMiB, i * 60s);
    trend.add(kStart + 9 * 60s + c.wall, 990 * kMiB, 9 * 60s + c.steady);
    EXPECT_EQ(trend.samples().size(), c.kept) << c.name;
  }
  // Without the never-stepped reading a step goes unnoticed.
  DiskTrend blind(6h);
  feed(blind, 10, 60s, [](int i) { return (1000 - i) * kMiB; });
  blind.add(kStart + 9 * 60s + 660s, 990 * kMiB);
  EXPECT_EQ(blind.samples().size(), 11u);
}

TEST(DiskTrend, TheEstimateCarriesItsSpan) {
  DiskTrend trend(6h);
  feed(trend, 61, 60s, [](int i) { return (1000 - i) * kMiB; });
  const auto estimate = trend.estimate();
  ASSERT_TRUE(estimate);
  EXPECT_EQ(estimate->span, 1h);
}

}  // namespace
}  // namespace watchdog::probes
