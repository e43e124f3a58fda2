// Game days end to end against the test dockerd (issue #19): `watchdog gameday` — the real CLI,
// beside a real `watchdog run` that probes a container and restarts it — runs the built-in
// container scenarios. container-crash-loop must end FAILED with the loud alert and a report
// that says FAIL and why, then mend itself at the revert (container started, component reset);
// container-crash must be judged a crash and recovered by the watchdog's own restart.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/integration/docker_fixture.h"
#include "tests/integration/harness.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

// The watched stack with a second rung (start a stopped container), staging and gameday:.
std::string staging_yaml(const DockerdServer& engine, const std::string& url, int max_attempts) {
  return watched_app_yaml(engine, url, max_attempts, R"(        - name: start-app
          kind: docker_start
          socket: @SOCKET@
          container: web
          timeout: 20s
    staging: true
    gameday:
      container: web
      docker_socket: @SOCKET@
      timeout: 90s
)");
}

class GamedayDocker : public ::testing::Test {
 protected:
  void start_daemon(int max_attempts) {
    engine_.docker_ok(healthy_web("web"));
    wait_healthy(engine_, "web");
    watchdog_ = std::make_unique<WatchdogProcess>(
        dir_, watchdog_options(staging_yaml(engine_, receiver_.url(), max_attempts)));
    ASSERT_TRUE(healthy()) << watchdog_->log();
  }

  // HEALTHY on a probe that saw Docker's own "healthy" (not merely a running container).
  bool healthy() const {
    return wait_until(
        [&] {
          auto app = find_component(watchdog_->status(), "app");
          return app.value("state", "") == "HEALTHY" && !app["probes"].empty() &&
                 app["probes"][0].value("detail", "").find(", healthy,") != std::string::npos;
        },
        30s);
  }

  CommandResult gameday(const std::string& scenario, const std::filesystem::path& report) const {
    return run_command({kWatchdog, "gameday", "-c", watchdog_->config_path().string(),
                        "--scenario", scenario, "--component", "app", "--yes", "--json",
                        "--report", report.string()},
                       {}, 150s);
  }

  std::vector<std::string> alerted_states() const {
    std::vector<std::string> to;
    for (const auto& alert : receiver_.requests("POST")) {
      if (alert.json.value("component", "") == "app") to.push_back(alert.json.value("to", ""));
    }
    return to;
  }

  std::string container_status() const {
    return engine_.inspect("web")["State"].value("Status", "");
  }

  TempDir dir_;
  DockerdServer engine_;
  WebhookReceiver receiver_;
  std::unique_ptr<WatchdogProcess> watchdog_;
};

const json* check_named(const json& result, const std::string& what) {
  for (const auto& check : result["checks"]) {
    if (check.value("what", "") == what) return &check;
  }
  return nullptr;
}

