// GamedayScheduler::daemon_calls (gameday_scheduler.h): the scheduler wired to the real runner
// and to the game-day metrics, for `watchdog run`.
#include <spdlog/spdlog.h>

#include "watchdog/gameday/gameday_metrics.h"
#include "watchdog/gameday/gameday_scheduler.h"
#include "watchdog/gameday/gameday_store.h"
#include "watchdog/gameday/heartbeat.h"
#include "watchdog/gameday/runner.h"
#include "watchdog/logging.h"

namespace watchdog::gameday {
namespace {

using logging::kv;

RunnerHooks daemon_hooks(const std::function<bool()>& interrupted, const std::string& scenario,
                         const std::string& component) {
  RunnerHooks hooks;
  // The schedule in the configuration is the operator's confirmation; the runner still refuses
  // a component that is not staging: true (allow_production stays false).
  hooks.confirm = [](const std::vector<std::string>&) { return true; };
  hooks.interrupted = interrupted;
  hooks.progress = [scenario, component](const std::string& line) {
    spdlog::info("gameday_progress {} {} {}", kv("scenario", scenario), kv("component", component),
                 kv("step", line));
  };
  return hooks;
}

// Whether a dead run left a row to revert. Reading the whole file again (a YAML document and
// every component's options: ~50 MB and ~0.3 s at 10,000 probes) every kResumeEvery only pays
// when there is. Unsure (the store unreadable): yes, and the runner tells what is wrong.
bool anything_to_revert(const std::filesystem::path& state_dir) {
  try {
    auto store = store::StateStore::open_existing(state_dir);
    GamedayStore rows(*store);
    const auto now = std::chrono::system_clock::now();
    for (const auto& row : rows.unfinished()) {
      if (owner_gone(row, now)) return true;
    }
    return false;
  } catch (const std::exception&) {
    return true;
  }
}

// The metrics' own connection to the store, opened and used on the scheduler's thread only.
struct MetricsSide {
  explicit MetricsSide(core::Metrics& metrics) : figures(metrics) {}
  GamedayMetrics figures;
  std::unique_ptr<store::StateStore> store;
  bool open_failed = false;
};

}  // namespace

GamedayScheduler::Calls GamedayScheduler::daemon_calls(core::Metrics& metrics,
                                                       ConfigLoader load_config) {
  Calls calls;
  // The scenarios need the options the running plan no longer holds (a probe's host and
  // password for component_answers(), …): each run and resume reads the whole file again.
  calls.run = [load_config](const config::Config& running,
                            const config::ScheduledGamedaySpec& entry,
                            const std::function<bool()>& interrupted) {
    config::Config config;
    try {
      config = load_config ? load_config() : running;
    } catch (const std::exception& error) {
      throw std::runtime_error(std::string("skipped: cannot read the configuration: ") +
                               error.what());
    }
    Runner runner(config, config.watchdog.state_dir,
                  daemon_hooks(interrupted, entry.scenario, entry.component));
    // Like the CLI: first revert what a dead run left, or its row refuses this one. The
    // scheduler's periodic revert pass cannot be relied on here: it keeps quiet when a start is
    // near, which for a frequent schedule is always.
    runner.resume_interrupted();
    RunRequest request;
    request.scenario = entry.scenario;
    request.component = entry.component;
    request.trigger = "schedule";
    return runner.run(request);
  };
  calls.resume = [load_config](const config::Config& running,
                               const std::function<bool()>& interrupted) {
    if (!anything_to_revert(running.watchdog.state_dir)) return 0;
    config::Config config;
    try {
      config = load_config ? load_config() : running;
    } catch (const std::exception& error) {
      spdlog::error("gameday_resume_skipped {} why=cannot_read_configuration",
                    kv("error", error.what()));
      return 0;
    }
    Runner runner(config, config.watchdog.state_dir, daemon_hooks(interrupted, "resume", ""));
    return runner.resume_interrupted();
  };
  auto side = std::make_shared<MetricsSide>(metrics);
  calls.refresh = [side](const config::Config& config, const std::set<std::string>& components) {
    if (!side->store) {
      try {
        side->store = store::StateStore::open_existing(config.watchdog.state_dir);
        side->open_failed = false;
      } catch (const std::exception& error) {
        if (!side->open_failed) {
          spdlog::error("gameday_metrics_store_unusable {}", kv("error", error.what()));
        }
        side->open_failed = true;
        return;
      }
    }
    side->figures.refresh(*side->store, components);
  };
  return calls;
}

}  // namespace watchdog::gameday
