#pragma once
// Shared by the Docker integration tests: a health-checked busybox container and small queries.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <utility>
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

// The game-day tests' stack: component `app` watching the container `web` of `engine` (docker
// probe, a docker_restart rung, `max_attempts`), a webhook sink at `url`. `more` is YAML appended
// to the component's mapping after its first rung (further rungs at the rung indentation, then
// component keys such as staging: and gameday:), with @SOCKET@ filled in.
inline std::string watched_app_yaml(const DockerdServer& engine, const std::string& url,
                                    int max_attempts, const std::string& more = "") {
  std::string text = R"(
components:
  - name: app
    probes:
      - name: app-docker
        kind: docker
        socket: @SOCKET@
        container: web
        interval: 1s
        timeout: 1s
        jitter: 0s
        recheck_interval: 300ms
        failure_threshold: 2
        success_threshold: 2
    recovery:
      max_attempts: @MAX@
      backoff: 1s
      max_backoff: 2s
      verify_timeout: 6s
      actions:
        - name: restart-app
          kind: docker_restart
          socket: @SOCKET@
          container: web
          stop_timeout: 1s
          timeout: 20s
)" + more + R"(alerts:
  - name: hook
    kind: webhook
    url: @URL@
)";
  for (const auto& [key, value] : std::vector<std::pair<std::string, std::string>>{
           {"@SOCKET@", engine.socket().string()}, {"@URL@", url},
           {"@MAX@", std::to_string(max_attempts)}}) {
    for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at + value.size())) {
      text.replace(at, key.size(), value);
    }
  }
  return text;
}

}  // namespace watchdog::testing