TEST_F(GamedayDocker, CrashLoopEndsFailedWithTheAlertAndTheReportSaysWhy) {
  start_daemon(2);
  const auto report = dir_ / "crash-loop.md";
  const auto result = gameday("container-crash-loop", report);
  ASSERT_EQ(result.exit_code, 1) << result.out << result.err << watchdog_->log();
  const auto out = json::parse(result.out, nullptr, false);
  ASSERT_TRUE(out.is_object()) << result.out << result.err;
  EXPECT_EQ(out.value("outcome", ""), "failed") << out.dump(2);
  EXPECT_FALSE(out.value("passed", true));
  EXPECT_EQ(out.value("worst_state", ""), "FAILED");
  EXPECT_EQ(out.value("trigger", ""), "cli");

  // The check that failed says the watchdog gave up, and it is the only one that failed.
  const json* recovered = check_named(out, "recovered without a person");
  ASSERT_NE(recovered, nullptr) << out.dump(2);
  EXPECT_FALSE(recovered->value("passed", true));
  const std::string why = recovered->value("detail", "");
  EXPECT_NE(why.find("recovery gave up"), std::string::npos) << why;
  for (const auto& check : out["checks"]) {
    if (check.value("what", "") == "recovered without a person") continue;
    if (check.value("what", "").rfind("within the RTO", 0) == 0) continue;
    EXPECT_TRUE(check.value("passed", false)) << check.dump();
  }

  // The FAILED alert reached the receiver and the result lists it delivered.
  const auto to = alerted_states();
  ASSERT_FALSE(to.empty());
  EXPECT_EQ(to.front(), "CRITICAL") << "a crash, not a planned stop";
  EXPECT_NE(std::find(to.begin(), to.end(), "FAILED"), to.end()) << json(to).dump();
  bool failed_delivered = false;
  for (const auto& alert : out["alerts"]) {
    if (alert.value("state", "") == "FAILED" && alert.value("status", "") == "delivered" &&
        alert.value("sink", "") == "hook") {
      failed_delivered = true;
    }
  }
  EXPECT_TRUE(failed_delivered) << out["alerts"].dump(2);

  const auto markdown = read_text(report);
  EXPECT_NE(markdown.find("container-crash-loop on app — FAIL"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("✗ recovered without a person — recovery gave up"), std::string::npos)
      << markdown;

  // The revert started the container and asked the daemon to reset the FAILED component.
  EXPECT_EQ(container_status(), "running");
  EXPECT_FALSE(out["reverted"].is_null());
  ASSERT_TRUE(healthy()) << "the reset took the component out of FAILED\n" << watchdog_->log();
  const auto incident = run_command({kWatchdog, "incidents", "show", out.value("incident_id", ""),
                                     "-c", watchdog_->config_path().string()});
  EXPECT_NE(incident.out.find("reset by"), std::string::npos) << incident.out << incident.err;
  std::this_thread::sleep_for(3s);  // the crash loop is over: nothing kills it any more
  EXPECT_EQ(container_status(), "running");
  EXPECT_EQ(component_state(watchdog_->status(), "app"), "HEALTHY");
}

TEST_F(GamedayDocker, CrashIsRecoveredByTheWatchdogsRestart) {
  start_daemon(3);
  const std::string before = started_at(engine_, "web");
  const auto report = dir_ / "crash.md";
  const auto result = gameday("container-crash", report);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err << watchdog_->log();
  const auto out = json::parse(result.out, nullptr, false);
  ASSERT_TRUE(out.is_object()) << result.out << result.err;
  EXPECT_EQ(out.value("outcome", ""), "recovered") << out.dump(2);
  EXPECT_TRUE(out.value("passed", false)) << out.dump(2);
  for (const char* figure : {"time_to_detect_ms", "time_to_first_action_ms",
                             "time_to_recover_ms"}) {
    ASSERT_TRUE(out[figure].is_number()) << figure << out.dump(2);
    EXPECT_GT(out[figure].get<double>(), 0) << figure;
  }
  EXPECT_LE(out["time_to_detect_ms"].get<double>(), out["time_to_recover_ms"].get<double>());
  EXPECT_GE(out.value("attempts", 0), 1);

  // Judged a crash: CRITICAL (a planned stop would be DEGRADED) and restarted by the watchdog.
  const auto to = alerted_states();
  ASSERT_FALSE(to.empty());
  EXPECT_EQ(to.front(), "CRITICAL");
  EXPECT_EQ(watchdog_->log().find("stopped on purpose"), std::string::npos) << watchdog_->log();
  EXPECT_EQ(watchdog_->metric("watchdog_recovery_actions_total",
                              {{"component", "app"}, {"action", "restart-app"}}),
            1);
  EXPECT_NE(started_at(engine_, "web"), before);
  EXPECT_EQ(container_status(), "running");
  const auto markdown = read_text(report);
  EXPECT_NE(markdown.find("container-crash on app — PASS"), std::string::npos) << markdown;
}

}  // namespace
}  // namespace watchdog::testing
