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
  bool prepare_gives_up_when_interrupted = false;  // like database-dropped's fresh backup
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
  }
  void inject(Context&) override {
    script_.calls.push_back("inject");
    if (script_.inject_throws) throw ScenarioError("inject: the command failed");
    journal([](store::IncidentRecord& r) { r.worst_state = "CRITICAL"; });
  }
  void tick(Context&) override {
    ++ticks_;
    if (script_.expect == GamedayExpect::Recover && ticks_ == script_.ticks_until_healthy) {
      journal([](store::IncidentRecord& r) { r.closed = Clock::now(); });
    }
  }
  void revert(Context& ctx) override {
    script_.calls.push_back("revert");
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

TEST_F(GamedayRunner, AStepThatGivesUpOnTheInterruptIsRecordedInterrupted) {
  script_.prepare_gives_up_when_interrupted = true;
  int asked = 0;
  RunnerHooks hooks;
  hooks.interrupted = [&] { return ++asked > 1; };  // after the runner's check before the row
  const auto result = runner(hooks).run(request());
  EXPECT_EQ(result.outcome, Outcome::Interrupted) << result.reason;
  EXPECT_EQ(result.reason, "interrupted before the fresh backup");
  EXPECT_EQ(script_.calls, (std::vector<std::string>{"prepare", "revert"}));
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
