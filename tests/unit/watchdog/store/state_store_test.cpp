// The SQLite state store and incident journal: persistence, pauses, requests, corruption.
#include "watchdog/store/state_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "tests/support/temp_dir.h"
#include "watchdog/store/incident_journal.h"

namespace watchdog::store {
namespace {

using namespace std::chrono_literals;

TimePoint at(int s) { return TimePoint(std::chrono::seconds(1'800'000'000 + s)); }

TEST(StateStore, ComponentsSurviveReopening) {
  testing::TempDir dir;
  {
    auto store = StateStore::open(dir.path());
    EXPECT_FALSE(store->in_memory());
    store->save_component("api", R"({"state":"CRITICAL"})", at(0));
    store->save_component("api", R"({"state":"RECOVERING"})", at(1));
    store->save_component("db", R"({"state":"HEALTHY"})", at(1));
  }
  auto store = StateStore::open(dir.path());
  auto saved = store->load_components();
  ASSERT_EQ(saved.size(), 2u);
  EXPECT_EQ(saved["api"], R"({"state":"RECOVERING"})");
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "watchdog.db"));
}

TEST(StateStore, ProbeMemoriesSurviveReopeningUntilForgotten) {
  testing::TempDir dir;
  const std::string history = R"({"of":"/data","samples":[[1800000000000,1048576]]})";
  {
    auto store = StateStore::open(dir.path());
    store->save_probe_memory({"db", "data-disk", "disk", "old"}, at(0));
    store->save_probe_memory({"db", "data-disk", "disk", history}, at(1));  // replaces
    store->save_probe_memory({"db", "wal-disk", "disk", "wal"}, at(1));
    store->save_probe_memory({"api", "data-disk", "disk", "api"}, at(1));  // same probe name
  }
  auto store = StateStore::open(dir.path());
  auto rows = store->load_probe_memories();
  ASSERT_EQ(rows.size(), 3u);
  std::map<std::string, ProbeMemory> by_key;
  for (auto& row : rows) by_key[row.component + "/" + row.probe] = row;
  EXPECT_EQ(by_key["db/data-disk"].memory, history);
  EXPECT_EQ(by_key["db/data-disk"].kind, "disk");
  EXPECT_EQ(by_key["api/data-disk"].memory, "api");
  store->forget_probe_memory("db", "wal-disk");
  store->forget_probe_memory("db", "never-there");
  EXPECT_EQ(store->load_probe_memories().size(), 2u);
}

TEST(StateStore, AFileFromBeforeProbeMemoryGainsItsTable) {
  testing::TempDir dir;
  {
    auto store = StateStore::open(dir.path());
    store->save_component("api", "{}", at(0));
    store->db().exec("DROP TABLE probe_memory");  // as written by a version without it
  }
  auto store = StateStore::open(dir.path());
  store->save_probe_memory({"api", "disk", "disk", "{}"}, at(1));
  EXPECT_EQ(store->load_probe_memories().size(), 1u);
  EXPECT_EQ(store->load_components().size(), 1u);
}

TEST(StateStore, CorruptFileIsMovedAsideAndAFreshStoreStarts) {
  testing::TempDir dir;
  {
    std::ofstream garbage(dir.path() / "watchdog.db", std::ios::binary);
    for (int i = 0; i < 4096; ++i) garbage << static_cast<char>(i * 7);
  }
  auto store = StateStore::open(dir.path());
  EXPECT_FALSE(store->in_memory());
  store->save_component("api", "{}", at(0));
  EXPECT_EQ(store->load_components().size(), 1u);
  int aside = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    aside += entry.path().filename().string().rfind("watchdog.db.corrupt-", 0) == 0;
  }
  EXPECT_EQ(aside, 1);
}

TEST(StateStore, UnusableDirectoryFallsBackToMemory) {
  testing::TempDir dir;
  const auto file_in_place_of_dir = dir.path() / "not-a-dir";
  std::ofstream(file_in_place_of_dir) << "x";
  auto store = StateStore::open(file_in_place_of_dir);
  EXPECT_TRUE(store->in_memory());
  store->save_component("api", "{}", at(0));  // still works, just not durable
  EXPECT_EQ(store->load_components().size(), 1u);
}

TEST(StateStore, OpenExistingRefusesAMissingStore) {
  testing::TempDir dir;
  EXPECT_THROW(StateStore::open_existing(dir.path()), SqliteError);
}

TEST(StateStore, MutesAndRequestsAreSeenByAnotherConnection) {
  testing::TempDir dir;
  auto daemon = StateStore::open(dir.path());
  daemon->changed_elsewhere();  // baseline
  auto cli = StateStore::open_existing(dir.path());
  cli->set_mute({"api", at(1800), "deploy", at(0)});
  const auto id = cli->add_request({"reset", "api", "cli"}, at(1));
  EXPECT_TRUE(daemon->changed_elsewhere());
  EXPECT_FALSE(daemon->changed_elsewhere());
  ASSERT_EQ(daemon->mutes().size(), 1u);
  EXPECT_EQ(daemon->mutes()[0].until, at(1800));
  auto pending = daemon->pending_requests();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].requested_by, "cli");
  daemon->complete_request(pending[0].id, "reset: api is probing again", kRequestDone, at(2));
  EXPECT_TRUE(daemon->pending_requests().empty());
  auto answered = cli->request(id);
  ASSERT_TRUE(answered && answered->done);
  EXPECT_EQ(answered->result, "reset: api is probing again");
  EXPECT_EQ(answered->outcome, kRequestDone);
  EXPECT_TRUE(cli->clear_mute("api"));
  EXPECT_FALSE(cli->clear_mute("api"));
}

