#include "probes/disk_probe.h"

#include <gtest/gtest.h>
#include <sys/statvfs.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "config/options.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/probes/probe_test_helpers.h"

namespace watchdog::probes {
namespace {

using namespace std::chrono_literals;
using testing::measurement;
using testing::probe_from_yaml;

class DiskProbeTest : public ::testing::Test {
 protected:
  ProbeResult check(const std::string& keys) {
    return probe_from_yaml("disk", "path: " + dir.path().string() + "\n" + keys)->check(1s);
  }
  testing::TempDir dir;
};

TEST_F(DiskProbeTest, HealthyBelowThresholds) {
  auto result = check("warn: 100%\ncritical: 100%");
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_NE(result.detail.find(dir.path().string() + " "), std::string::npos) << result.detail;
  EXPECT_NE(result.detail.find("% used, "), std::string::npos) << result.detail;
  EXPECT_GT(result.latency.count(), 0);
}

TEST_F(DiskProbeTest, DegradedAtWarn) {
  auto result = check("warn: 0%\ncritical: 100%");
  EXPECT_EQ(result.status, ProbeStatus::Degraded) << result.detail;
  EXPECT_EQ(result.failure, FailureKind::Threshold);
}

TEST_F(DiskProbeTest, UnhealthyAtCritical) {
  auto result = check("warn: 0%\ncritical: 0%");
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy) << result.detail;
  EXPECT_EQ(result.failure, FailureKind::Threshold);
  EXPECT_NE(result.detail.find("critical"), std::string::npos) << result.detail;
}

TEST_F(DiskProbeTest, InodeThresholdsApplyOnTheirOwn) {
  struct statvfs fs {};
  ASSERT_EQ(::statvfs(dir.path().c_str(), &fs), 0);
  ASSERT_GT(fs.f_files, 0u) << "the temp dir must be on a filesystem that counts inodes";
  auto result = check("warn: 100%\ncritical: 100%\ninodes_warn: 0%\ninodes_critical: 0%");
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy) << result.detail;
  EXPECT_NE(result.detail.find("inodes critical"), std::string::npos) << result.detail;
}

TEST_F(DiskProbeTest, MeasurementsMatchStatvfs) {
  auto result = check("");
  struct statvfs fs {};
  ASSERT_EQ(::statvfs(dir.path().c_str(), &fs), 0);
  double used = measurement(result, "disk_used_ratio");
  double inodes = measurement(result, "disk_inodes_used_ratio");
  EXPECT_GE(used, 0);
  EXPECT_LE(used, 1);
  EXPECT_GE(inodes, 0);
  EXPECT_LE(inodes, 1);
  double blocks_used = static_cast<double>(fs.f_blocks - fs.f_bfree);
  EXPECT_NEAR(used, blocks_used / (blocks_used + static_cast<double>(fs.f_bavail)), 0.01);
  EXPECT_EQ(measurement(result, "disk_total_bytes"),
            static_cast<double>(fs.f_blocks) * static_cast<double>(fs.f_frsize));
  double free_bytes = static_cast<double>(fs.f_bavail) * static_cast<double>(fs.f_frsize);
  EXPECT_NEAR(measurement(result, "disk_free_bytes"), free_bytes, free_bytes * 0.01 + 1e6);
}

