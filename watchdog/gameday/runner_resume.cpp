// Runner::resume_interrupted(): the revert of game days whose process died (kill -9, a crash, a
// reboot) before it could revert, from the memory their scenario saved in the state store.
#include <spdlog/spdlog.h>

#include <map>
#include <mutex>

#include "watchdog/gameday/heartbeat.h"
#include "watchdog/gameday/runner.h"
#include "watchdog/gameday/runner_execution.h"
#include "watchdog/gameday/runner_record.h"
#include "watchdog/gameday/runner_safety.h"
#include "watchdog/logging.h"

namespace watchdog::gameday {
namespace {

using logging::kv;

constexpr std::chrono::minutes kShoutEvery{10};

// A row that cannot be reverted is seen at every resume (every 30 s in the daemon): one error
// line per row per kShoutEvery is loud enough and keeps the log readable.
bool should_shout(const std::string& id) {
  static std::mutex mutex;
  static std::map<std::string, std::chrono::steady_clock::time_point> last;
  std::lock_guard lock(mutex);
  const auto now = std::chrono::steady_clock::now();
  auto [it, first] = last.try_emplace(id, now);
  if (first) return true;
  if (now - it->second < kShoutEvery) return false;
  it->second = now;
  return true;
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
  const auto self = this_process();
  int reverted = 0;
  for (const auto& row : rows.unfinished()) {
    if (!owner_gone(row, Clock::now())) continue;
    const auto* component = component_named(config_, row.component);
    std::unique_ptr<Scenario> scenario;
    try {
      if (!component) throw ScenarioError("component " + row.component + " is not configured");
      scenario = factory_(row.scenario, config_, *component);
    } catch (const std::exception& error) {
      // The fault may still be in place: the row stays, blocking new game days, until a
      // process whose configuration can rebuild the scenario (the one the game day ran with)
      // reverts it.
      if (should_shout(row.id)) {
        spdlog::error("gameday_revert_impossible {} {} {} {} action=fix_config_or_check_by_hand",
                      kv("id", row.id), kv("scenario", row.scenario),
                      kv("component", row.component), kv("error", error.what()));
        progress("game day " + row.id + " (" + row.scenario + " on " + row.component +
                 ") was left unfinished and cannot be reverted with this configuration (" +
                 error.what() + "): run `watchdog gameday` with the configuration it ran with");
      }
      continue;
    }
    // Atomically: the daemon and a starting CLI may both see the row abandoned.
    if (!rows.claim(row, self.pid, self.host, self.ns, Clock::now())) continue;
    spdlog::warn("gameday_abandoned {} {} {} {} {} action=reverting", kv("id", row.id),
                 kv("scenario", row.scenario), kv("component", row.component),
                 kv("owner_pid", std::to_string(row.owner_pid)), kv("owner_host", row.owner_host));
    progress("game day " + row.id + " (" + row.scenario + " on " + row.component +
             ") was left unfinished by its process: reverting it now");
    Result result = result_of(row, scenario.get(), component);
    nlohmann::json memory = memory_of(row);
    auto note = [&](const std::string& line) {
      result.timeline.push_back({Clock::now(), "gameday", line});
      progress(line);
    };
    Context ctx = make_context(config_, *component, *store, rows, row.id, memory, note, {});
    {
      Heartbeat heartbeat(state_dir_, row.id, self);  // a slow revert is not taken for dead
      try {
        scenario->revert(ctx);
      } catch (const std::exception& error) {
        spdlog::error("gameday_revert_failed {} {} action=retry_at_next_resume", kv("id", row.id),
                      kv("error", error.what()));
        progress("revert of " + row.id + " failed: " + error.what());
        try {
          rows.release(row.id);  // any process, this one included, tries again next time
        } catch (const std::exception& release_error) {
          spdlog::warn("gameday_release_failed {} {}", kv("id", row.id),
                       kv("error", release_error.what()));
        }
        continue;
      }
      if (heartbeat.lost()) continue;  // another process took it over: its result counts
    }
    result.reverted = Clock::now();
    result.reason = "reverted after the game day's process died";
    note("revert: done (" + result.reason + ")");
    read_sink_outage(memory, result);
    result.ended = Clock::now();
    conclude(*store, rows, config_, result);
    spdlog::warn("gameday_reverted {} {} {}", kv("id", row.id),
                 kv("outcome", outcome_name(result.outcome)), kv("reason", result.reason));
    ++reverted;
  }
  return reverted;
}

}  // namespace watchdog::gameday