// The requests table as the first release created it (before the operator API's columns).
const std::string kOldRequestsTable =
    "CREATE TABLE requests(id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, "
    "component TEXT NOT NULL, created_ms INTEGER NOT NULL, done_ms INTEGER, "
    "result TEXT NOT NULL DEFAULT '');";

// A database from before the operator API: its requests table lacks requested_by, data and
// outcome. Opening it adds them; the pending reset it holds is still answered.
TEST(StateStore, OldRequestsTableGainsTheOperatorColumns) {
  testing::TempDir dir;
  {
    Database old(StateStore::file_in(dir.path()));
    old.exec(kOldRequestsTable +
             "INSERT INTO requests(kind, component, created_ms) VALUES('reset', 'api', 1000);");
  }
  auto store = StateStore::open(dir.path());
  EXPECT_FALSE(store->in_memory());
  auto pending = store->pending_requests();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].kind, "reset");
  EXPECT_EQ(pending[0].requested_by, "");
  EXPECT_EQ(pending[0].data, "{}");
  const auto id = store->add_request({"pause", "api", "api 127.0.0.1:5000", R"({"reason":"x"})"},
                                     at(3));
  EXPECT_EQ(store->request(id)->data, R"({"reason":"x"})");
  EXPECT_EQ(store->request(id)->requested_by, "api 127.0.0.1:5000");
}

// The daemon and CLI commands opening an old file at the same moment: all migrate it (one at a
// time), none fails, and nothing is moved aside. (A race: without the transaction it fails in
// some rounds, not in every run.)
TEST(StateStore, ProcessesMigratingAnOldFileAtOnceAllSucceed) {
  for (int round = 0; round < 20; ++round) {
    testing::TempDir dir;
    {
      Database old(StateStore::file_in(dir.path()));
      old.exec(
          kOldRequestsTable +
          "CREATE TABLE components(name TEXT PRIMARY KEY, snapshot TEXT NOT NULL, "
          "updated_ms INTEGER NOT NULL);"
          "INSERT INTO components VALUES('api', '{\"kept\":1}', 1000);"
          "INSERT INTO requests(kind, component, created_ms) VALUES('reset', 'api', 1000);");
    }
    constexpr int kOpeners = 6;
    std::atomic<int> ready{0};
    std::unique_ptr<StateStore> stores[kOpeners];
    std::vector<std::thread> openers;
    for (auto& store : stores) {
      openers.emplace_back([&] {
        ++ready;
        while (ready < kOpeners) {
        }
        store = StateStore::open(dir.path());
      });
    }
    for (auto& opener : openers) opener.join();
    for (auto& store : stores) {
      ASSERT_FALSE(store->in_memory()) << "round " << round;
      EXPECT_EQ(store->load_components().at("api"), R"({"kept":1})");
      EXPECT_EQ(store->pending_requests().size(), 1u);
    }
    for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
      EXPECT_EQ(entry.path().filename().string().find("corrupt"), std::string::npos);
    }
  }
}

// A busy or newer file is not damaged: it stays where it is (only CORRUPT/NOTADB move aside).
TEST(StateStore, ANewerSchemaIsNotMovedAside) {
  testing::TempDir dir;
  { StateStore::open(dir.path())->db().exec("UPDATE meta SET value = '2'"); }
  auto store = StateStore::open(dir.path());
  EXPECT_TRUE(store->in_memory());
  EXPECT_TRUE(std::filesystem::exists(StateStore::file_in(dir.path())));
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    EXPECT_EQ(entry.path().filename().string().find("corrupt"), std::string::npos);
  }
}

// The HTTP GETs read through a read-only connection: they see what the daemon wrote, cannot
// write, and do not migrate (no write lock per page view).
TEST(StateStore, ReadOnlyStoreReadsAndNeitherWritesNorMigrates) {
  testing::TempDir dir;
  EXPECT_THROW(StateStore::open_read_only(dir.path()), SqliteError);
  {
    Database old(StateStore::file_in(dir.path()));
    old.exec(
        "PRAGMA journal_mode=WAL;"
        "CREATE TABLE requests(id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, "
        "component TEXT NOT NULL, created_ms INTEGER NOT NULL, done_ms INTEGER, "
        "result TEXT NOT NULL DEFAULT '');"
        "CREATE TABLE components(name TEXT PRIMARY KEY, snapshot TEXT NOT NULL, "
        "updated_ms INTEGER NOT NULL);"
        "INSERT INTO components VALUES('api', '{}', 1000);");
  }
  auto reader = StateStore::open_read_only(dir.path());
  EXPECT_EQ(reader->load_components().size(), 1u);
  EXPECT_THROW(reader->save_component("api", "{}", at(1)), SqliteError);
  std::vector<std::string> columns;
  auto info = reader->db().prepare("PRAGMA table_info(requests)");
  while (info.step()) columns.push_back(info.text(1));
  EXPECT_EQ(columns.size(), 6u);  // not migrated
}

