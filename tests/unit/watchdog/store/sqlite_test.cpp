// The SQLite layer's kept statements (watchdog/store/sqlite.h Database::kept): prepared once per
// connection, handed out without the last use's binds, and never left holding a read open.
#include "watchdog/store/sqlite.h"

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace watchdog::store {
namespace {

// Statements of the connection still stepping (a read or write in progress).
int busy_statements(Database& db) {
  int busy = 0;
  for (sqlite3_stmt* s = sqlite3_next_stmt(db.handle(), nullptr); s != nullptr;
       s = sqlite3_next_stmt(db.handle(), s)) {
    busy += sqlite3_stmt_busy(s) ? 1 : 0;
  }
  return busy;
}

int statements(Database& db) {
  int count = 0;
  for (sqlite3_stmt* s = sqlite3_next_stmt(db.handle(), nullptr); s != nullptr;
       s = sqlite3_next_stmt(db.handle(), s)) {
    ++count;
  }
  return count;
}

struct Table {
  testing::TempDir dir;
  Database db{dir.path() / "t.db"};
  Table() { db.exec("CREATE TABLE t(k TEXT PRIMARY KEY, v INTEGER)"); }
  void put(const std::string& k, std::int64_t v) {
    db.kept("INSERT INTO t(k, v) VALUES(?1, ?2) ON CONFLICT(k) DO UPDATE SET v = ?2")
        ->bind(1, k)
        .bind(2, v)
        .run();
  }
};

TEST(Sqlite, AKeptStatementIsPreparedOnceAndReused) {
  Table t;
  t.put("a", 1);
  const int after_first = statements(t.db);
  for (int i = 0; i < 50; ++i) t.put("k" + std::to_string(i), i);
  EXPECT_EQ(statements(t.db), after_first);
  Statement* first = nullptr;
  {
    auto use = t.db.kept("SELECT v FROM t WHERE k = ?1");
    first = &*use;
  }
  EXPECT_EQ(&*t.db.kept("SELECT v FROM t WHERE k = ?1"), first);
  auto read = t.db.kept("SELECT v FROM t WHERE k = ?1");
  read->bind(1, std::string("k7"));
  ASSERT_TRUE(read->step());
  EXPECT_EQ(read->integer(0), 7);
}

// A use dropped half-way through its rows, or one that threw, leaves nothing stepping and no
// binds behind: the next use starts clean, and no read stays open between uses.
TEST(Sqlite, AKeptStatementIsResetWhenItsUseEnds) {
  Table t;
  for (int i = 0; i < 3; ++i) t.put("k" + std::to_string(i), i);
  {
    auto rows = t.db.kept("SELECT k FROM t WHERE v >= ?1 ORDER BY k");
    rows->bind(1, std::int64_t{1});
    ASSERT_TRUE(rows->step());  // one of two rows read, then dropped
    EXPECT_EQ(busy_statements(t.db), 1);
  }
  EXPECT_EQ(busy_statements(t.db), 0);
  {
    auto rows = t.db.kept("SELECT k FROM t WHERE v >= ?1 ORDER BY k");
    EXPECT_FALSE(rows->step());  // the bind is gone: v >= NULL matches nothing
  }
  Database other(t.dir.path() / "t.db");
  other.exec("CREATE UNIQUE INDEX t_by_v ON t(v)");
  EXPECT_THROW(t.put("clash", 2), SqliteError);  // v = 2 is taken
  EXPECT_EQ(busy_statements(t.db), 0);
  t.put("k9", 9);
  auto count = t.db.kept("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(count->step());
  EXPECT_EQ(count->integer(0), 4);
}

// data_version is a kept statement too: it notices another connection's commit and holds no
// snapshot in between (else it would never see one).
TEST(Sqlite, DataVersionSeesAnotherConnectionsCommits) {
  Table t;
  Database other(t.dir.path() / "t.db");
  const auto before = t.db.data_version();
  EXPECT_EQ(t.db.data_version(), before);
  other.exec("INSERT INTO t(k, v) VALUES('x', 1)");
  EXPECT_NE(t.db.data_version(), before);
  EXPECT_EQ(busy_statements(t.db), 0);
}

}  // namespace
}  // namespace watchdog::store
