// SIGHUP on a real daemon: a component removed mid-incident has its incident resolved at the
// receiver ("removed from configuration"); a changed state_dir or listen address is refused
// with a log line and the running value kept, while the rest of the new file applies.
#include <gtest/gtest.h>
#include <signal.h>

#include "tests/integration/harness.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;

TEST(Reload, RemovedComponentIsResolvedAndStateDirAndListenAreRefused) {
  TempDir dir;
  WebhookReceiver receiver;
  const std::string alerts =
      "alerts:\n  - name: hook\n    kind: webhook\n    url: " + receiver.url() + "\n";
  const std::string failing = fill(R"(
components:
  - name: db
    probes:
      - name: db-tcp
        kind: tcp
        host: 127.0.0.1
        port: @PORT@
        interval: 500ms
        timeout: 200ms
        jitter: 0s
        failure_threshold: 1
)",
                                   {{"PORT", std::to_string(free_port())}});
  WatchdogProcess watchdog(dir, watchdog_options(failing + alerts));
  ASSERT_TRUE(receiver.wait_for(1, 10s)) << watchdog.log();  // db is CRITICAL
  const std::string incident = find_component(watchdog.status(), "db").value("incident_id", "");
  ASSERT_FALSE(incident.empty());

  // The new file: db gone, another component, and a state_dir and a port of its own.
  const auto moved = dir / "moved-state";
  dir.write("watchdog.yaml", "watchdog:\n  listen: 127.0.0.1:" + std::to_string(free_port()) +
                                 "\n  state_dir: " + moved.string() + R"(
components:
  - name: disk
    probes:
      - name: root
        kind: disk
        path: /
        warn: 100%
        critical: 100%
)" + alerts);
  watchdog.process().signal(SIGHUP);
  ASSERT_TRUE(receiver.wait_for(2, 10s)) << watchdog.log();
  const auto resolution = receiver.requests("POST").at(1).json;
  EXPECT_EQ(resolution.value("incident_id", ""), incident);
  EXPECT_EQ(resolution.value("to", ""), "HEALTHY");
  EXPECT_EQ(resolution.value("condition", ""), "removed");
  EXPECT_EQ(resolution.value("reason", ""), "removed from configuration");

  const auto log = watchdog.log();
  EXPECT_NE(log.find("config_reload_key_refused key=watchdog.state_dir"), std::string::npos) << log;
  EXPECT_NE(log.find("config_reload_key_refused key=watchdog.listen"), std::string::npos) << log;
  EXPECT_NE(log.find("config_reloaded"), std::string::npos) << log;
  // Still on the old port (status() asks it), with the new components, the old store.
  const auto status = watchdog.status();
  EXPECT_FALSE(find_component(status, "db").is_object());
  EXPECT_TRUE(find_component(status, "disk").is_object());
  EXPECT_FALSE(std::filesystem::exists(moved));
}

}  // namespace
}  // namespace watchdog::testing
