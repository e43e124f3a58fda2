// A probe whose own socket() fails for lack of descriptors reports the watchdog's exhaustion
// (Unknown / LocalResource), never a refusal or an error of the target (issue #20: ~1,000 idle
// connections used up the descriptors and healthy services were declared down and "recovered").
// Each test runs in its own process (ctest), so lowering this process's limit stays here.
#include <gtest/gtest.h>

#include "probes/http_probe.h"
#include "probes/tcp_probe.h"
#include "tests/unit/probes/descriptors_used_up.h"
#include "tests/unit/probes/probe_test_helpers.h"

namespace watchdog::probes {
namespace {

using namespace std::chrono_literals;
using testing::DescriptorsUsedUp;
using testing::probe_from_yaml;

TEST(DescriptorExhaustion, TcpProbeBlamesTheWatchdogNotTheTarget) {
  testing::HttpServer target;
  target.start();
  auto probe = probe_from_yaml("tcp", "host: 127.0.0.1\nport: " + std::to_string(target.port()));
  ProbeResult result;
  {
    DescriptorsUsedUp exhausted;
    result = probe->check(2s);
  }
  EXPECT_EQ(result.status, ProbeStatus::Unknown) << result.detail;
  EXPECT_EQ(result.failure, FailureKind::LocalResource) << result.detail;
  EXPECT_NE(result.detail.find("Too many open files"), std::string::npos) << result.detail;
  // With descriptors back, the same probe passes.
  EXPECT_EQ(probe->check(2s).status, ProbeStatus::Healthy);
}

TEST(DescriptorExhaustion, HttpProbeBlamesTheWatchdogNotTheTarget) {
  testing::HttpServer target;
  target.server.Get("/health", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok", "text/plain");
  });
  const auto base = target.start();
  auto probe = probe_from_yaml("http", "url: " + base + "/health");
  ProbeResult result;
  {
    DescriptorsUsedUp exhausted;
    result = probe->check(2s);
  }
  EXPECT_EQ(result.status, ProbeStatus::Unknown) << result.detail;
  EXPECT_EQ(result.failure, FailureKind::LocalResource) << result.detail;
  EXPECT_EQ(probe->check(2s).status, ProbeStatus::Healthy);
}

}  // namespace
}  // namespace watchdog::probes
