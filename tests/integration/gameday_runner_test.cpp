// `watchdog gameday` beside a real `watchdog run`: the safety rules (production refused, no
// terminal without --yes, a daemon must be up, dry runs inject nothing), the revert after
// SIGINT and after a kill -9 of the command, and a fault that the daemon's own recovery action
// mends (the custom scenarios' inject/revert argv touch files a command probe looks at).
#include <gtest/gtest.h>
#include <signal.h>

#include <nlohmann/json.hpp>

#include "tests/integration/gameday_cli.h"
#include "tests/integration/harness.h"
#include "tests/support/webhook_receiver.h"

namespace watchdog::testing {
namespace {

using namespace std::chrono_literals;

// prod: like svc, but not staging.
const std::string kComponents = kFlagComponents + R"(  - name: prod
    probes:
      - name: prod-flag
        kind: command
        argv: ["/bin/true"]
    gameday:
      scenarios:
        - name: flag-removed
          inject: ["/bin/sh", "-c", "echo x >> @DIR@/prod-injected"]
          revert: ["/bin/sh", "-c", "echo x >> @DIR@/prod-reverted"]
)" + kHookAlert;

class GamedayCli : public ::testing::Test {
 protected:
  GamedayCli() {
    dir_.write("up", "");
    dir_.write("up-stuck", "");
    watchdog_ = std::make_unique<WatchdogProcess>(
        dir_, watchdog_options(fast_defaults() + fill(kComponents, {{"DIR", dir_.path().string()},
                                                                    {"URL", receiver_.url()}})));
    const bool healthy = wait_until(
        [&] {
          const auto status = watchdog_->status();
          return component_state(status, "svc") == "HEALTHY" &&
                 component_state(status, "stuck") == "HEALTHY";
        },
        15s);
    EXPECT_TRUE(healthy) << watchdog_->log();
    cli_ = {watchdog_->config_path(), dir_.path(), {}};
  }

  CommandResult gameday(std::vector<std::string> extra) const { return cli_.run(std::move(extra)); }
  nlohmann::json history() const { return cli_.history(); }
  std::unique_ptr<ChildProcess> start(std::vector<std::string> extra, const std::string& name) {
    return cli_.start(std::move(extra), name);
  }
  bool exists(const std::string& name) const { return std::filesystem::exists(dir_ / name); }
  void interrupt_mid_wait(int signal_number, const std::string& name);

