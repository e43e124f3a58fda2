#include "watchdog/gameday/gameday_store.h"

#include <sqlite3.h>

#include "config/time_text.h"

namespace watchdog::gameday {
namespace {

// A table of its own beside the state store's (like the alert outbox): older binaries never
// read it, so the schema version stays.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS gamedays(
  id TEXT PRIMARY KEY, scenario TEXT NOT NULL, component TEXT NOT NULL, trigger TEXT NOT NULL,
  status TEXT NOT NULL, memory TEXT NOT NULL DEFAULT '{}', result TEXT NOT NULL DEFAULT '',
  outcome TEXT NOT NULL DEFAULT '', passed INTEGER, owner_pid INTEGER NOT NULL,
  owner_host TEXT NOT NULL, started_ms INTEGER NOT NULL, heartbeat_ms INTEGER NOT NULL,
  fault_ms INTEGER, finished_ms INTEGER, owner_ns TEXT NOT NULL DEFAULT '');
CREATE INDEX IF NOT EXISTS gamedays_by_status ON gamedays(status, started_ms);
CREATE INDEX IF NOT EXISTS gamedays_by_finish ON gamedays(scenario, component, finished_ms);
)sql";

constexpr const char* kColumns =
    "SELECT id, scenario, component, trigger, status, memory, result, outcome, passed, owner_pid, "
    "owner_host, started_ms, heartbeat_ms, fault_ms, finished_ms, owner_ns FROM gamedays ";

std::optional<store::TimePoint> time_of(const std::optional<std::int64_t>& ms) {
  if (!ms) return std::nullopt;
  return config::from_epoch_ms(*ms);
}

GamedayRow read_row(const store::Statement& rows) {
  GamedayRow row;
  row.id = rows.text(0);
  row.scenario = rows.text(1);
  row.component = rows.text(2);
  row.trigger = rows.text(3);
  row.status = rows.text(4);
  row.memory = rows.text(5);
  row.result = rows.text(6);
  row.outcome = rows.text(7);
  if (auto passed = rows.optional_integer(8)) row.passed = *passed != 0;
  row.owner_pid = rows.integer(9);
  row.owner_host = rows.text(10);
  row.started = config::from_epoch_ms(rows.integer(11));
  row.heartbeat = config::from_epoch_ms(rows.integer(12));
  row.fault = time_of(rows.optional_integer(13));
  row.finished = time_of(rows.optional_integer(14));
  row.owner_ns = rows.text(15);
  return row;
}

std::vector<GamedayRow> read_all(store::Statement& rows) {
  std::vector<GamedayRow> out;
  while (rows.step()) out.push_back(read_row(rows));
  return out;
}

// Tables created before owner_ns existed get it (two processes may race: one ALTER wins).
void add_owner_ns(store::Database& db) {
  auto columns = db.prepare("SELECT 1 FROM pragma_table_info('gamedays') WHERE name = 'owner_ns'");
  if (columns.step()) return;
  try {
    db.exec("ALTER TABLE gamedays ADD COLUMN owner_ns TEXT NOT NULL DEFAULT ''");
  } catch (const store::SqliteError&) {
    auto again = db.prepare("SELECT 1 FROM pragma_table_info('gamedays') WHERE name = 'owner_ns'");
    if (!again.step()) throw;
  }
}

bool changed(store::Database& db) { return sqlite3_changes(db.handle()) > 0; }

}  // namespace

GamedayStore::GamedayStore(store::StateStore& store) : db_(store.db()) {
  db_.exec(kSchema);
  add_owner_ns(db_);
}

std::optional<GamedayRow> GamedayStore::begin(const GamedayRow& row) {
  store::Transaction transaction(db_);
  {
    auto blocking = db_.prepare(std::string(kColumns) +
                                "WHERE status != 'done' ORDER BY started_ms LIMIT 1");
    if (blocking.step()) return read_row(blocking);
  }
  db_.prepare(
         "INSERT INTO gamedays(id, scenario, component, trigger, status, memory, owner_pid, "
         "owner_host, started_ms, heartbeat_ms, owner_ns) "
         "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")
      .bind(1, row.id)
      .bind(2, row.scenario)
      .bind(3, row.component)
      .bind(4, row.trigger)
      .bind(5, row.status)
      .bind(6, row.memory)
      .bind(7, row.owner_pid)
      .bind(8, row.owner_host)
      .bind(9, config::epoch_ms(row.started))
      .bind(10, config::epoch_ms(row.heartbeat))
      .bind(11, row.owner_ns)
      .run();
  transaction.commit();
  return std::nullopt;
}

