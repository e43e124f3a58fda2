#include "watchdog/gameday/runner.h"

#include <spdlog/spdlog.h>

#include "watchdog/gameday/heartbeat.h"
#include "watchdog/gameday/runner_execution.h"
#include "watchdog/gameday/runner_record.h"
#include "watchdog/gameday/runner_safety.h"
#include "watchdog/logging.h"

namespace watchdog::gameday {
namespace {

using logging::kv;

// The checks that need the state store; a refusal throws RefusedError.
void check_store(store::StateStore& store, const config::Config& config,
                 const std::string& component) {
  store::IncidentJournal journal(store.db());
  check_no_open_incident(journal, config, component);
  GamedayStore rows(store);
  if (auto blocking = rows.unfinished(); !blocking.empty()) {
    throw RefusedError(describe(blocking.front()) + " is not finished: one game day at a time");
  }
}

// A second game day in the same second gets a suffix (ids are the store's key).
std::string unused_id(GamedayStore& rows, const std::string& id) {
  std::string candidate = id;
  for (int n = 2; rows.get(candidate); ++n) candidate = id + "-" + std::to_string(n);
  return candidate;
}

}  // namespace

Runner::Runner(const config::Config& config, std::filesystem::path state_dir, RunnerHooks hooks,
               ScenarioFactory factory)
    : config_(config),
      state_dir_(std::move(state_dir)),
      hooks_(std::move(hooks)),
      factory_(std::move(factory)) {}

void Runner::progress(const std::string& line) const {
  if (hooks_.progress) hooks_.progress(line);
}

Result Runner::run(const RunRequest& request) {
  const auto& component = find_component(config_, request.component);
  auto scenario = factory_(request.scenario, config_, component);
  const auto timeout = resolve_timeout(request, component);

  Result result;
  result.started = Clock::now();
  result.id = gameday_id(result.started, component.name, request.scenario);
  result.scenario = request.scenario;
  result.component = component.name;
  result.trigger = request.trigger;
  result.staging = component.staging;
  result.expect = scenario->expect();
  const auto plan = build_plan(request, component, *scenario, timeout);
  for (const auto& line : plan) result.timeline.push_back({result.started, "gameday", "plan: " + line});

  if (request.dry_run) {
    // What a real run would do now, refusals included, without touching anything.
    result.outcome = Outcome::NotRun;
    result.reason = "dry run: nothing was injected";
    try {
      check_staging(component, request);
      auto store = store::StateStore::open_existing(state_dir_);
      check_store(*store, config_, component.name);
    } catch (const std::exception& refusal) {
      result.reason += "; a real run would be refused now: " + std::string(refusal.what());
    }
    result.ended = Clock::now();
    return result;
  }

  check_staging(component, request);
  auto store = store::StateStore::open_existing(state_dir_);
  check_store(*store, config_, component.name);
  if (hooks_.confirm && !hooks_.confirm(plan)) {
    throw RefusedError("not confirmed: nothing was injected");
  }
  if (hooks_.interrupted && hooks_.interrupted()) {
    throw RefusedError("interrupted before it started: nothing was injected");
  }
  // The confirmation may have taken a while: look again, and take the slot atomically.
  store::IncidentJournal journal(store->db());
  check_no_open_incident(journal, config_, component.name);
  GamedayStore rows(*store);
  const auto owner = this_process();
  GamedayRow row;
  row.id = result.id = unused_id(rows, result.id);
  row.scenario = result.scenario;
  row.component = result.component;
  row.trigger = result.trigger;
  row.owner_pid = owner.pid;
  row.owner_host = owner.host;
  row.owner_ns = owner.ns;
  row.started = row.heartbeat = Clock::now();
  if (auto blocking = rows.begin(row)) {
    throw RefusedError(describe(*blocking) + " is not finished: one game day at a time");
  }
  spdlog::info("gameday_started {} {} {} {} {}", kv("id", result.id),
               kv("scenario", result.scenario), kv("component", result.component),
               kv("trigger", result.trigger), kv("staging", component.staging ? "true" : "false"));
  bool revert_failed = false;
  {
    Heartbeat heartbeat(state_dir_, result.id, owner);
    Execution execution(config_, component, *scenario, *store, rows, hooks_, timeout,
                        [&heartbeat] { return heartbeat.lost(); });
    execution.run(result);
    revert_failed = execution.revert_failed();
  }
  if (revert_failed) {
    // Given up, or a daemon owning the row (alive, so never "gone") would never retry it.
    try {
      rows.release(result.id);
    } catch (const std::exception& error) {
      spdlog::warn("gameday_release_failed {} {}", kv("id", result.id), kv("error", error.what()));
    }
  }
  spdlog::info("gameday_finished {} {} {} {}", kv("id", result.id),
               kv("outcome", outcome_name(result.outcome)), kv("passed", result.passed ? "true" : "false"),
               kv("reason", result.reason));
  return result;
}

}  // namespace watchdog::gameday
