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

// alert-sink-down whose component and sink are switched by shell steps that append their
// names to DIR/steps.log; the sink's stop exits with `sink_stop_exit`.
struct SinkDownRig {
  explicit SinkDownRig(int sink_stop_exit = 0) {
    config.alerts.push_back({"ops", "webhook", {}});
    component.name = "api";
    component.gameday.service = {"", step("api-stop"), step("api-start")};
    component.gameday.alert_sink =
        config::AlertSinkSwitch{"ops", {"", step("sink-stop", sink_stop_exit), step("sink-start")}};
    scenario = make_alert_sink_down(config, component);
  }
  std::vector<std::string> step(const std::string& what, int code = 0) const {
    return {"/bin/sh", "-c",
            "echo " + what + " >> " + log.string() + "; exit " + std::to_string(code)};
  }
  std::string steps() const { return read(log); }

  TempDir dir;
  std::filesystem::path log = dir / "steps.log";
  config::Config config;
  config::ComponentSpec component;
  std::unique_ptr<Scenario> scenario;
  nlohmann::json memory = nlohmann::json::object();
  std::vector<std::string> notes;
  Context ctx{config,
              component,
              memory,
              [] {},
              [this](const std::string& line) { notes.push_back(line); },
              [] { return false; },
              [](const std::string&, const std::string&) {}};
};

TEST(GamedayServiceScenarios, AlertSinkDownStopsTheSinkFirstAndTheRevertStartsBoth) {
  SinkDownRig rig;
  EXPECT_EQ(rig.scenario->expect(), config::GamedayExpect::Recover);
  rig.scenario->inject(rig.ctx);
  EXPECT_EQ(rig.steps(), "sink-stop\napi-stop\n");
  EXPECT_TRUE(rig.memory.value("sink_down", false));
  EXPECT_TRUE(rig.memory.contains("sink_down_at"));
  rig.scenario->tick(rig.ctx);  // an argv component cannot say it runs: the sink stays down (2 min)
  EXPECT_EQ(rig.steps(), "sink-stop\napi-stop\n");

  rig.scenario->revert(rig.ctx);
  EXPECT_EQ(rig.steps(), "sink-stop\napi-stop\nsink-start\napi-start\n");
  EXPECT_FALSE(rig.memory.value("sink_down", true));
  EXPECT_TRUE(rig.memory.contains("sink_up_at"));
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
  SinkDownRig rig(/*sink_stop_exit=*/1);
  EXPECT_THROW(rig.scenario->inject(rig.ctx), ScenarioError);
  EXPECT_EQ(rig.steps(), "sink-stop\n");
  rig.scenario->revert(rig.ctx);
  EXPECT_EQ(rig.steps(), "sink-stop\nsink-start\n");
}

}  // namespace
}  // namespace watchdog::gameday
