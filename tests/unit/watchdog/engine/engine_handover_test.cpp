// The engine under a leader lock (engine_handover.cpp): a follower continues the leader's
// incident under the leader's id, a new leader closes at the receivers what it finds healthy
// and continues what it finds open, and a replica that loses the lease kills its running
// command action. Leadership and the lock's record are driven by the test (the lock kinds are
// tested against real Redis/PostgreSQL and the Kubernetes stand-in in the integration tests).
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "actions/command_action.h"
#include "tests/support/temp_dir.h"
#include "tests/unit/watchdog/engine/engine_fixture.h"

namespace watchdog::core {
namespace {

using namespace engine_fixture;

// The elector's side, as the test sets it.
struct Lock {
  std::mutex mutex;
  std::atomic<bool> leader{false};
  std::uint64_t generation = 0;
  std::string seen;
  std::vector<std::string> published;

  void hand(const std::string& record) {
    std::lock_guard guard(mutex);
    seen = record;
    ++generation;
  }
  std::string last_published() {
    std::lock_guard guard(mutex);
    return published.empty() ? "" : published.back();
  }
  EngineOptions options() {
    EngineOptions o;
    o.seed = 5;
    o.identity = "replica-b";
    o.is_leader = [this] { return leader.load(); };
    o.publish_record = [this](std::string record) {
      std::lock_guard guard(mutex);
      published.push_back(std::move(record));
    };
    o.seen_record =
        [this](std::uint64_t known) -> std::optional<std::pair<std::uint64_t, std::string>> {
      std::lock_guard guard(mutex);
      if (known == generation) return std::nullopt;
      return std::pair{generation, seen};
    };
    o.fencing_token = [] { return std::uint64_t{42}; };
    return o;
  }
};

std::string record_of_a(const std::vector<HandedIncident>& incidents) {
  return encode_leader_record({"replica-a", incidents}, 64 * 1024);
}

std::string incident_of(const Engine& engine, const std::string& name) {
  for (const auto& c : engine.status().components) {
    if (c.name == name) return c.incident_id;
  }
  return "?";
}

std::vector<alerts::OutboxEntry> rows_of(alerts::Dispatcher& dispatcher, const std::string& id) {
  std::vector<alerts::OutboxEntry> rows;
  for (auto& row : dispatcher.outbox()->recent(1000)) {
    if (row.incident_id == id) rows.push_back(std::move(row));
  }
  return rows;
}

// One component "api" checked by `probe`, with a quick fix action; alerts go to a sink ("ops")
// that takes every event.
void add_api(Fixture& f, const std::shared_ptr<SwitchProbe>& probe) {
  f.dispatcher.set_providers({std::make_shared<NowhereSink>()});
  f.add("api", probe, std::make_shared<FakeAction>("fix", 5ms, nullptr));
}

TEST(EngineHandover, AFollowerContinuesTheLeadersIncidentUnderItsIdAndSendsNothing) {
  Fixture f;
  auto probe = std::make_shared<SwitchProbe>("p");
  add_api(f, probe);
  Lock lock;
  lock.hand(record_of_a({{"api", "api-OF-A", "CRITICAL", {"ops"}}}));
  Engine engine(f.metrics, f.dispatcher, lock.options());
  engine.start(f.plan);
  probe->healthy_ = false;
  ASSERT_TRUE(wait_until([&] { return incident_of(engine, "api") == "api-OF-A"; }));
  // It publishes what it holds open too (the lock stores it only while it leads).
  ASSERT_TRUE(wait_until([&] {
    const auto mine = decode_leader_record(lock.last_published());
    return mine && mine->holder == "replica-b" && mine->incidents.size() == 1 &&
           mine->incidents[0].id == "api-OF-A";
  }));
  EXPECT_TRUE(f.dispatcher.outbox()->recent(100).empty()) << "a follower alerts nobody";
  engine.stop();
}

TEST(EngineHandover, ANewLeaderClosesWhatIsHealthyHereAndContinuesWhatIsOpen) {
  Fixture f;
  f.dispatcher.set_providers({std::make_shared<NowhereSink>()});
  auto api = std::make_shared<SwitchProbe>("p");
  auto db = std::make_shared<SwitchProbe>("p");
  f.add("api", api, std::make_shared<FakeAction>("fix", 5ms, nullptr));
  auto db_fix = std::make_shared<FakeAction>("fix", 5ms, nullptr);
  db_fix->ok_ = false;  // db stays down: its incident stays open
  f.add("db", db, db_fix);
  Lock lock;
  Engine engine(f.metrics, f.dispatcher, lock.options());
  engine.start(f.plan);
  db->healthy_ = false;
  ASSERT_TRUE(wait_until([&] { return state_of(engine, "db") != State::Healthy; }));
  ASSERT_TRUE(wait_until([&] { return state_of(engine, "api") == State::Healthy; }));
  // replica-a led until now, with both open; its lease ran out and ours begins.
  lock.hand(record_of_a({{"api", "api-OF-A", "CRITICAL", {"ops"}},
                         {"db", "db-OF-A", "CRITICAL", {"ops"}},
                         {"gone", "gone-OF-A", "CRITICAL", {"ops"}}}));
  lock.leader = true;
  ASSERT_TRUE(wait_until([&] { return incident_of(engine, "db") == "db-OF-A"; }));
  ASSERT_TRUE(wait_until([&] {
    return !rows_of(f.dispatcher, "api-OF-A").empty() &&
           !rows_of(f.dispatcher, "gone-OF-A").empty();
  }));
  for (const char* id : {"api-OF-A", "gone-OF-A"}) {
    const auto rows = rows_of(f.dispatcher, id);
    ASSERT_EQ(rows.size(), 1U) << id;
    EXPECT_EQ(rows[0].state, "HEALTHY") << id;
    EXPECT_EQ(rows[0].sink, "ops");
    EXPECT_NE(nlohmann::json::parse(rows[0].payload).dump().find("replica-a"), std::string::npos);
  }
  // db's latest transition, held while following, goes out under replica-a's id.
  ASSERT_TRUE(wait_until([&] { return !rows_of(f.dispatcher, "db-OF-A").empty(); }));
  for (const auto& row : f.dispatcher.outbox()->recent(100)) {
    EXPECT_NE(row.incident_id.rfind("db-", 0) == 0 && row.incident_id != "db-OF-A", true)
        << "an alert under this replica's own db id: " << row.key;
  }
  // When db recovers, the resolution closes replica-a's incident at its sink.
  db_fix->ok_ = true;
  db->healthy_ = true;
  ASSERT_TRUE(wait_until([&] {
    for (const auto& row : rows_of(f.dispatcher, "db-OF-A")) {
      if (row.state == "HEALTHY") return true;
    }
    return false;
  }));
  engine.stop();
}

TEST(EngineHandover, StoppingPublishesTheFinalRecordAtOnce) {
  Fixture f;
  auto probe = std::make_shared<SwitchProbe>("p");
  add_api(f, probe);
  Lock lock;
  lock.leader = true;
  Engine engine(f.metrics, f.dispatcher, lock.options());
  engine.start(f.plan);
  probe->healthy_ = false;
  auto lists_api = [&] {
    const auto record = decode_leader_record(lock.last_published());
    return record && record->incidents.size() == 1 && record->incidents[0].component == "api";
  };
  ASSERT_TRUE(wait_until(lists_api));
  probe->healthy_ = true;
  ASSERT_TRUE(wait_until([&] { return state_of(engine, "api") == State::Healthy; }));
  // Records go out at most once a second while running: the one without the incident may still
  // wait for its turn here. Stopping must not leave the lock with the stale one.
  engine.stop();
  const auto last = decode_leader_record(lock.last_published());
  ASSERT_TRUE(last.has_value());
  EXPECT_TRUE(last->incidents.empty()) << lock.last_published();
}

// The leader record is the only place a follower learns which sinks the leader alerted; a
// follower restarted mid-incident keeps them (its snapshot in the store), so when it later leads
// and the service recovers, the resolution still reaches them.
TEST(EngineHandover, ARestartedReplicaStillKnowsWhereAHandedOverIncidentWasAlerted) {
  watchdog::testing::TempDir dir;
  auto store = store::StateStore::open(dir.path());
  auto probe = std::make_shared<SwitchProbe>("p");
  probe->healthy_ = false;
  {
    Fixture f;
    add_api(f, probe);
    Lock follower;
    follower.hand(record_of_a({{"api", "api-OF-A", "CRITICAL", {"ops"}}}));
    auto options = follower.options();
    options.store = store.get();
    Engine engine(f.metrics, f.dispatcher, options);
    engine.start(f.plan);
    ASSERT_TRUE(wait_until([&] { return incident_of(engine, "api") == "api-OF-A"; }));
    engine.stop();
    EXPECT_TRUE(f.dispatcher.outbox()->recent(100).empty()) << "a follower alerts nobody";
  }
  Fixture f;
  add_api(f, probe);
  Lock leader;  // no record of replica-a any more: only the store remembers its sinks
  leader.leader = true;
  auto options = leader.options();
  options.store = store.get();
  Engine engine(f.metrics, f.dispatcher, options);
  probe->healthy_ = true;  // back before this replica alerted anything of it itself
  engine.start(f.plan);
  ASSERT_TRUE(wait_until([&] { return state_of(engine, "api") == State::Healthy; }));
  ASSERT_TRUE(wait_until([&] { return !rows_of(f.dispatcher, "api-OF-A").empty(); }));
  const auto rows = rows_of(f.dispatcher, "api-OF-A");
  ASSERT_EQ(rows.size(), 1U);
  EXPECT_EQ(rows[0].state, "HEALTHY");
  EXPECT_EQ(rows[0].sink, "ops");
  engine.stop();
}

TEST(EngineHandover, LosingTheLeaseKillsTheRunningCommandActionWhichSawTheToken) {
  testing::TempDir dir;
  const auto pid_file = dir.path() / "pid";
  const auto token_file = dir.path() / "token";
  probes::ProcessSpec spec;
  spec.argv = {"/bin/sh", "-c",
               "echo \"$WATCHDOG_FENCING_TOKEN\" > " + token_file.string() + "; echo $$ > " +
                   pid_file.string() + ".tmp; mv " + pid_file.string() + ".tmp " +
                   pid_file.string() + "; exec sleep 30"};
  auto action = std::make_shared<actions::CommandAction>("restart", spec,
                                                         std::vector<std::string>{"restart"});
  Fixture f;
  auto probe = std::make_shared<SwitchProbe>("p");
  auto& api = f.add("api", probe, std::make_shared<FakeAction>("unused", 5ms, nullptr));
  api.ladder[0].action = action;
  api.spec.recovery.actions[0].timeout = 60s;
  api.ladder[0].timeout = 60s;
  api.spec.recovery.max_attempts = 1;  // a killed action counted as failed would end it FAILED
  Lock lock;
  lock.leader = true;
  Engine engine(f.metrics, f.dispatcher, lock.options());
  engine.start(f.plan);
  probe->healthy_ = false;
  ASSERT_TRUE(wait_until([&] { return std::filesystem::exists(pid_file); }, 10s));
  pid_t pid = 0;
  std::ifstream(pid_file) >> pid;
  ASSERT_GT(pid, 0);
  std::string token;
  std::ifstream(token_file) >> token;
  EXPECT_EQ(token, "42");
  EXPECT_EQ(kill(pid, 0), 0) << "the action runs";
  lock.leader = false;  // the lease is gone (renewals failed, or another replica took it)
  EXPECT_TRUE(wait_until([&] { return kill(pid, 0) != 0; }, 5s))
      << "the action's process outlived the lease";
  // Not the target's failure: the attempt is given back and the follower waits CRITICAL.
  EXPECT_TRUE(wait_until([&] { return state_of(engine, "api") == State::Critical; }, 5s))
      << to_string(state_of(engine, "api"));
  engine.stop();
}

}  // namespace
}  // namespace watchdog::core
