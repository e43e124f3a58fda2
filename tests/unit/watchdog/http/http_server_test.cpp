// /healthz and /readyz judge the engine loop only: starting, turning, or stalled.
#include "watchdog/http/http_server.h"

#include <gtest/gtest.h>

#include "watchdog/cli/healthcheck.h"

namespace watchdog::core {
namespace {

using namespace std::chrono_literals;
using Steady = std::chrono::steady_clock;

TEST(EngineHealth, StartingUntilTheFirstTurnThenStalledIfItNeverComes) {
  const Steady::time_point since = Steady::now();
  const Steady::time_point none{};  // no heartbeat yet
  EXPECT_EQ(engine_health(none, since, since + 1s), EngineHealth::Starting);
  EXPECT_EQ(engine_health(none, since, since + kStalledAfter), EngineHealth::Stalled);
}

TEST(EngineHealth, RunningWhileTheHeartbeatIsFresh) {
  const Steady::time_point since = Steady::now();
  const Steady::time_point heartbeat = since + 2s;
  EXPECT_EQ(engine_health(heartbeat, since, since + 5s), EngineHealth::Running);
  EXPECT_EQ(engine_health(heartbeat, since, heartbeat + kStalledAfter - 1ms),
            EngineHealth::Running);
  EXPECT_EQ(engine_health(heartbeat, since, heartbeat + kStalledAfter), EngineHealth::Stalled);
}

TEST(HealthcheckUrl, AWildcardListenIsAskedOnLoopback) {
  EXPECT_EQ(local_url({"0.0.0.0", 9187}, "/healthz"), "http://127.0.0.1:9187/healthz");
  EXPECT_EQ(local_url({"127.0.0.2", 80}, "/readyz"), "http://127.0.0.2:80/readyz");
  EXPECT_EQ(local_url({"::", 9187}, "/healthz"), "http://127.0.0.1:9187/healthz");
  EXPECT_EQ(local_url({"fd00::5", 9187}, "/healthz"), "http://[fd00::5]:9187/healthz");
}

}  // namespace
}  // namespace watchdog::core
