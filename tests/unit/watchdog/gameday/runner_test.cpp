// The runner's flow against a real state store, with a scripted scenario standing in for the
// fault and for the daemon's journal (the integration tests run it beside a real daemon):
// refusals inject and record nothing; once recorded, the revert always runs; a game day whose
// process died is reverted from its saved memory.
#include "watchdog/gameday/runner.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/support/temp_dir.h"
#include "watchdog/gameday/gameday_store.h"
#include "watchdog/gameday/heartbeat.h"
#include "watchdog/store/incident_journal.h"

namespace watchdog::gameday {
namespace {

using config::GamedayExpect;
using namespace std::chrono_literals;

// What the scripted scenario did, and how it should behave.
struct Script {
  GamedayExpect expect = GamedayExpect::Recover;
  bool inject_throws = false;
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

  testing::TempDir dir_;
  std::unique_ptr<store::StateStore> store_;
  config::Config config_;
  Script script_;
};

TEST_F(GamedayRunner, ProductionIsRefusedBeforeAnythingHappens) {
  EXPECT_THROW(runner().run(request("prod")), RefusedError);
  EXPECT_TRUE(script_.calls.empty());
  EXPECT_TRUE(rows().empty());
}

TEST_F(GamedayRunner, ProductionRunsWhenAllowed) {
  auto r = request("prod");
  r.allow_production = true;
  script_.expect = GamedayExpect::Detect;  // the scripted incident is on db: prod times out
  r.timeout = 300ms;
  const auto result = runner().run(r);
  EXPECT_FALSE(result.staging);
  EXPECT_EQ(script_.calls, (std::vector<std::string>{"prepare", "inject", "revert"}));
}

TEST_F(GamedayRunner, UnknownComponentAndScenarioAreErrors) {
  EXPECT_THROW(runner().run(request("nope")), ScenarioError);
  auto r = request();
  r.scenario = "melt";
  EXPECT_THROW(runner().run(r), ScenarioError);
  EXPECT_TRUE(rows().empty());
}

TEST_F(GamedayRunner, OpenIncidentOnADependencyRefuses) {
  store::IncidentRecord open;
  open.id = "db-old";
  open.component = "db";
  open.opened = Clock::now() - 1h;
  open.worst_state = "CRITICAL";
  store::IncidentJournal(store_->db()).upsert(open);
  try {
    runner().run(request("api"));
    FAIL() << "ran beside an open incident";
  } catch (const RefusedError& refusal) {
    EXPECT_NE(std::string(refusal.what()).find("incident db-old is open on db (which api depends on)"),
              std::string::npos)
        << refusal.what();
  }
  EXPECT_TRUE(script_.calls.empty());
  EXPECT_TRUE(rows().empty());
}

TEST_F(GamedayRunner, AnUnfinishedGameDayRefuses) {
  GamedayRow other;
  other.id = "gd-other";
  other.scenario = "disk-filling";
  other.component = "api";
  other.trigger = "schedule";
  other.owner_pid = getpid();
  other.owner_host = this_process().host;
  other.started = other.heartbeat = Clock::now();
  ASSERT_FALSE(GamedayStore(*store_).begin(other));
  EXPECT_EQ(runner().resume_interrupted(), 0) << "its owner (this process) is alive";
  EXPECT_THROW(runner().run(request()), RefusedError);
  EXPECT_TRUE(script_.calls.empty());
}

TEST_F(GamedayRunner, DeclinedConfirmationRecordsNothing) {
  std::vector<std::string> shown;
  RunnerHooks hooks;
  hooks.confirm = [&](const std::vector<std::string>& plan) {
    shown = plan;
    return false;
  };
  EXPECT_THROW(runner(hooks).run(request()), RefusedError);
  EXPECT_TRUE(script_.calls.empty());
  EXPECT_TRUE(rows().empty());
  ASSERT_GE(shown.size(), 4u);
  EXPECT_EQ(shown[1], "break the thing");
  EXPECT_EQ(shown[2].rfind("wait up to 10s for", 0), 0u) << shown[2];
  EXPECT_EQ(shown[3].rfind("revert: always", 0), 0u) << shown[3];
}

TEST_F(GamedayRunner, InterruptedBeforeTheStartRecordsNothing) {
  RunnerHooks hooks;
  hooks.interrupted = [] { return true; };
  EXPECT_THROW(runner(hooks).run(request()), RefusedError);
  EXPECT_TRUE(script_.calls.empty());
  EXPECT_TRUE(rows().empty());
}

TEST_F(GamedayRunner, DryRunInjectsAndRecordsNothing) {
  auto r = request("prod");
  r.dry_run = true;
  const auto result = runner().run(r);
  EXPECT_EQ(result.outcome, Outcome::NotRun);
  EXPECT_NE(result.reason.find("a real run would be refused now: component prod is not marked"),
            std::string::npos)
      << result.reason;
  EXPECT_TRUE(script_.calls.empty());
  EXPECT_TRUE(rows().empty());
  ASSERT_FALSE(result.timeline.empty());
  EXPECT_EQ(result.timeline[1].text, "plan: break the thing");
}

TEST_F(GamedayRunner, RecoveredByTheDaemonThenRevertedAndRecorded) {
  std::vector<std::string> lines;
  RunnerHooks hooks;
  hooks.progress = [&](const std::string& line) { lines.push_back(line); };
  const auto result = runner(hooks).run(request());
  EXPECT_EQ(result.outcome, Outcome::Recovered) << result.reason;
  EXPECT_EQ(result.incident_id, "db-incident");
  EXPECT_TRUE(result.fault);
  EXPECT_TRUE(result.reverted);
  EXPECT_EQ(script_.calls, (std::vector<std::string>{"prepare", "inject", "revert"}));
  EXPECT_EQ(script_.reverted_with["marker"], "saved-before-inject");

  const auto stored = GamedayStore(*store_).get(result.id);
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status, kStatusDone);
  EXPECT_EQ(stored->outcome, "recovered");
  EXPECT_FALSE(stored->result.empty());
  EXPECT_EQ(nlohmann::json::parse(stored->memory)["marker"], "saved-before-inject");
  EXPECT_TRUE(stored->fault);

