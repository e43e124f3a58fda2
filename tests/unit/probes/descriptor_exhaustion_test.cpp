// A probe whose own socket() fails for lack of descriptors reports the watchdog's exhaustion
// (Unknown / LocalResource), never a refusal or an error of the target (issue #20: ~1,000 idle
// connections used up the descriptors and healthy services were declared down and "recovered").
// Each test runs in its own process (ctest), so lowering this process's limit stays here.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <vector>

#include "probes/http_probe.h"
#include "probes/tcp_probe.h"
#include "tests/unit/probes/probe_test_helpers.h"

namespace watchdog::probes {
namespace {

using namespace std::chrono_literals;
using testing::probe_from_yaml;

// Fills every free descriptor under a lowered soft limit; gives both back when destroyed.
class DescriptorsUsedUp {
 public:
  DescriptorsUsedUp() {
    ::getrlimit(RLIMIT_NOFILE, &saved_);
    rlimit lowered = saved_;
    lowered.rlim_cur = std::min<rlim_t>(saved_.rlim_cur, 256);
    ::setrlimit(RLIMIT_NOFILE, &lowered);
    while (true) {
      const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      if (fd < 0) break;
      held_.push_back(fd);
    }
  }
  ~DescriptorsUsedUp() {
    for (int fd : held_) ::close(fd);
    ::setrlimit(RLIMIT_NOFILE, &saved_);
  }

 private:
  rlimit saved_{};
  std::vector<int> held_;
};

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
