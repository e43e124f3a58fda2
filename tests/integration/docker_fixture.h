#pragma once
// Shared by the Docker integration tests: a health-checked busybox container and small queries.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "tests/support/dockerd_server.h"
#include "tests/support/temp_dir.h"

namespace watchdog::testing {

// Healthy while /tmp/ok exists; the command re-creates it at every start.
inline std::vector<std::string> healthy_web(const std::string& name) {
  return {"run",
          "-d",
          "--name",
          name,
          "--network",
          "none",
          "--label",
          "app=" + name,
          "--health-cmd",
          "test -f /tmp/ok",
          "--health-interval",
          "1s",
          "--health-retries",
          "1",
          DockerdServer::image(),
          "sh",
          "-c",
          "touch /tmp/ok; exec sleep 600"};
}

inline std::string started_at(const DockerdServer& engine, const std::string& name) {
  return engine.inspect(name)["State"].value("StartedAt", "");
}

// Waits until Docker itself reports the container healthy.
inline void wait_healthy(const DockerdServer& engine, const std::string& name) {
  ASSERT_TRUE(wait_until(
      [&] { return engine.inspect(name)["State"]["Health"].value("Status", "") == "healthy"; },
      std::chrono::seconds(15)))
      << engine.inspect(name).dump(2);
}

}  // namespace watchdog::testing