  int marks = 0;
  for (const auto& event : store::IncidentJournal(store_->db()).timeline("db-incident")) {
    if (event.kind == "gameday") {
      ++marks;
      EXPECT_NE(event.summary.find(result.id), std::string::npos) << event.summary;
    }
  }
  EXPECT_EQ(marks, 2) << "one when the incident was found, one with the result";
  EXPECT_FALSE(lines.empty());
}

TEST_F(GamedayRunner, DetectScenarioRevertsOnDetectionAndWaitsForHealthy) {
  script_.expect = GamedayExpect::Detect;
  const auto result = runner().run(request());
  EXPECT_EQ(result.outcome, Outcome::Detected) << result.reason;
  EXPECT_EQ(script_.calls, (std::vector<std::string>{"prepare", "inject", "revert"}))
      << "reverted once, on detection";
}

TEST_F(GamedayRunner, AFailedInjectIsStillReverted) {
  script_.inject_throws = true;
  const auto result = runner().run(request());
  EXPECT_EQ(result.outcome, Outcome::Error);
  EXPECT_EQ(result.reason, "inject: the command failed");
  EXPECT_EQ(script_.calls, (std::vector<std::string>{"prepare", "inject", "revert"}));
  EXPECT_EQ(GamedayStore(*store_).get(result.id)->status, kStatusDone);
}

TEST_F(GamedayRunner, AStoreThatFailsDoesNotStopTheRevert) {
  // The game day's own row becomes unwritable right after the fault (as SQLITE_FULL would make
  // it): saving the memory and the status fail, the revert must run all the same.
  script_.after_inject = [this] { store_->db().exec("ALTER TABLE gamedays RENAME TO gone"); };
  try {
    runner().run(request());
  } catch (const std::exception&) {
    // recording the result fails too; only the revert matters here
  }
  EXPECT_EQ(script_.calls, (std::vector<std::string>{"prepare", "inject", "revert"}));
}

TEST_F(GamedayRunner, AnIncidentOpeningDuringPrepareRefusesTheFault) {
  script_.on_prepare = [this] {
    store::IncidentRecord open;
    open.id = "db-meanwhile";
    open.component = "db";
    open.opened = Clock::now();
    open.worst_state = "CRITICAL";
    store::IncidentJournal(store_->db()).upsert(open);
  };
  const auto result = runner().run(request());
  EXPECT_EQ(result.outcome, Outcome::NotRun);
  EXPECT_NE(result.reason.find("refused before the fault: incident db-meanwhile is open on db"),
            std::string::npos)
      << result.reason;
  EXPECT_FALSE(result.passed);
  EXPECT_EQ(script_.calls, (std::vector<std::string>{"prepare", "revert"}))
      << "never injected; what prepare set up is undone";
  EXPECT_EQ(GamedayStore(*store_).get(result.id)->status, kStatusDone);
}

TEST_F(GamedayRunner, InterruptedWaitReverts) {
  script_.ticks_until_healthy = 1000;
  int asked = 0;
  RunnerHooks hooks;
  hooks.interrupted = [&] { return ++asked > 3; };
  const auto result = runner(hooks).run(request());
  EXPECT_EQ(result.outcome, Outcome::Interrupted);
  EXPECT_EQ(script_.calls.back(), "revert");
  EXPECT_EQ(GamedayStore(*store_).get(result.id)->outcome, "interrupted");
}

TEST_F(GamedayRunner, TimeoutWithTheIncidentStillOpen) {
  script_.ticks_until_healthy = 1000;
  auto r = request();
  r.timeout = 600ms;
  const auto result = runner().run(r);
  EXPECT_EQ(result.outcome, Outcome::TimedOut);
  EXPECT_EQ(script_.calls.back(), "revert");
}

// A pid that no longer runs: a child that has exited and been reaped.
std::int64_t dead_pid() {
  const pid_t child = fork();
  if (child == 0) _exit(0);
  waitpid(child, nullptr, 0);
  return child;
}

TEST_F(GamedayRunner, ResumeRevertsWhatADeadProcessLeft) {
  GamedayRow left;
  left.id = "gd-left";
  left.scenario = "scripted";
  left.component = "db";
  left.trigger = "cli";
  left.memory = R"({"marker":"from-the-dead"})";
  left.owner_pid = dead_pid();
  left.owner_host = this_process().host;
  left.started = left.heartbeat = Clock::now();
  ASSERT_FALSE(GamedayStore(*store_).begin(left));

  EXPECT_EQ(runner().resume_interrupted(), 1);
  EXPECT_EQ(script_.calls, std::vector<std::string>{"revert"});
  EXPECT_EQ(script_.reverted_with["marker"], "from-the-dead");
  const auto row = GamedayStore(*store_).get("gd-left");
  ASSERT_TRUE(row);
  EXPECT_EQ(row->status, kStatusDone);
  EXPECT_EQ(row->outcome, "interrupted");
  EXPECT_NE(row->result.find("reverted after the game day's process died"), std::string::npos);
  EXPECT_EQ(runner().resume_interrupted(), 0) << "done rows are left alone";
}

TEST_F(GamedayRunner, ResumeTakesAStaleHeartbeatFromAnotherHost) {
  GamedayRow left;
  left.id = "gd-far";
  left.scenario = "scripted";
  left.component = "db";
  left.trigger = "schedule";
  left.owner_pid = getpid();  // alive here, but the row says another host
  left.owner_host = "another-host";
  left.started = Clock::now() - 5min;
  left.heartbeat = Clock::now() - 31s;
  ASSERT_FALSE(GamedayStore(*store_).begin(left));
  EXPECT_EQ(runner().resume_interrupted(), 1);
  EXPECT_EQ(script_.calls, std::vector<std::string>{"revert"});
}

GamedayRow left_by_dead_process(const std::string& id, const std::string& scenario) {
  GamedayRow left;
  left.id = id;
  left.scenario = scenario;
  left.component = "db";
  left.trigger = "cli";
  left.owner_pid = dead_pid();
  left.owner_host = this_process().host;
  left.owner_ns = this_process().ns;
  left.started = left.heartbeat = Clock::now();
  return left;
}

TEST_F(GamedayRunner, ResumeNeverClosesARowItCannotRevert) {
  // The daemon's configuration cannot rebuild the scenario (here: one it does not know): the
  // fault may be in place, so the row stays and keeps blocking, for a process that can.
  ASSERT_FALSE(GamedayStore(*store_).begin(left_by_dead_process("gd-odd", "melt")));
  EXPECT_EQ(runner().resume_interrupted(), 0);
  EXPECT_EQ(runner().resume_interrupted(), 0);
  EXPECT_TRUE(script_.calls.empty());
  EXPECT_EQ(GamedayStore(*store_).get("gd-odd")->status, kStatusRunning);
  EXPECT_THROW(runner().run(request()), RefusedError);
}

TEST_F(GamedayRunner, AFailedResumeRevertIsRetriedByTheSameProcess) {
  script_.revert_failures = 1;
  ASSERT_FALSE(GamedayStore(*store_).begin(left_by_dead_process("gd-left", "scripted")));
  EXPECT_EQ(runner().resume_interrupted(), 0);
  auto row = GamedayStore(*store_).get("gd-left");
  EXPECT_EQ(row->status, kStatusReverting);
  EXPECT_EQ(row->owner_pid, 0) << "released: this (living) process may take it again";
  EXPECT_EQ(runner().resume_interrupted(), 1);
  EXPECT_EQ(script_.calls, (std::vector<std::string>{"revert", "revert"}));
  EXPECT_EQ(GamedayStore(*store_).get("gd-left")->status, kStatusDone);
}

TEST_F(GamedayRunner, AFailedRevertOfALiveRunIsRetriedByTheSameProcess) {
  // The daemon runs scheduled game days and resumes in one long-lived process: its own row
  // must not look alive forever after its revert failed.
  script_.revert_failures = 1;
  const auto result = runner().run(request());
  EXPECT_EQ(result.outcome, Outcome::Error);
  EXPECT_NE(result.reason.find("revert failed"), std::string::npos) << result.reason;
  EXPECT_EQ(GamedayStore(*store_).get(result.id)->owner_pid, 0);
  EXPECT_EQ(runner().resume_interrupted(), 1);
  EXPECT_EQ(GamedayStore(*store_).get(result.id)->status, kStatusDone);
}

TEST_F(GamedayRunner, AnAbandonedRowIsClaimedOnce) {
  const auto left = left_by_dead_process("gd-left", "scripted");
  ASSERT_FALSE(GamedayStore(*store_).begin(left));
  GamedayStore rows(*store_);
  EXPECT_TRUE(rows.claim(left, 1, "host-a", "", Clock::now()));
  EXPECT_FALSE(rows.claim(left, 2, "host-b", "", Clock::now()))
      << "the second process saw the same row: it must not revert it too";
  EXPECT_EQ(rows.get("gd-left")->owner_pid, 1);
  EXPECT_EQ(rows.get("gd-left")->status, kStatusReverting);
}

TEST(GamedayOwner, ALivePidHereIsNeverGoneHoweverOldItsHeartbeat) {
  GamedayRow row;
  const auto self = this_process();
  row.owner_pid = self.pid;
  row.owner_host = self.host;
  row.owner_ns = self.ns;
  row.heartbeat = Clock::now() - 10min;  // stopped with Ctrl-Z, or a store busy for long
  ASSERT_FALSE(self.ns.empty());
  EXPECT_FALSE(owner_gone(row, Clock::now()));
  row.owner_pid = dead_pid();
  row.heartbeat = Clock::now();
  EXPECT_TRUE(owner_gone(row, Clock::now()));
  row.owner_ns = "another-boot:1";  // another container: only the heartbeat says
  EXPECT_FALSE(owner_gone(row, Clock::now()));
  EXPECT_TRUE(owner_gone(row, Clock::now() + 31s));
}

TEST_F(GamedayRunner, ARunWhoseRowWasTakenOverStopsAndRecordsNothing) {
  script_.ticks_until_healthy = 1000;
  bool taken = false;
  script_.on_tick = [&] {
    if (taken) return;
    auto other = store::StateStore::open_existing(dir_.path());
    GamedayStore rows(*other);
    const auto mine = rows.unfinished().front();
    taken = rows.claim(mine, 1, "another-host", "", Clock::now());
  };
  auto r = request();
  r.timeout = 20s;
  const auto result = runner().run(r);
  EXPECT_TRUE(taken);
  EXPECT_EQ(result.outcome, Outcome::Interrupted) << result.reason;
  EXPECT_EQ(script_.calls.back(), "revert");
  const auto row = GamedayStore(*store_).get(result.id);
  EXPECT_EQ(row->status, kStatusReverting) << "the claimer's to finish";
  EXPECT_EQ(row->owner_pid, 1);
}

TEST(GamedayDependencies, ClosureFollowsDependsOnOnce) {
  config::Config config;
  config.components.resize(4);
  config.components[0].name = "api";
  config.components[0].depends_on = {"cache", "db"};
  config.components[1].name = "cache";
  config.components[1].depends_on = {"db"};
  config.components[2].name = "db";
  config.components[3].name = "other";
  EXPECT_EQ(dependency_closure(config, "api"), (std::vector<std::string>{"api", "cache", "db"}));
  EXPECT_EQ(dependency_closure(config, "db"), std::vector<std::string>{"db"});
}

}  // namespace
}  // namespace watchdog::gameday