void GamedayStore::save_memory(const std::string& id, const std::string& memory) {
  db_.prepare("UPDATE gamedays SET memory = ?2 WHERE id = ?1").bind(1, id).bind(2, memory).run();
}

void GamedayStore::mark_fault(const std::string& id, store::TimePoint at) {
  db_.prepare("UPDATE gamedays SET fault_ms = ?2 WHERE id = ?1")
      .bind(1, id)
      .bind(2, config::epoch_ms(at))
      .run();
}

void GamedayStore::set_status(const std::string& id, const std::string& status) {
  db_.prepare("UPDATE gamedays SET status = ?2 WHERE id = ?1").bind(1, id).bind(2, status).run();
}

bool GamedayStore::heartbeat(const std::string& id, std::int64_t owner_pid,
                             const std::string& owner_host, store::TimePoint at) {
  db_.prepare(
         "UPDATE gamedays SET heartbeat_ms = ?2 WHERE id = ?1 AND owner_pid = ?3 AND "
         "owner_host = ?4")
      .bind(1, id)
      .bind(2, config::epoch_ms(at))
      .bind(3, owner_pid)
      .bind(4, owner_host)
      .run();
  return changed(db_);
}

bool GamedayStore::claim(const GamedayRow& seen, std::int64_t owner_pid,
                         const std::string& owner_host, const std::string& owner_ns,
                         store::TimePoint at) {
  db_.prepare(
         "UPDATE gamedays SET status = 'reverting', owner_pid = ?2, owner_host = ?3, "
         "owner_ns = ?4, heartbeat_ms = ?5 WHERE id = ?1 AND status != 'done' AND "
         "heartbeat_ms = ?6 AND owner_pid = ?7")
      .bind(1, seen.id)
      .bind(2, owner_pid)
      .bind(3, owner_host)
      .bind(4, owner_ns)
      .bind(5, config::epoch_ms(at))
      .bind(6, config::epoch_ms(seen.heartbeat))
      .bind(7, seen.owner_pid)
      .run();
  return changed(db_);
}

void GamedayStore::release(const std::string& id) {
  db_.prepare("UPDATE gamedays SET owner_pid = 0 WHERE id = ?1 AND status != 'done'")
      .bind(1, id)
      .run();
}

void GamedayStore::finish(const std::string& id, const std::string& result_json,
                          const std::string& outcome, bool passed, store::TimePoint at) {
  db_.prepare(
         "UPDATE gamedays SET status = 'done', result = ?2, outcome = ?3, passed = ?4, "
         "finished_ms = ?5, heartbeat_ms = ?5 WHERE id = ?1")
      .bind(1, id)
      .bind(2, result_json)
      .bind(3, outcome)
      .bind(4, std::int64_t{passed ? 1 : 0})
      .bind(5, config::epoch_ms(at))
      .run();
}

std::vector<GamedayRow> GamedayStore::unfinished() {
  auto rows = db_.prepare(std::string(kColumns) + "WHERE status != 'done' ORDER BY started_ms");
  return read_all(rows);
}

std::vector<GamedayRow> GamedayStore::latest_results() {
  // SQLite takes the bare columns of a MAX() aggregate from the row that has the maximum.
  auto rows = db_.prepare(
      "SELECT id, scenario, component, trigger, status, memory, result, outcome, passed, "
      "owner_pid, owner_host, started_ms, heartbeat_ms, fault_ms, MAX(finished_ms), owner_ns "
      "FROM gamedays "
      "WHERE status = 'done' AND result != '' GROUP BY scenario, component "
      "ORDER BY component, scenario");
  return read_all(rows);
}

std::optional<GamedayRow> GamedayStore::get(const std::string& id) {
  auto rows = db_.prepare(std::string(kColumns) + "WHERE id = ?1");
  rows.bind(1, id);
  if (!rows.step()) return std::nullopt;
  return read_row(rows);
}

std::vector<GamedayRow> GamedayStore::list(std::size_t limit) {
  auto rows = db_.prepare(std::string(kColumns) + "ORDER BY started_ms DESC, id DESC LIMIT ?1");
  rows.bind(1, static_cast<std::int64_t>(limit));
  return read_all(rows);
}

}  // namespace watchdog::gameday
