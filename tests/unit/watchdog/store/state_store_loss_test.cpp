// A state file lost under a running store (deleted, replaced) is noticed and recreated with what
// the open connection still reads; a damaged file is refused by the CLI's verified open; writes
// a full disk refused wait in a bounded backlog (issue #20).
#include <gtest/gtest.h>

#include <fstream>
#include <stdexcept>
#include <vector>

#include "tests/support/temp_dir.h"
#include "watchdog/alerts/outbox.h"
#include "watchdog/store/incident_journal.h"
#include "watchdog/store/state_store.h"
#include "watchdog/store/write_backlog.h"

namespace watchdog::store {
namespace {

TimePoint at(int s) { return TimePoint(std::chrono::seconds(1'800'000'000 + s)); }

void remove_state_files(const std::filesystem::path& dir) {
  for (const char* name : {"watchdog.db", "watchdog.db-wal", "watchdog.db-shm"}) {
    std::filesystem::remove(dir / name);
  }
}

IncidentRecord failed_incident() {
  IncidentRecord record;
  record.id = "inc-1";
  record.component = "db";
  record.opened = at(0);
  record.worst_state = "FAILED";
  record.reason = "probe failed";
  record.attempts = 3;
  return record;
}

TEST(StateStoreLoss, DeletedFileIsRecreatedWithEverythingTheConnectionHeld) {
  testing::TempDir dir;
  auto store = StateStore::open(dir.path());
  IncidentJournal journal(store->db());  // holds a reference across the recreation
  store->save_component("db", R"({"state":"FAILED"})", at(1));
  journal.upsert(failed_incident());
  journal.append("inc-1", at(1), "state_change", "RECOVERING -> FAILED");
  store->set_mute({"db", at(3600), "maintenance", at(1)});
  EXPECT_FALSE(store->file_replaced());

  remove_state_files(dir.path());
  ASSERT_TRUE(store->file_replaced());
  EXPECT_GE(store->recreate_file(), 4);  // component, incident, event, mute (+ meta rows)
  EXPECT_FALSE(store->file_replaced());
  ASSERT_TRUE(std::filesystem::exists(dir / "watchdog.db"));

  // Another process (the CLI) sees it all in the new file, and its requests reach this store.
  {
    auto cli = StateStore::open_verified(dir.path());
    EXPECT_EQ(cli->load_components().at("db"), R"({"state":"FAILED"})");
    IncidentJournal read(cli->db());
    auto incident = read.find("inc-1");
    ASSERT_TRUE(incident.has_value());
    EXPECT_EQ(incident->attempts, 3);
    EXPECT_EQ(read.timeline("inc-1").size(), 1u);
    ASSERT_EQ(cli->mutes().size(), 1u);
    cli->add_request({"reset", "db", "cli"}, at(2));
  }
  ASSERT_EQ(store->pending_requests().size(), 1u);
  // The journal reference follows the store onto the new file.
  journal.append("inc-1", at(3), "operator", "reset by cli");
  auto again = StateStore::open_existing(dir.path());
  EXPECT_EQ(IncidentJournal(again->db()).timeline("inc-1").size(), 2u);
}

TEST(StateStoreLoss, AStateDirRemovedAsAWholeIsCreatedAgain) {
  testing::TempDir dir;
  const auto state = dir / "state";
  std::filesystem::create_directories(state);
  auto store = StateStore::open(state);
  store->save_component("db", R"({"state":"FAILED"})", at(1));
  std::filesystem::remove_all(state);
  ASSERT_TRUE(store->file_replaced());
  store->recreate_file();
  EXPECT_EQ(StateStore::open_verified(state)->load_components().at("db"), R"({"state":"FAILED"})");
}

TEST(StateStoreLoss, AReplacedFileKeepsThePausesAndRequestsWrittenToIt) {
  testing::TempDir dir;
  auto store = StateStore::open(dir.path());
  store->save_component("db", R"({"state":"CRITICAL"})", at(1));
  store->set_mute({"db", at(60), "old pause", at(1)});
  remove_state_files(dir.path());
  {
    // `watchdog pause` after the loss creates a fresh file and writes to it.
    auto cli = StateStore::open(dir.path());
    cli->set_mute({"db", at(7200), "new pause", at(2)});
    cli->add_request({"pause", "db", "cli"}, at(2));
  }
  ASSERT_TRUE(store->file_replaced());
  store->recreate_file();
  ASSERT_EQ(store->mutes().size(), 1u);
  EXPECT_EQ(store->mutes()[0].reason, "new pause");  // the file's row wins
  ASSERT_EQ(store->pending_requests().size(), 1u);
  EXPECT_EQ(store->pending_requests()[0].kind, "pause");
  EXPECT_EQ(store->load_components().at("db"), R"({"state":"CRITICAL"})");  // ours win
}

TEST(StateStoreLoss, TheOutboxFollowsWithItsRowIds) {
  testing::TempDir dir;
  auto store = StateStore::open(dir.path());
  auto outbox = alerts::Outbox::open(StateStore::file_in(dir.path()));
  alerts::OutboxEntry entry;
  entry.key = "evt-1";
  entry.component = "db";
  entry.incident_id = "inc-1";
  entry.state = "CRITICAL";
  entry.type = "state_change";
  entry.payload = "{}";
  entry.created = at(0);
  const auto rows = outbox->enqueue(entry, {"slack", "pager"});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_FALSE(outbox->follow_file());
  remove_state_files(dir.path());
  store->recreate_file();
  ASSERT_TRUE(outbox->follow_file());
  outbox->mark_delivered(rows[1].id, at(1), "HTTP 200");  // a send that was in flight
  auto reader = alerts::Outbox::open(StateStore::file_in(dir.path()));
  EXPECT_EQ(reader->get(rows[0].id)->status, "pending");
  EXPECT_EQ(reader->get(rows[1].id)->status, "delivered");
}

TEST(StateStoreLoss, VerifiedOpenRefusesADamagedFile) {
  testing::TempDir dir;
  {
    auto store = StateStore::open(dir.path());
    IncidentJournal journal(store->db());
    for (int i = 0; i < 400; ++i) {
      auto record = failed_incident();
      record.id = "inc-" + std::to_string(i);
      record.reason = std::string(200, 'x');
      journal.upsert(record);
    }
  }  // the last close checkpoints: everything is in the main file
  ASSERT_NO_THROW(StateStore::open_verified(dir.path()));
  {
    // Pages in the middle of the incidents table overwritten.
    std::fstream file(dir / "watchdog.db", std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(8 * 4096);
    const std::string junk(3 * 4096, '\x5a');
    file.write(junk.data(), static_cast<std::streamsize>(junk.size()));
  }
  try {
    StateStore::open_verified(dir.path());
    FAIL() << "a damaged file was opened";
  } catch (const SqliteError& error) {
    EXPECT_TRUE(error.unusable_file()) << error.what();
    EXPECT_NE(std::string(error.what()).find("watchdog.db"), std::string::npos) << error.what();
  }
}

TEST(WriteBacklog, KeepsWritesInOrderWhileTheStoreRefusesThem) {
  testing::TempDir dir;
  Database db(dir / "x.db");
  db.exec("CREATE TABLE t(n INTEGER)");
  bool full = false;
  auto insert = [&](int n) {
    return [&db, &full, n] {
      if (full) throw SqliteError("database or disk is full", SQLITE_FULL);
      db.prepare("INSERT INTO t VALUES(?1)").bind(1, std::int64_t{n}).run();
    };
  };
  WriteBacklog backlog(db);
  EXPECT_EQ(backlog.submit(insert(1)), nullptr);
  full = true;
  EXPECT_NE(backlog.submit(insert(2)), nullptr);  // failed now: kept
  EXPECT_EQ(backlog.submit(insert(3)), nullptr);  // queued behind it, not tried
  EXPECT_EQ(backlog.size(), 2u);
  EXPECT_NE(backlog.flush(), nullptr);
  EXPECT_EQ(backlog.size(), 2u);
  full = false;
  EXPECT_EQ(backlog.flush(), nullptr);
  EXPECT_EQ(backlog.size(), 0u);
  std::vector<std::int64_t> order;
  auto rows = db.prepare("SELECT n FROM t ORDER BY rowid");
  while (rows.step()) order.push_back(rows.integer(0));
  EXPECT_EQ(order, (std::vector<std::int64_t>{1, 2, 3}));
}

TEST(WriteBacklog, DropsTheOldestPastItsCapacityAndCountsThem) {
  testing::TempDir dir;
  Database db(dir / "x.db");
  WriteBacklog backlog(db, 3);
  std::vector<int> written;
  bool full = true;
  for (int n = 0; n < 5; ++n) {
    backlog.submit([&written, &full, n] {
      if (full) throw SqliteError("full", SQLITE_FULL);
      written.push_back(n);
    });
  }
  EXPECT_EQ(backlog.size(), 3u);
  EXPECT_EQ(backlog.dropped(), 2u);
  full = false;
  EXPECT_EQ(backlog.flush(), nullptr);
  EXPECT_EQ(written, (std::vector<int>{2, 3, 4}));
}

}  // namespace
}  // namespace watchdog::store
