// Backup anomalies (issue #18): the newest backup against the median of the previous ones, as
// tables of histories → usual figures and anomaly lines.
#include "probes/backup/backup_anomaly.h"

#include <gtest/gtest.h>

#include <limits>

namespace watchdog::probes::backup {
namespace {

constexpr std::uint64_t kMiB = 1024 * 1024;

TEST(BackupAnomaly, MedianOfOddAndEvenCounts) {
  struct Row {
    std::vector<double> values;
    std::optional<double> median;
  };
  const Row rows[] = {
      {{}, std::nullopt},      {{4}, 4}, {{9, 1, 5}, 5},  // odd: the middle one, whatever the order
      {{1, 2, 3, 100}, 2.5},                              // even: the mean of the two middle ones
      {{7, 7, 1, 7, 1000}, 7},                            // one odd value does not move it
      {{0.5, 0.25}, 0.375},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(median(row.values), row.median) << ::testing::PrintToString(row.values);
  }
}

TEST(BackupAnomaly, PercentRoundsDown) {
  // Sizes in integers: floor(size × 100 / usual), the usual a median (whole or .5).
  EXPECT_EQ(size_percent(38, 100), 38u);
  EXPECT_EQ(size_percent(4999, 10000), 49u);  // below a 50 % threshold never reads 50 %
  EXPECT_EQ(size_percent(499'999'999'999, 1'000'000'000'000), 49u);
  EXPECT_EQ(size_percent(50, 100.5), 49u);  // 49.75 %: below 50 % even with a .5 median
  EXPECT_EQ(size_percent(2'202'009, 5'767'168), 38u);  // 2.1 of 5.5 MiB
  EXPECT_EQ(size_percent(100, 100), 100u);
  EXPECT_EQ(size_percent(0, 0), 0u);
  // Beyond the exact range (size × 200 would overflow) the figure is still right.
  EXPECT_EQ(size_percent(std::numeric_limits<std::uint64_t>::max() / 4,
                         static_cast<double>(std::numeric_limits<std::uint64_t>::max() / 2)),
            49u);
  // Durations: never rounded up onto the threshold.
  EXPECT_EQ(duration_percent(0.38, 1), 38);
  EXPECT_EQ(duration_percent(0.2499999999999, 1), 24);
  EXPECT_EQ(duration_percent(1, 4), 25);
  EXPECT_EQ(duration_percent(1, 0), 0);
  EXPECT_EQ(format_seconds(0.4), "0.4 s");
  EXPECT_EQ(format_seconds(3.5), "3.5 s");
  EXPECT_EQ(format_seconds(303), "5 min 3 s");
}

// Backups "b1", "b2", … with these sizes (MiB) and durations (s; < 0 = unknown), oldest first.
std::vector<BackupSample> history(const std::vector<double>& mib,
                                  const std::vector<double>& seconds = {}) {
  std::vector<BackupSample> out;
  for (std::size_t i = 0; i < mib.size(); ++i) {
    BackupSample sample{"b" + std::to_string(i + 1),
                        static_cast<std::uint64_t>(mib[i] * static_cast<double>(kMiB)),
                        std::nullopt};
    if (i < seconds.size() && seconds[i] >= 0) sample.duration_seconds = seconds[i];
    out.push_back(sample);
  }
  return out;
}

TEST(BackupAnomaly, SizeAgainstTheUsual) {
  struct Row {
    const char* what;
    std::vector<double> mib;
    AnomalySettings settings;
    std::optional<double> usual_mib;
    std::vector<std::string> anomalies;
  };
  const Row rows[] = {
      {"no backups", {}, {}, std::nullopt, {}},
      {"two previous: no habit yet", {5, 5, 1}, {}, std::nullopt, {}},
      {"three previous are enough",
       {5, 5, 5, 1},
       {},
       5,
       {"b4 is 1 MiB, 20 % of the usual 5 MiB"}},
      {"the issue's example",
       {5.5, 5.5, 5.5, 2.1},
       {},
       5.5,
       {"b4 is 2.1 MiB, 38 % of the usual 5.5 MiB"}},
      {"even count: mean of the middle two",
       {4, 5, 6, 7, 2.6},
       {},
       5.5,
       {"b5 is 2.6 MiB, 47 % of the usual 5.5 MiB"}},
      {"exactly at the threshold is not an anomaly", {4, 4, 4, 2}, {}, 4, {}},
      {"just below it is", {4, 4, 4, 1.99}, {}, 4, {"b4 is 2 MiB, 49 % of the usual 4 MiB"}},
      {"min_ratio 0 = off, the usual is still reported", {5, 5, 5, 0.1}, {7, 0, 0}, 5, {}},
      {"a custom ratio",
       {5, 5, 5, 4},
       {7, 0.9, 0},
       5,
       {"b4 is 4 MiB, 80 % of the usual 5 MiB"}},
      {"bigger than usual is fine", {5, 5, 5, 50}, {}, 5, {}},
      // Only the last `history` previous ones count: the old small ones are forgotten.
      {"history window",
       {1, 1, 1, 1, 8, 8, 8, 3},
       {3, 0.5, 0},
       8,
       {"b8 is 3 MiB, 37 % of the usual 8 MiB"}},
      {"history window, all seven", {1, 1, 1, 1, 8, 8, 8, 3}, {}, 1, {}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.what);
    const auto verdict = judge_history(history(row.mib), row.settings);
    if (row.usual_mib) {
      ASSERT_TRUE(verdict.usual_size_bytes);
      EXPECT_NEAR(*verdict.usual_size_bytes / kMiB, *row.usual_mib, 1e-6);
      ASSERT_TRUE(verdict.size_ratio);
      EXPECT_NEAR(*verdict.size_ratio, row.mib.back() / *row.usual_mib, 1e-6);
    } else {
      EXPECT_FALSE(verdict.usual_size_bytes);
      EXPECT_FALSE(verdict.size_ratio);
    }
    EXPECT_EQ(verdict.anomalies, row.anomalies);
    EXPECT_FALSE(verdict.usual_duration_seconds) << "no durations given";
  }
}

TEST(BackupAnomaly, DurationAgainstTheUsual) {
  struct Row {
    const char* what;
    std::vector<double> seconds;  // < 0 = unknown
    AnomalySettings settings;
    std::optional<double> usual;
    std::vector<std::string> anomalies;
  };
  const Row rows[] = {
      {"fast against 3.5 s",
       {3, 4, 3.5, 3.5, 0.4},
       {},
       3.5,
       {"b5 took 0.4 s, 11 % of the usual 3.5 s"}},
      {"a usual under 1 s is noise", {0.5, 0.6, 0.5, 0.01}, {}, 0.5, {}},
      {"exactly 1 s is judged", {1, 1, 1, 0.2}, {}, 1, {"b4 took 0.2 s, 20 % of the usual 1.0 s"}},
      {"at the threshold is not an anomaly", {4, 4, 4, 1}, {}, 4, {}},
      {"min_duration_ratio 0 = off", {4, 4, 4, 0.1}, {7, 0.5, 0}, 4, {}},
      {"fewer than three known durations", {4, -1, 4, -1, 0.1}, {}, std::nullopt, {}},
      {"newest duration unknown", {4, 4, 4, -1}, {}, 4, {}},
      {"long dumps in minutes",
       {600, 660, 620, 90},
       {},
       620,
       {"b4 took 90 s, 14 % of the usual 10 min 20 s"}},
  };
  for (const auto& row : rows) {
    SCOPED_TRACE(row.what);
    const std::vector<double> sizes(row.seconds.size(), 5);  // sizes are unremarkable
    const auto verdict = judge_history(history(sizes, row.seconds), row.settings);
    EXPECT_EQ(verdict.usual_duration_seconds, row.usual);
    EXPECT_EQ(verdict.anomalies, row.anomalies);
  }
}

TEST(BackupAnomaly, BothAnomaliesAreNamedSizeFirst) {
  const auto verdict = judge_history(history({5, 5, 5, 1}, {4, 4, 4, 0.5}), {});
  EXPECT_EQ(verdict.anomalies,
            (std::vector<std::string>{"b4 is 1 MiB, 20 % of the usual 5 MiB",
                                      "b4 took 0.5 s, 12 % of the usual 4.0 s"}));
}

TEST(BackupAnomaly, EmptyPreviousBackupsGiveNoRatio) {
  const auto verdict = judge_history(history({0, 0, 0, 1}), {});
  ASSERT_TRUE(verdict.usual_size_bytes);
  EXPECT_EQ(*verdict.usual_size_bytes, 0);
  EXPECT_FALSE(verdict.size_ratio) << "no division by zero";
  EXPECT_TRUE(verdict.anomalies.empty());
}

}  // namespace
}  // namespace watchdog::probes::backup
