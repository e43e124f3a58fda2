// The service scenarios' factories refuse a component that lacks what they need (one line that
// names the key), and alert-sink-down with stop/start argv takes the sink down before the
// component and brings both back at the revert (real processes, no server needed).
#include "watchdog/gameday/service_scenarios.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "tests/support/temp_dir.h"
#include "watchdog/gameday/service_switch.h"

namespace watchdog::gameday {
namespace {

using testing::TempDir;

std::string refusal(const std::function<void()>& make) {
  try {
    make();
  } catch (const ScenarioError& error) {
    return error.what();
  }
  return "(accepted)";
}

TEST(GamedayServiceScenarios, FactoriesNameWhatIsMissing) {
  config::Config config;
  config::ComponentSpec component;
  component.name = "api";
  EXPECT_EQ(refusal([&] { make_container_crash(config, component); }),
            "container-crash needs gameday.container on component api");
  EXPECT_EQ(refusal([&] { make_container_crash_loop(config, component); }),
            "container-crash-loop needs gameday.container on component api");
  EXPECT_EQ(refusal([&] { make_disk_filling(config, component); }),
            "disk-filling needs gameday.volume on component api");
  EXPECT_EQ(refusal([&] { make_backups_stale(config, component); }),
            "backups-stale needs gameday.backup_target on component api");
  component.gameday.backup_target = "main";
  EXPECT_EQ(refusal([&] { make_backups_stale(config, component); }),
            "backups-stale: gameday.backup_target main is not in backups:");
  EXPECT_EQ(refusal([&] { make_alert_sink_down(config, component); }),
            "alert-sink-down needs gameday.alert_sink on component api");
  component.gameday.alert_sink = config::AlertSinkSwitch{"ops", {"relay", {}, {}}};
  EXPECT_EQ(refusal([&] { make_alert_sink_down(config, component); }),
            "alert-sink-down: no `alerts:` entry named 'ops'");
  config.alerts.push_back({"ops", "webhook", {}});
  EXPECT_EQ(refusal([&] { make_alert_sink_down(config, component); }),
            "component api has no gameday container or stop/start commands");
  EXPECT_EQ(refusal([&] {
              make_custom({"x", {"/bin/true"}, {}, {}}, config, component);
            }),
            "custom scenario x needs both inject and revert");
}

TEST(GamedayServiceScenarios, DiskFillingNeverPlansBeyond99Percent) {
  config::Config config;
  config::ComponentSpec component;
  component.name = "data";
  component.gameday.volume = "/srv/data";
  component.gameday.fill_to = 1.0;
  auto scenario = make_disk_filling(config, component);
  EXPECT_EQ(scenario->expect(), config::GamedayExpect::Detect);
  EXPECT_NE(scenario->plan().front().find("until it is 99 % used"), std::string::npos)
      << scenario->plan().front();
}

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(GamedayServiceScenarios, AlertSinkDownStopsTheSinkFirstAndTheRevertStartsBoth) {
  TempDir dir;
  const auto log = dir / "steps.log";
  const auto step = [&](const std::string& what) {
    return std::vector<std::string>{"/bin/sh", "-c", "echo " + what + " >> " + log.string()};
  };
  config::Config config;
  config.alerts.push_back({"ops", "webhook", {}});
  config::ComponentSpec component;
  component.name = "api";
  component.gameday.service = {"", step("api-stop"), step("api-start")};
  component.gameday.alert_sink =
      config::AlertSinkSwitch{"ops", {"", step("sink-stop"), step("sink-start")}};
  auto scenario = make_alert_sink_down(config, component);
  EXPECT_EQ(scenario->expect(), config::GamedayExpect::Recover);

  nlohmann::json memory = nlohmann::json::object();
  std::vector<std::string> notes;
  Context ctx{config,
              component,
              memory,
              [] {},
              [&](const std::string& line) { notes.push_back(line); },
              [] { return false; },
              [](const std::string&, const std::string&) {}};
  scenario->inject(ctx);
  EXPECT_EQ(read(log), "sink-stop\napi-stop\n");
  EXPECT_TRUE(memory.value("sink_down", false));
  EXPECT_TRUE(memory.contains("sink_down_at"));
  scenario->tick(ctx);  // an argv component cannot say it runs: the sink stays down (2 min)
  EXPECT_EQ(read(log), "sink-stop\napi-stop\n");

  scenario->revert(ctx);
  EXPECT_EQ(read(log), "sink-stop\napi-stop\nsink-start\napi-start\n");
  EXPECT_FALSE(memory.value("sink_down", true));
  EXPECT_TRUE(memory.contains("sink_up_at"));
}

// A PID the engine reports is killed here only when its cgroup names the container: a remote
// engine's PID is some unrelated local process (here: this test itself).
TEST(GamedayServiceScenarios, ALocalPidIsTheContainersOnlyWhenItsCgroupNamesIt) {
  const std::string id(64, 'a');
  EXPECT_FALSE(ServiceSwitch::is_local_process_of(::getpid(), id));
  EXPECT_FALSE(ServiceSwitch::is_local_process_of(1 << 30, id)) << "no such process";
  EXPECT_FALSE(ServiceSwitch::is_local_process_of(::getpid(), "")) << "no id matches nothing";
}

// The sink's stop fails, so inject never reaches the component: the revert brings the sink
// back but leaves the running component alone (its start argv is not the revert's to run).
TEST(GamedayServiceScenarios, AlertSinkDownNeverStartsAComponentItDidNotStop) {
  TempDir dir;
  const auto log = dir / "steps.log";
  const auto step = [&](const std::string& what, int code = 0) {
    return std::vector<std::string>{
        "/bin/sh", "-c", "echo " + what + " >> " + log.string() + "; exit " + std::to_string(code)};
  };
  config::Config config;
  config.alerts.push_back({"ops", "webhook", {}});
  config::ComponentSpec component;
  component.name = "api";
  component.gameday.service = {"", step("api-stop"), step("api-start")};
  component.gameday.alert_sink =
      config::AlertSinkSwitch{"ops", {"", step("sink-stop", 1), step("sink-start")}};
  auto scenario = make_alert_sink_down(config, component);
  nlohmann::json memory = nlohmann::json::object();
  Context ctx{config,
              component,
              memory,
              [] {},
              [](const std::string&) {},
              [] { return false; },
              [](const std::string&, const std::string&) {}};
  EXPECT_THROW(scenario->inject(ctx), ScenarioError);
  EXPECT_EQ(read(log), "sink-stop\n");
  scenario->revert(ctx);
  EXPECT_EQ(read(log), "sink-stop\nsink-start\n");
}

}  // namespace
}  // namespace watchdog::gameday