TEST_F(DiskProbeTest, MissingPathIsUnhealthy) {
  auto missing = (dir / "not-there").string();
  auto result = probe_from_yaml("disk", "path: " + missing)->check(1s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(result.failure, FailureKind::NotFound);
  EXPECT_NE(result.detail.find(missing), std::string::npos) << result.detail;
  EXPECT_NE(result.detail.find("No such file"), std::string::npos) << result.detail;
  EXPECT_TRUE(result.measurements.empty());
}

TEST(DiskProbe, DefaultsToRoot) {
  auto result = probe_from_yaml("disk", "warn: 100%\ncritical: 100%")->check(1s);
  EXPECT_TRUE(result.detail.starts_with("/ ")) << result.detail;
}

TEST(DiskProbe, ConfigErrors) {
  EXPECT_THROW(probe_from_yaml("disk", "warn: 95%\ncritical: 90%"), config::ConfigError);
  EXPECT_THROW(probe_from_yaml("disk", "inodes_warn: 95%\ninodes_critical: 90%"),
               config::ConfigError);
  EXPECT_THROW(probe_from_yaml("disk", "warn: 180%"), config::ConfigError);
  EXPECT_THROW(probe_from_yaml("disk", "path: relative/dir"), config::ConfigError);
  EXPECT_THROW(probe_from_yaml("disk", "treshold: 90%"), config::ConfigError);
  EXPECT_NO_THROW(probe_from_yaml("disk", "critical: 95%\ninodes_warn: 50%"));
}

// The error names the key at fault.
std::string config_error(const std::string& keys) {
  try {
    probe_from_yaml("disk", keys);
  } catch (const config::ConfigError& error) {
    return error.what();
  }
  return "";
}

TEST(DiskProbe, FullInConfigErrors) {
  struct Case {
    const char* keys;
    const char* error;  // "" = accepted
  } cases[] = {
      {"full_in_warn: 12h", "full_in_warn: must not be below full_in_critical (24h)"},
      {"full_in_warn: 1h\nfull_in_critical: 2h",
       "full_in_warn: must not be below full_in_critical"},
      {"full_in_window: 0s", "full_in_window: must be at least 1s"},
      {"full_in_window: 6", "full_in_window"},
      {"full_in: maybe", "full_in"},
      {"full_in_warn: 24h", ""},
      {"full_in_warn: 2h\nfull_in_critical: 1h\nfull_in_window: 30s", ""},
      {"full_in: false\nfull_in_window: 1h", ""},
  };
  for (const auto& c : cases) {
    const std::string error = config_error(c.keys);
    if (*c.error == '\0') {
      EXPECT_EQ(error, "") << c.keys;
    } else {
      EXPECT_NE(error.find(c.error), std::string::npos) << c.keys << " → " << error;
    }
  }
}

TEST(DiskProbe, VerdictOrderCriticalBeforeWarnSpaceThenInodesThenTimeToFull) {
  DiskProbe::Settings settings;  // 80 % / 90 %, full in 48 h / 24 h
  settings.path = "/data";
  // Fitted over 4h: half the 6h window or more, so settled enough for a critical verdict.
  const DiskTrend::Estimate in_5h{1.2 * 1024 * 1024 * 1024 / 3600.0, 5h + 12min, 4h};
  const DiskTrend::Estimate in_30h{1024.0, 30h, 4h};
  const DiskTrend::Estimate in_60h{1024.0, 60h, 4h};
  const DiskTrend::Estimate in_5h_over_2h{1.2 * 1024 * 1024 * 1024 / 3600.0, 5h + 12min, 2h};
  const DiskTrend::Estimate in_5h_over_3h{1.2 * 1024 * 1024 * 1024 / 3600.0, 5h + 12min, 3h};
  struct Case {
    const char* name;
    DiskProbe::Usage usage;
    std::optional<DiskTrend::Estimate> trend;
    ProbeStatus status;
    const char* cause;  // the end of the detail
  } cases[] = {
      {"all fine", {0.5, 0.5}, in_60h, ProbeStatus::Healthy, "full in 2d12h at +3.5 MiB/h"},
      {"no estimate", {0.5, 0.5}, std::nullopt, ProbeStatus::Healthy, "50.0% inodes"},
      {"full in 5h",
       {0.5, 0.5},
       in_5h,
       ProbeStatus::Unhealthy,
       "full in 5h12m at +1.2 GiB/h (critical under 24h)"},
      {"full in 5h over 2h of history",
       {0.5, 0.5},
       in_5h_over_2h,
       ProbeStatus::Degraded,
       "(under 24h; critical once the history spans 3h)"},
      {"full in 5h over 3h of history",
       {0.5, 0.5},
       in_5h_over_3h,
       ProbeStatus::Unhealthy,
       "(critical under 24h)"},
      {"space warn beats an unsettled full-in critical",
       {0.85, 0.5},
       in_5h_over_2h,
       ProbeStatus::Degraded,
       "(space warning at 80.0%)"},
      {"full in 30h", {0.5, 0.5}, in_30h, ProbeStatus::Degraded, "(warning under 48h)"},
      {"space warn beats full-in warn",
       {0.85, 0.5},
       in_30h,
       ProbeStatus::Degraded,
       "(space warning at 80.0%)"},
      {"full-in critical beats space warn",
       {0.85, 0.85},
       in_5h,
       ProbeStatus::Unhealthy,
       "(critical under 24h)"},
      {"inodes critical beats full-in critical",
       {0.5, 0.95},
       in_5h,
       ProbeStatus::Unhealthy,
       "(inodes critical at 90.0%)"},
      {"space critical first",
       {0.95, 0.95},
       in_5h,
       ProbeStatus::Unhealthy,
       "(space critical at 90.0%)"},
      {"inodes warn beats full-in warn",
       {0.5, 0.85},
       in_30h,
       ProbeStatus::Degraded,
       "(inodes warning at 80.0%)"},
  };
  for (const auto& c : cases) {
    const auto result = DiskProbe::judge(settings, c.usage, c.trend);
    EXPECT_EQ(result.status, c.status) << c.name << ": " << result.detail;
    EXPECT_TRUE(result.detail.starts_with("/data ")) << c.name << ": " << result.detail;
    EXPECT_TRUE(result.detail.ends_with(c.cause)) << c.name << ": " << result.detail;
    if (c.status != ProbeStatus::Healthy) {
      EXPECT_EQ(result.failure, FailureKind::Threshold) << c.name;
    }
  }
}

// A history as the probe saves it: `minutes` of samples a minute apart, the last one a minute
// before `now`, the disk filling at `per_second` down to `available` at `now`.
std::string history(const std::string& path, DiskTrend::TimePoint now, int minutes,
                    double available, double per_second) {
  nlohmann::json samples = nlohmann::json::array();
  for (int m = minutes; m >= 1; --m) {
    const auto at = now - std::chrono::minutes(m);
    samples.push_back(
        {std::chrono::duration_cast<std::chrono::milliseconds>(at.time_since_epoch()).count(),
         std::llround(available + per_second * 60.0 * m)});
  }
  return nlohmann::json{{"of", path}, {"samples", samples}}.dump();
}

std::string history(const std::string& path, int minutes, double per_second) {
  return history(path, std::chrono::system_clock::now(), minutes, 1e12, per_second);
}

TEST_F(DiskProbeTest, FirstCheckHasNoEstimateButLeavesItsMemory) {
  auto result = check("");
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_EQ(measurement(result, "disk_full_in_seconds"), -1);
  EXPECT_EQ(measurement(result, "disk_growth_bytes_per_second"), -1);
  ASSERT_TRUE(result.memory);
  EXPECT_NE(result.memory->find(R"("of":")" + dir.path().string() + "\""), std::string::npos);
}

