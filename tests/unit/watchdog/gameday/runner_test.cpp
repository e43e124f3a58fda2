// The runner's flow against a real state store, with a scripted scenario standing in for the
// fault and for the daemon's journal (the integration tests run it beside a real daemon):
// refusals inject and record nothing; once recorded, the revert always runs; a game day whose
// process died is reverted from its saved memory.
#include "watchdog/gameday/runner.h"

#include <gtest/gtest.h>

#include "tests/unit/watchdog/gameday/runner_fixture.h"

namespace watchdog::gameday {
namespace {

using namespace testing_runner;
using config::GamedayExpect;
using namespace std::chrono_literals;

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