  TempDir dir_;
  WebhookReceiver receiver_;  // a game day passes only when the incident's alerts arrive
  std::unique_ptr<WatchdogProcess> watchdog_;
  GamedayCliDriver cli_;
};

TEST_F(GamedayCli, ProductionIsRefusedAndNothingIsInjected) {
  const auto result = gameday({"--scenario", "flag-removed", "--component", "prod", "--yes"});
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(result.err.find("is not marked `staging: true`"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("--i-know-this-is-production"), std::string::npos) << result.err;
  EXPECT_FALSE(exists("prod-injected"));
  EXPECT_FALSE(exists("prod-reverted"));
  EXPECT_EQ(history(), nlohmann::json::array()) << "a refused game day is not recorded";
}

TEST_F(GamedayCli, WithoutATerminalItNeedsYes) {
  const auto result = gameday({"--scenario", "flag-removed", "--component", "svc"});
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(result.err.find("needs --yes"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("plan:"), std::string::npos) << "the plan is shown: " << result.err;
  EXPECT_FALSE(exists("svc-injected"));
  EXPECT_EQ(history(), nlohmann::json::array());
}

TEST_F(GamedayCli, DryRunInjectsNothing) {
  const auto result =
      gameday({"--scenario", "flag-removed", "--component", "svc", "--dry-run", "--timeout", "20m"});
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("wait up to 20m"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("nothing was injected"), std::string::npos) << result.out;
  EXPECT_FALSE(exists("svc-injected"));
  EXPECT_FALSE(exists("svc-reverted"));
  EXPECT_TRUE(exists("up"));
  EXPECT_EQ(history(), nlohmann::json::array());
}

TEST_F(GamedayCli, TheDaemonsOwnActionRecovers) {
  const auto report = dir_ / "report.md";
  const auto result = gameday({"--scenario", "flag-removed", "--component", "svc", "--yes",
                               "--json", "--report", report.string()});
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err << watchdog_->log();
  const auto json = nlohmann::json::parse(result.out, nullptr, false);
  ASSERT_TRUE(json.is_object()) << result.out;
  EXPECT_EQ(json.value("outcome", ""), "recovered") << json.dump(2);
  EXPECT_TRUE(json.value("passed", false)) << json.dump(2);
  EXPECT_FALSE(json.value("incident_id", "").empty()) << json.dump(2);
  ASSERT_TRUE(json.contains("alerts") && !json["alerts"].empty()) << json.dump(2);
  EXPECT_EQ(json["alerts"][0].value("status", ""), "delivered") << json.dump(2);
  for (const char* figure : {"time_to_detect_ms", "time_to_recover_ms"}) {
    ASSERT_TRUE(json.contains(figure) && json[figure].is_number()) << figure << json.dump(2);
    EXPECT_GT(json[figure].get<double>(), 0) << figure;
  }
  EXPECT_TRUE(exists("svc-injected"));
  EXPECT_TRUE(exists("svc-reverted")) << "the revert always runs";
  const auto markdown = read_text(report);
  EXPECT_NE(markdown.find("flag-removed"), std::string::npos) << markdown;

  const auto past = history();
  ASSERT_EQ(past.size(), 1u) << past.dump(2);
  EXPECT_EQ(past[0].value("status", ""), "done");
  EXPECT_EQ(past[0].value("outcome", ""), "recovered");
  // The incident's own timeline says it was a game day.
  const auto incident = run_command({kWatchdog, "incidents", "show", json.value("incident_id", ""),
                                     "-c", watchdog_->config_path().string()});
  EXPECT_NE(incident.out.find("game day"), std::string::npos) << incident.out << incident.err;
}

// A stop signal in the middle of the wait: the CLI reverts, records "interrupted", exits 130.
void GamedayCli::interrupt_mid_wait(int signal_number, const std::string& name) {
  auto command = start({"--scenario", "flag-removed", "--component", "stuck", "--yes"}, name);
  ASSERT_TRUE(wait_until([&] { return read_text(dir_ / (name + ".err")).find("incident ") !=
                                      std::string::npos; },
                         20s))
      << read_text(dir_ / (name + ".err")) << watchdog_->log();
  EXPECT_FALSE(exists("stuck-reverted"));
  command->signal(signal_number);
  const auto code = command->wait(30s);
  ASSERT_TRUE(code) << "still running after " << name;
  EXPECT_EQ(*code, 130) << read_text(dir_ / (name + ".err"));
  EXPECT_TRUE(exists("stuck-reverted")) << read_text(dir_ / (name + ".err"));
  EXPECT_TRUE(exists("up-stuck"));
  const auto past = history();
  ASSERT_EQ(past.size(), 1u) << past.dump(2);
  EXPECT_EQ(past[0].value("status", ""), "done");
  EXPECT_EQ(past[0].value("outcome", ""), "interrupted");
}

TEST_F(GamedayCli, SigintMidWaitRevertsAndExits130) { interrupt_mid_wait(SIGINT, "sigint"); }

// A dropped ssh session: SIGHUP must not kill the CLI with the fault in place.
TEST_F(GamedayCli, SighupMidWaitRevertsToo) { interrupt_mid_wait(SIGHUP, "sighup"); }

TEST_F(GamedayCli, KilledGameDayIsRevertedByTheNextRun) {
  auto command = start({"--scenario", "flag-removed", "--component", "stuck", "--yes"}, "killed");
  ASSERT_TRUE(wait_until([&] { return read_text(dir_ / "killed.err").find("fault in place") !=
                                      std::string::npos; },
                         20s))
      << read_text(dir_ / "killed.err");
  command->signal(SIGKILL);
  ASSERT_TRUE(command->wait(10s));
  EXPECT_FALSE(exists("stuck-reverted")) << "nothing reverted it yet";
  EXPECT_FALSE(exists("up-stuck")) << "the fault is still in place";
  auto before = history();
  ASSERT_EQ(before.size(), 1u);
  EXPECT_EQ(before[0].value("status", ""), "running");

  // The next game day (on another component) reverts it first, then runs.
  const auto next = gameday({"--scenario", "flag-removed", "--component", "svc", "--yes"});
  EXPECT_EQ(next.exit_code, 0) << next.out << next.err;
  EXPECT_NE(next.err.find("left unfinished"), std::string::npos) << next.err;
  EXPECT_TRUE(exists("stuck-reverted"));
  EXPECT_TRUE(exists("up-stuck"));
  const auto past = history();
  ASSERT_EQ(past.size(), 2u) << past.dump(2);
  EXPECT_EQ(past[1].value("status", ""), "done");
  EXPECT_EQ(past[1].value("outcome", ""), "interrupted");
  EXPECT_NE(past[1].dump().find("reverted after the game day's process died"), std::string::npos)
      << past[1].dump(2);
}

TEST(GamedayCliAlone, NeedsARunningDaemon) {
  TempDir dir;
  const auto config = dir.write(
      "watchdog.yaml",
      fill("watchdog:\n  listen: 127.0.0.1:@PORT@\n  state_dir: @DIR@/state\n"
           "components:\n  - name: svc\n    staging: true\n    probes:\n"
           "      - {name: p, kind: command, argv: [/bin/true]}\n    gameday:\n"
           "      scenarios:\n        - name: s\n          inject: [/bin/sh, -c, 'touch @DIR@/injected']\n"
           "          revert: [/bin/true]\n",
           {{"PORT", std::to_string(free_port())}, {"DIR", dir.path().string()}}));
  const auto result = run_command({kWatchdog, "gameday", "-c", config.string(), "--scenario", "s",
                                   "--component", "svc", "--yes"});
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(result.err.find("the daemon is what detects and recovers"), std::string::npos)
      << result.err;
  EXPECT_FALSE(std::filesystem::exists(dir / "injected"));
}

}  // namespace
}  // namespace watchdog::testing