TEST_F(DiskProbeTest, RestoredHistoryEstimatesOnTheFirstCheck) {
  const std::string path = dir.path().string();
  auto probe = probe_from_yaml("disk", "path: " + path + "\nwarn: 100%\ncritical: 100%");
  struct statvfs fs {};
  ASSERT_EQ(::statvfs(path.c_str(), &fs), 0);
  const double available = static_cast<double>(fs.f_bavail) * static_cast<double>(fs.f_frsize);
  const double per_second = available / (5 * 3600.0);  // full in about 5 hours
  // Four hours of history (over half the 6h window: settled enough for a critical verdict).
  const auto now = std::chrono::system_clock::now();
  const std::string memory = history(path, now, 240, available, per_second);
  probe->restore_memory(memory);
  auto result = probe->check(1s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy) << result.detail;
  EXPECT_NE(result.detail.find("(critical under 24h)"), std::string::npos) << result.detail;
  // The same fit over the same history and what this check saw (the temp dir's filesystem is
  // shared: its free space may have moved since), at about the same instant.
  const double seen = measurement(result, "disk_free_bytes");
  DiskTrend expected(6h);
  ASSERT_TRUE(expected.restore(memory, path));
  expected.add(now, seen);
  const auto estimate = expected.estimate();
  ASSERT_TRUE(estimate);
  EXPECT_NEAR(measurement(result, "disk_growth_bytes_per_second"),
              estimate->growth_bytes_per_second, 1e-3 * estimate->growth_bytes_per_second);
  EXPECT_NEAR(measurement(result, "disk_full_in_seconds"), estimate->full_in.count(),
              1e-3 * estimate->full_in.count() + 1);
  ASSERT_TRUE(result.memory);
  DiskTrend saved(6h);
  ASSERT_TRUE(saved.restore(*result.memory, path));
  EXPECT_EQ(saved.samples().size(), 241u);
}

