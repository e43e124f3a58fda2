// The `gamedays` table: one unfinished game day at a time, the row's life (memory, fault,
// heartbeat, reverting, done) and the readers (unfinished, latest results, history).
#include "watchdog/gameday/gameday_store.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace watchdog::gameday {
namespace {

using namespace std::chrono_literals;

store::TimePoint at(int s) { return store::TimePoint(std::chrono::seconds(1'800'000'000 + s)); }

GamedayRow row(const std::string& id, const std::string& scenario, int started) {
  GamedayRow r;
  r.id = id;
  r.scenario = scenario;
  r.component = "db";
  r.trigger = "cli";
  r.owner_pid = 4711;
  r.owner_host = "host-a";
  r.started = r.heartbeat = at(started);
  return r;
}

TEST(GamedayStore, OneUnfinishedGameDayAtATime) {
  testing::TempDir dir;
  auto store = store::StateStore::open(dir.path());
  GamedayStore gamedays(*store);
  EXPECT_FALSE(gamedays.begin(row("gd-1", "disk-filling", 0)));
  const auto blocking = gamedays.begin(row("gd-2", "redis-down", 1));
  ASSERT_TRUE(blocking);
  EXPECT_EQ(blocking->id, "gd-1");
  EXPECT_FALSE(gamedays.get("gd-2")) << "a refused game day is not recorded";

  gamedays.finish("gd-1", R"({"outcome":"recovered"})", "recovered", true, at(60));
  EXPECT_FALSE(gamedays.begin(row("gd-2", "redis-down", 61)));
  EXPECT_EQ(gamedays.unfinished().size(), 1u);
}

TEST(GamedayStore, RowLifeSurvivesReopening) {
  testing::TempDir dir;
  {
    auto store = store::StateStore::open(dir.path());
    GamedayStore gamedays(*store);
    ASSERT_FALSE(gamedays.begin(row("gd-1", "disk-filling", 0)));
    gamedays.save_memory("gd-1", R"({"file":"/v/fill"})");
    gamedays.mark_fault("gd-1", at(3));
    EXPECT_TRUE(gamedays.heartbeat("gd-1", 4711, "host-a", at(5)));
    EXPECT_FALSE(gamedays.heartbeat("gd-1", 4712, "host-a", at(6))) << "not its owner";
    gamedays.set_status("gd-1", kStatusReverting);
  }
  auto store = store::StateStore::open(dir.path());
  GamedayStore gamedays(*store);
  const auto unfinished = gamedays.unfinished();
  ASSERT_EQ(unfinished.size(), 1u);
  const auto& r = unfinished[0];
  EXPECT_EQ(r.id, "gd-1");
  EXPECT_EQ(r.scenario, "disk-filling");
  EXPECT_EQ(r.component, "db");
  EXPECT_EQ(r.trigger, "cli");
  EXPECT_EQ(r.status, kStatusReverting);
  EXPECT_EQ(r.memory, R"({"file":"/v/fill"})");
  EXPECT_EQ(r.owner_pid, 4711);
  EXPECT_EQ(r.owner_host, "host-a");
  EXPECT_EQ(r.started, at(0));
  EXPECT_EQ(r.heartbeat, at(5));
  EXPECT_EQ(r.fault, at(3));
  EXPECT_FALSE(r.finished);
  EXPECT_FALSE(r.passed);
  EXPECT_TRUE(r.result.empty());

  gamedays.finish("gd-1", R"({"x":1})", "interrupted", false, at(9));
  const auto done = gamedays.get("gd-1");
  ASSERT_TRUE(done);
  EXPECT_EQ(done->status, kStatusDone);
  EXPECT_EQ(done->result, R"({"x":1})");
  EXPECT_EQ(done->outcome, "interrupted");
  EXPECT_EQ(done->passed, false);
  EXPECT_EQ(done->finished, at(9));
  EXPECT_TRUE(gamedays.unfinished().empty());
}

TEST(GamedayStore, LatestResultPerScenarioAndComponent) {
  testing::TempDir dir;
  auto store = store::StateStore::open(dir.path());
  GamedayStore gamedays(*store);
  const struct {
    const char* id;
    const char* scenario;
    const char* component;
    int finished;
  } runs[] = {{"a", "disk-filling", "db", 10},
              {"b", "disk-filling", "db", 30},
              {"c", "disk-filling", "api", 20},
              {"d", "redis-down", "db", 40}};
  int started = 0;
  for (const auto& run : runs) {
    auto r = row(run.id, run.scenario, started++);
    r.component = run.component;
    ASSERT_FALSE(gamedays.begin(r));
    gamedays.finish(run.id, std::string("{\"id\":\"") + run.id + "\"}", "recovered", true,
                    at(run.finished));
  }
  ASSERT_FALSE(gamedays.begin(row("running", "disk-filling", 50)));  // unfinished: not a result

  const auto latest = gamedays.latest_results();
  ASSERT_EQ(latest.size(), 3u);
  std::map<std::string, std::string> by_key;
  for (const auto& r : latest) by_key[r.scenario + "/" + r.component] = r.result;
  EXPECT_EQ(by_key["disk-filling/db"], R"({"id":"b"})");
  EXPECT_EQ(by_key["disk-filling/api"], R"({"id":"c"})");
  EXPECT_EQ(by_key["redis-down/db"], R"({"id":"d"})");
}

TEST(GamedayStore, ListIsNewestFirstAndLimited) {
  testing::TempDir dir;
  auto store = store::StateStore::open(dir.path());
  GamedayStore gamedays(*store);
  for (int i = 0; i < 5; ++i) {
    const std::string id = "gd-" + std::to_string(i);
    ASSERT_FALSE(gamedays.begin(row(id, "disk-filling", i)));
    gamedays.finish(id, "{}", "recovered", true, at(i + 1));
  }
  const auto listed = gamedays.list(3);
  ASSERT_EQ(listed.size(), 3u);
  EXPECT_EQ(listed[0].id, "gd-4");
  EXPECT_EQ(listed[2].id, "gd-2");
  EXPECT_FALSE(gamedays.get("nope"));
}

}  // namespace
}  // namespace watchdog::gameday
