#include "probes/tcp_probe.h"

#include <gtest/gtest.h>

#include "config/options.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/probes/probe_test_helpers.h"

namespace watchdog::probes {
namespace {

using namespace std::chrono_literals;
using testing::probe_from_yaml;

std::unique_ptr<Probe> tcp(const std::string& host, int port) {
  return probe_from_yaml("tcp", "host: " + host + "\nport: " + std::to_string(port));
}

TEST(TcpProbe, HealthyWhenSomethingListens) {
  testing::HttpServer http;
  http.start();
  auto result = tcp("127.0.0.1", http.port())->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
  EXPECT_EQ(result.failure, FailureKind::None);
  EXPECT_NE(result.detail.find("127.0.0.1:" + std::to_string(http.port())), std::string::npos);
  ASSERT_EQ(result.measurements.size(), 1u);
  EXPECT_EQ(result.measurements[0].name, "tcp_connect_seconds");
  EXPECT_GE(result.measurements[0].value, 0);
  EXPECT_LT(result.measurements[0].value, 2);
}

TEST(TcpProbe, HungListenerStillCountsAsConnected) {
  testing::HungListener hung;
  auto result = tcp("127.0.0.1", hung.port())->check(1s);
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
}

TEST(TcpProbe, ResolvesNames) {
  testing::HungListener hung;  // IPv4 only: localhost's ::1 (if any) is refused, then 127.0.0.1
  auto result = tcp("localhost", hung.port())->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Healthy) << result.detail;
}

TEST(TcpProbe, RefusedWhenNothingListens) {
  auto result = tcp("127.0.0.1", testing::free_port())->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(result.failure, FailureKind::Refused);
  EXPECT_NE(result.detail.find("refused"), std::string::npos) << result.detail;
  EXPECT_LT(result.latency, 1s);
}

TEST(TcpProbe, UnresolvableHostIsAnError) {
  auto result = tcp("no-such-host.invalid", 80)->check(2s);
  EXPECT_EQ(result.status, ProbeStatus::Unhealthy);
  EXPECT_EQ(result.failure, FailureKind::Error);
  EXPECT_NE(result.detail.find("no-such-host.invalid"), std::string::npos) << result.detail;
}

TEST(TcpProbe, ConfigErrors) {
  EXPECT_THROW(tcp("127.0.0.1", 0), config::ConfigError);
  EXPECT_THROW(tcp("127.0.0.1", 65536), config::ConfigError);
  EXPECT_THROW(probe_from_yaml("tcp", "host: 127.0.0.1"), config::ConfigError);
  EXPECT_THROW(probe_from_yaml("tcp", "port: 80"), config::ConfigError);
  EXPECT_THROW(probe_from_yaml("tcp", "host: h\nport: 80\nttl: 3"), config::ConfigError);
  EXPECT_NO_THROW(tcp("example.invalid", 65535));  // construction does no I/O
}

}  // namespace
}  // namespace watchdog::probes