TEST_F(DiskProbeTest, AShortRestoredHistoryWarnsButIsNotYetCritical) {
  const std::string path = dir.path().string();
  auto probe = probe_from_yaml("disk", "path: " + path + "\nwarn: 100%\ncritical: 100%");
  // An hour at a rate that fills everything in about a minute: full in < 24h, but the history
  // spans less than half the window.
  probe->restore_memory(history(path, 60, 1e12 / 60));
  auto result = probe->check(1s);
  EXPECT_EQ(result.status, ProbeStatus::Degraded) << result.detail;
  EXPECT_NE(result.detail.find("(under 24h; critical once the history spans 3h)"),
            std::string::npos)
      << result.detail;
}

TEST_F(DiskProbeTest, CorruptOrForeignMemoryIsIgnored) {
  const std::string path = dir.path().string();
  for (const std::string& memory :
       {std::string("not json"), std::string(R"({"of":")" + path + R"(","samples":[[1,-1]]})"),
        std::string(300 * 1024, '[')}) {
    auto probe = probe_from_yaml("disk", "path: " + path);
    probe->restore_memory(memory);
    auto result = probe->check(1s);
    EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
    EXPECT_EQ(measurement(result, "disk_full_in_seconds"), -1);
    ASSERT_TRUE(result.memory);  // its own history from here, one sample
    DiskTrend saved(6h);
    ASSERT_TRUE(saved.restore(*result.memory, path));
    EXPECT_EQ(saved.samples().size(), 1u);
  }
}

TEST_F(DiskProbeTest, HistoryOfAnotherPathOrTurnedOffIsIgnored) {
  const std::string other = history("/", 60, 1e9);
  auto probe = probe_from_yaml("disk", "path: " + dir.path().string());
  probe->restore_memory(other);
  EXPECT_EQ(measurement(probe->check(1s), "disk_full_in_seconds"), -1);

  // Turned off: the saved history is forgotten ("" once), then nothing is sent.
  auto off = probe_from_yaml("disk", "path: " + dir.path().string() + "\nfull_in: false");
  off->restore_memory(history(dir.path().string(), 60, 1e9));
  auto result = off->check(1s);
  EXPECT_EQ(measurement(result, "disk_full_in_seconds"), -1);
  EXPECT_EQ(result.memory, "");
  EXPECT_EQ(result.detail.find("full in"), std::string::npos) << result.detail;
  EXPECT_FALSE(off->check(1s).memory);
  // Off without a saved history: nothing to forget.
  auto fresh = probe_from_yaml("disk", "path: " + dir.path().string() + "\nfull_in: false");
  EXPECT_FALSE(fresh->check(1s).memory);
}

}  // namespace
}  // namespace watchdog::probes
