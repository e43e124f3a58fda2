// The watchdog's own HTTP endpoint under a crowd of idle clients (issue #20): 2,000 connections
// that never send a byte must neither delay /healthz (a liveness probe would kill the pod) nor
// use up the process's descriptors (its own probes would then fail and page about healthy
// services). Before the connection front, 8 idle clients delayed /healthz by up to 4.7 s and
// ~1,000 made every probe fail with "Too many open files".
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <vector>

#include "tests/integration/harness.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kIdleClients = 2000;

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

std::size_t open_descriptors(pid_t pid) {
  const auto dir = std::filesystem::path("/proc") / std::to_string(pid) / "fd";
  return static_cast<std::size_t>(
      std::distance(std::filesystem::directory_iterator(dir), std::filesystem::directory_iterator{}));
}

TEST(HttpEndpoint, TwoThousandIdleConnectionsNeitherDelayHealthzNorExhaustDescriptors) {
  rlimit files{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &files), 0);
  files.rlim_cur = files.rlim_max;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &files), 0);
  ASSERT_GE(files.rlim_cur, static_cast<rlim_t>(kIdleClients + 200))
      << "this test needs a hard RLIMIT_NOFILE above " << kIdleClients;

  TempDir dir;
  WebhookReceiver target;  // a healthy HTTP service the watchdog checks meanwhile
  const std::string yaml = fill(R"(
defaults:
  interval: 200ms
  timeout: 150ms
  jitter: 0s
  failure_threshold: 1
components:
  - name: api
    probes:
      - {name: api-http, kind: http, url: "@URL@"}
)",
                                {{"URL", target.url("/health")}});
  WatchdogProcess watchdog(dir, watchdog_options(yaml));

  std::vector<int> idle;
  for (int i = 0; i < kIdleClients; ++i) {
    const int fd = connect_to(watchdog.port());
    ASSERT_GE(fd, 0) << "connection " << i << " refused";
    idle.push_back(fd);
  }

  std::vector<double> healthz_ms;
  for (int i = 0; i < 5; ++i) {
    const auto started = Clock::now();
    const auto answer = watchdog.get("/healthz");
    healthz_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - started).count());
    EXPECT_EQ(answer.status, 200) << answer.body;
  }
  std::sort(healthz_ms.begin(), healthz_ms.end());
  std::printf("/healthz beside %d idle connections: median %.1f ms, max %.1f ms\n", kIdleClients,
              healthz_ms[2], healthz_ms[4]);
  // The requirement is 100 ms; this bound only separates "answered at once" from "queued behind
  // idle clients" (seconds to minutes before) without flaking on a loaded machine.
  EXPECT_LT(healthz_ms[4], 1000.0);

  // The cap holds: the longest-idle connections were closed to make room.
  const auto descriptors = open_descriptors(watchdog.process().pid());
  EXPECT_LT(descriptors, 700u) << "the idle connections were all kept";
  EXPECT_LE(watchdog.metric("watchdog_http_connections"), 512);
  EXPECT_GE(watchdog.metric("watchdog_http_connections_evicted_total"), kIdleClients - 512);
  std::size_t closed = 0;
  for (int fd : idle) {
    pollfd entry{fd, POLLIN, 0};
    char byte;
    if (::poll(&entry, 1, 0) > 0 && ::recv(fd, &byte, 1, MSG_DONTWAIT) == 0) ++closed;
  }
  EXPECT_GE(closed, static_cast<std::size_t>(kIdleClients - 512));

  // No false outage: the watched service stayed healthy all along.
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(component_state(watchdog.status(), "api"), "HEALTHY") << watchdog.log();
  EXPECT_EQ(watchdog.metric("watchdog_probe_runs_total", {{"probe", "api-http"}, {"status", "unhealthy"}}),
            0);
  for (int fd : idle) ::close(fd);
}

}  // namespace
}  // namespace watchdog::testing
