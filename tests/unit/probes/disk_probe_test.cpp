#include "probes/disk_probe.h"

#include <gtest/gtest.h>
#include <sys/statvfs.h>

#include <algorithm>

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

}  // namespace
}  // namespace watchdog::probes