TEST(IncidentJournal, RecordsTimelineAndMeasuredFigures) {
  testing::TempDir dir;
  auto store = StateStore::open(dir.path());
  IncidentJournal journal(store->db());
  IncidentRecord r;
  r.id = "api-1";
  r.component = "api";
  r.opened = at(0);
  r.first_failure = at(-2);
  r.worst_state = "CRITICAL";
  r.reason = "api-http: refused";
  r.rto = 60s;
  journal.upsert(r);
  journal.append("api-1", at(0), "state_change", "HEALTHY -> CRITICAL");
  r.critical = at(1);
  r.closed = at(31);
  r.attempts = 1;
  journal.upsert(r);
  journal.append("api-1", at(31), "state_change", "RECOVERING -> HEALTHY");

  auto found = journal.find("api-1");
  ASSERT_TRUE(found);
  EXPECT_EQ(found->time_to_detect(), std::chrono::milliseconds(3000));
  EXPECT_EQ(found->time_to_recover(), std::chrono::milliseconds(30000));
  EXPECT_EQ(found->attempts, 1);
  EXPECT_EQ(journal.timeline("api-1").size(), 2u);
  EXPECT_TRUE(journal.list(10, true).empty());
  EXPECT_EQ(journal.list(10, false).size(), 1u);
}

// The figures restored at start, over a journal of some thousand incidents: the newest
// recovered incident per component (a newer one that never reached CRITICAL, or is still open,
// does not count) and the actions that started, by outcome.
TEST(IncidentJournal, RestoredFiguresOverALargeJournal) {
  testing::TempDir dir;
  auto store = StateStore::open(dir.path());
  IncidentJournal journal(store->db());
  Transaction transaction(store->db());
  const std::vector<std::string> components = {"api", "db", "cache"};
  for (int n = 0; n < 1500; ++n) {
    for (std::size_t c = 0; c < components.size(); ++c) {
      IncidentRecord r;
      r.component = components[c];
      r.id = r.component + "-" + std::to_string(n);
      // Closing order differs from insertion order: incident 700 closes last.
      const int closed = n == 700 ? 100000 : (n * 37) % 5000;
      r.opened = at(closed - 100);
      r.critical = at(closed - 90 + static_cast<int>(c));
      r.closed = at(closed);
      r.worst_state = "CRITICAL";
      r.reason = "test";
      journal.upsert(r);
      journal.append(r.id, at(closed - 90), "state_change", "HEALTHY -> CRITICAL");
      journal.append(
          r.id, at(closed - 80), "action_done", "restart",
          nlohmann::json{{"action", "restart"}, {"ok", n % 3 != 0}, {"started", true}}.dump());
      journal.append(r.id, at(closed - 70), "probe", "ok", R"({"action":"not an action"})");
    }
  }
  IncidentRecord newer_not_critical;  // newest of all, but never CRITICAL
  newer_not_critical.id = "api-degraded";
  newer_not_critical.component = "api";
  newer_not_critical.opened = at(200000);
  newer_not_critical.closed = at(200010);
  newer_not_critical.worst_state = "DEGRADED";
  journal.upsert(newer_not_critical);
  IncidentRecord still_open = newer_not_critical;
  still_open.id = "db-open";
  still_open.component = "db";
  still_open.critical = at(200001);
  still_open.closed.reset();
  journal.upsert(still_open);
  journal.append("db-open", at(200002), "action_done", "never started",
                 R"({"action":"restart","ok":false,"started":false})");
  transaction.commit();

  const auto last = journal.last_recovered();
  ASSERT_EQ(last.size(), 3u);
  for (std::size_t c = 0; c < components.size(); ++c) {
    const auto& r = last[c];  // ordered by component: api, cache, db
    SCOPED_TRACE(r.component);
    EXPECT_EQ(r.id, r.component + "-700");
    EXPECT_EQ(r.closed, at(100000));
  }
  EXPECT_EQ(last[1].time_to_recover(), std::chrono::milliseconds(88000));  // cache: c = 2

  const auto counts = journal.incident_counts();
  EXPECT_EQ(counts.at("api"), 1501);
  EXPECT_EQ(counts.at("db"), 1501);
  EXPECT_EQ(counts.at("cache"), 1500);
  const auto actions = journal.action_counts();
  ASSERT_EQ(actions.size(), 6u);  // 3 components × {failure, success}
  for (const auto& a : actions) {
    SCOPED_TRACE(a.component);
    EXPECT_EQ(a.action, "restart");
    EXPECT_EQ(a.count, a.ok ? 1000 : 500);
  }
}

}  // namespace
}  // namespace watchdog::store
