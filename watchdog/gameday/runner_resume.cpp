// Runner::resume_interrupted(): the revert of game days whose process died (kill -9, a crash, a
// reboot) before it could revert, from the memory their scenario saved in the state store.
#include <spdlog/spdlog.h>

#include "watchdog/gameday/heartbeat.h"
#include "watchdog/gameday/runner.h"
#include "watchdog/gameday/runner_execution.h"
#include "watchdog/gameday/runner_record.h"
#include "watchdog/logging.h"

namespace watchdog::gameday {
namespace {

using logging::kv;

const config::ComponentSpec* component_named(const config::Config& config,
                                             const std::string& name) {
  for (const auto& component : config.components) {
    if (component.name == name) return &component;
  }
  return nullptr;
}

nlohmann::json memory_of(const GamedayRow& row) {
  auto memory = nlohmann::json::parse(row.memory, nullptr, false);
  return memory.is_object() ? memory : nlohmann::json::object();
}

// What is known of the dead run: enough for the journal's figures and the history.
Result result_of(const GamedayRow& row, const Scenario* scenario,
                 const config::ComponentSpec* component) {
  Result result;
  result.id = row.id;
  result.scenario = row.scenario;
  result.component = row.component;
  result.trigger = row.trigger;
  result.staging = component && component->staging;
  if (scenario) result.expect = scenario->expect();
  result.started = row.started;
  result.fault = row.fault;
  result.outcome = Outcome::Interrupted;
  result.timeline.push_back({row.started, "gameday",
                             "started by pid " + std::to_string(row.owner_pid) + " on " +
                                 row.owner_host});
  return result;
}

}  // namespace

int Runner::resume_interrupted() {
  std::unique_ptr<store::StateStore> store;
  try {
    store = store::StateStore::open_existing(state_dir_);
  } catch (const store::SqliteError&) {
    return 0;  // no state store yet: nothing can have been left
  }
  GamedayStore rows(*store);
  int reverted = 0;
  for (const auto& row : rows.unfinished()) {
    if (!owner_gone(row, Clock::now())) continue;
    spdlog::warn("gameday_abandoned {} {} {} {} {} action=reverting", kv("id", row.id),
                 kv("scenario", row.scenario), kv("component", row.component),
                 kv("owner_pid", std::to_string(row.owner_pid)), kv("owner_host", row.owner_host));
    progress("game day " + row.id + " (" + row.scenario + " on " + row.component +
             ") was left unfinished by its process: reverting it now");
    const auto* component = component_named(config_, row.component);
    std::unique_ptr<Scenario> scenario;
    std::string problem;
    try {
      if (!component) throw ScenarioError("component " + row.component + " is no longer configured");
      scenario = factory_(row.scenario, config_, *component);
    } catch (const std::exception& error) {
      problem = error.what();
    }
    Result result = result_of(row, scenario.get(), component);
    if (!scenario) {
      // Nothing here can undo it: say so as loudly as possible and let game days go on, or
      // this row would block every later one forever.
      spdlog::error("gameday_revert_impossible {} {} action=check_by_hand", kv("id", row.id),
                    kv("error", problem));
      result.outcome = Outcome::Error;
      result.reason = "could not revert after the game day's process died (" + problem +
                      "): check " + row.component + " by hand";
    } else {
      nlohmann::json memory = memory_of(row);
      auto note = [&](const std::string& line) {
        result.timeline.push_back({Clock::now(), "gameday", line});
        progress(line);
      };
      Context ctx = make_context(config_, *component, *store, rows, row.id, memory, note, {});
      try {
        rows.set_status(row.id, kStatusReverting);
        scenario->revert(ctx);
      } catch (const std::exception& error) {
        spdlog::error("gameday_revert_failed {} {} action=retry_at_next_start", kv("id", row.id),
                      kv("error", error.what()));
        progress("revert of " + row.id + " failed: " + error.what());
        continue;  // stays unfinished: tried again next time
      }
      result.reverted = Clock::now();
      result.reason = "reverted after the game day's process died";
      note("revert: done (" + result.reason + ")");
    }
    result.ended = Clock::now();
    conclude(*store, rows, config_, result);
    spdlog::warn("gameday_reverted {} {} {}", kv("id", row.id),
                 kv("outcome", outcome_name(result.outcome)), kv("reason", result.reason));
    ++reverted;
  }
  return reverted;
}

}  // namespace watchdog::gameday
