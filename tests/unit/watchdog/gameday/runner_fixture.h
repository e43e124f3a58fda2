#pragma once
// The runner's unit-test fixture: a real state store in a temp dir, and a scripted scenario
// standing in for the fault and for the daemon's journal (runner_test.cpp, runner_resume_test.cpp).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/temp_dir.h"
#include "watchdog/gameday/gameday_store.h"
#include "watchdog/gameday/heartbeat.h"
#include "watchdog/gameday/runner.h"
#include "watchdog/store/incident_journal.h"

namespace watchdog::gameday::testing_runner {


using config::GamedayExpect;
using namespace std::chrono_literals;

// What the scripted scenario did, and how it should behave.
struct Script {
  GamedayExpect expect = GamedayExpect::Recover;
  bool inject_throws = false;
  bool prepare_gives_up_when_interrupted = false;  // like database-dropped's fresh backup
  std::function<void()> after_inject;  // e.g. break the store under the runner
  std::function<void()> on_tick;       // e.g. another process claiming the row
  std::function<void()> on_prepare;    // e.g. an incident opening during a long prepare
  int revert_failures = 0;             // the first N reverts throw
  int ticks_until_healthy = 2;  // the "daemon" closes the incident after this many ticks
  std::vector<std::string> calls;
  nlohmann::json reverted_with;
};

// Plays the fault and the daemon: inject() opens an incident in the journal, tick() closes it
// after a few ticks (Recover), revert() closes it (Detect).
class ScriptedScenario : public Scenario {
 public:
  ScriptedScenario(Script& script, std::filesystem::path state_dir)
      : script_(script), state_dir_(std::move(state_dir)) {}
  GamedayExpect expect() const override { return script_.expect; }
  std::vector<std::string> plan() const override { return {"break the thing"}; }
  void prepare(Context& ctx) override {
    script_.calls.push_back("prepare");
    if (script_.prepare_gives_up_when_interrupted && ctx.interrupted()) {
      throw ScenarioError("interrupted before the fresh backup");
    }
    ctx.memory["marker"] = "saved-before-inject";
    if (script_.on_prepare) script_.on_prepare();
  }
  void inject(Context&) override {
    script_.calls.push_back("inject");
    if (script_.inject_throws) throw ScenarioError("inject: the command failed");
    journal([](store::IncidentRecord& r) { r.worst_state = "CRITICAL"; });
    if (script_.after_inject) script_.after_inject();
  }
  void tick(Context&) override {
    ++ticks_;
    if (script_.on_tick) script_.on_tick();
    if (script_.expect == GamedayExpect::Recover && ticks_ == script_.ticks_until_healthy) {
      journal([](store::IncidentRecord& r) { r.closed = Clock::now(); });
    }
  }
  void revert(Context& ctx) override {
    script_.calls.push_back("revert");
    if (script_.revert_failures > 0) {
      --script_.revert_failures;
      throw ScenarioError("revert: the command failed");
    }
    script_.reverted_with = ctx.memory;
    if (script_.expect == GamedayExpect::Detect) {
      journal([](store::IncidentRecord& r) { r.closed = Clock::now(); });
    }
  }

 private:
  template <typename Change>
  void journal(Change change) {
    auto store = store::StateStore::open_existing(state_dir_);
    store::IncidentJournal journal(store->db());
    auto record = journal.find("db-incident").value_or(store::IncidentRecord{});
    if (record.id.empty()) {
      record.id = "db-incident";
      record.component = "db";
      record.opened = Clock::now();
      record.critical = record.opened;
      record.reason = "probe p failed";
    }
    change(record);
    journal.upsert(record);
  }

  Script& script_;
  std::filesystem::path state_dir_;
  int ticks_ = 0;
};

class GamedayRunner : public ::testing::Test {
 protected:
  GamedayRunner() {
    store_ = store::StateStore::open(dir_.path());
    config::ComponentSpec db;
    db.name = "db";
    db.staging = true;
    config::ComponentSpec api;
    api.name = "api";
    api.staging = true;
    api.depends_on = {"db"};
    config::ComponentSpec prod;
    prod.name = "prod";
    config_.components = {db, api, prod};
  }

  Runner runner(RunnerHooks hooks = {}) {
    return Runner(config_, dir_.path(), std::move(hooks),
                  [this](const std::string& name, const config::Config&,
                         const config::ComponentSpec&) -> std::unique_ptr<Scenario> {
                    if (name != "scripted") throw ScenarioError("unknown scenario '" + name + "'");
                    return std::make_unique<ScriptedScenario>(script_, dir_.path());
                  });
  }

  RunRequest request(const std::string& component = "db") {
    RunRequest r;
    r.scenario = "scripted";
    r.component = component;
    r.timeout = 10s;
    return r;
  }

  std::vector<GamedayRow> rows() { return GamedayStore(*store_).list(100); }

  ::watchdog::testing::TempDir dir_;
  std::unique_ptr<store::StateStore> store_;
  config::Config config_;
  Script script_;
};


// A pid that no longer runs: a child that has exited and been reaped.
inline std::int64_t dead_pid() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  return child;
}

}  // namespace watchdog::gameday::testing_runner
