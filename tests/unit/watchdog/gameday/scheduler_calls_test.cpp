// The daemon's wiring of scheduled game days: runs and resumes read the whole configuration
// (the running plan dropped the options scenarios need), and a file that cannot be read skips
// the resume instead of throwing.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "config/loader.h"
#include "tests/support/temp_dir.h"
#include "watchdog/gameday/gameday_scheduler.h"
#include "watchdog/gameday/gameday_store.h"
#include "watchdog/gameday/heartbeat.h"
#include "watchdog/metrics.h"

namespace watchdog::gameday {
namespace {

std::int64_t reaped_pid() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  return child;
}

class GamedayDaemonCalls : public ::testing::Test {
 protected:
  GamedayDaemonCalls() {
    std::filesystem::create_directories(dir_.path() / "vol");
    fill_ = dir_.path() / "vol" / ".gameday-fill";
    std::ofstream(fill_) << "synthetic";
    config_file_ = dir_.path() / "watchdog.yaml";
    std::ofstream(config_file_) << "watchdog:\n  state_dir: " << dir_.path().string()
                                << "\ncomponents:\n"
                                   "  - name: vol\n"
                                   "    staging: true\n"
                                   "    probes:\n"
                                   "      - {name: p, kind: tcp, host: 127.0.0.1, port: 1}\n"
                                   "    gameday:\n"
                                   "      volume: "
                                << (dir_.path() / "vol").string() << "\n";
    auto store = store::StateStore::open(dir_.path());
    GamedayRow left;
    left.id = "gd-left";
    left.scenario = "disk-filling";
    left.component = "vol";
    left.trigger = "schedule";
    left.memory = nlohmann::json{{"file", fill_.string()}}.dump();
    left.owner_pid = reaped_pid();
    left.owner_host = this_process().host;
    left.owner_ns = this_process().ns;
    left.started = left.heartbeat = Clock::now();
    EXPECT_FALSE(GamedayStore(*store).begin(left));
    // What the scheduler holds: no component (as if their options had been dropped).
    running_.watchdog.state_dir = dir_.path();
  }

  std::string status() {
    auto store = store::StateStore::open_existing(dir_.path());
    return GamedayStore(*store).get("gd-left")->status;
  }

  testing::TempDir dir_;
  std::filesystem::path fill_, config_file_;
  config::Config running_;
  core::Metrics metrics_;
};

TEST_F(GamedayDaemonCalls, ResumeRevertsWithTheWholeConfigurationFile) {
  auto calls = GamedayScheduler::daemon_calls(
      metrics_, [this] { return config::load_config_file(config_file_); });
  EXPECT_EQ(calls.resume(running_, [] { return false; }), 1);
  EXPECT_FALSE(std::filesystem::exists(fill_)) << "the fill file was removed";
  EXPECT_EQ(status(), kStatusDone);
}

TEST_F(GamedayDaemonCalls, AnUnreadableFileSkipsTheResume) {
  auto calls = GamedayScheduler::daemon_calls(metrics_, []() -> config::Config {
    throw std::runtime_error("watchdog.yaml: cannot open");
  });
  EXPECT_EQ(calls.resume(running_, [] { return false; }), 0);
  EXPECT_TRUE(std::filesystem::exists(fill_));
  EXPECT_EQ(status(), kStatusRunning) << "left for a later turn, never closed unreverted";
}

}  // namespace
}  // namespace watchdog::gameday
