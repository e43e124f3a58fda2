#include "watchdog/alerts/outbox.h"

#include "config/time_text.h"
#include "watchdog/store/state_store.h"

namespace watchdog::alerts {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS alert_outbox (
  id              INTEGER PRIMARY KEY AUTOINCREMENT,
  sink            TEXT NOT NULL,
  key             TEXT NOT NULL,
  component       TEXT NOT NULL,
  incident_id     TEXT NOT NULL,
  state           TEXT NOT NULL,
  type            TEXT NOT NULL,
  payload         TEXT NOT NULL,
  created_ms      INTEGER NOT NULL,
  next_attempt_ms INTEGER NOT NULL,
  attempts        INTEGER NOT NULL DEFAULT 0,
  status          TEXT NOT NULL DEFAULT 'pending',
  last_error      TEXT NOT NULL DEFAULT '',
  finished_ms     INTEGER,
  UNIQUE (sink, key)
);
CREATE INDEX IF NOT EXISTS alert_outbox_by_status ON alert_outbox (status, sink, id);
CREATE INDEX IF NOT EXISTS alert_outbox_by_incident ON alert_outbox (sink, incident_id);
CREATE INDEX IF NOT EXISTS alert_outbox_by_key ON alert_outbox (key);
)sql";

constexpr const char* kColumns =
    "SELECT id, sink, key, component, incident_id, state, type, payload, created_ms, "
    "next_attempt_ms, attempts, status, last_error, finished_ms FROM alert_outbox ";

OutboxEntry read_row(const store::Statement& row) {
  OutboxEntry e;
  e.id = row.integer(0);
  e.sink = row.text(1);
  e.key = row.text(2);
  e.component = row.text(3);
  e.incident_id = row.text(4);
  e.state = row.text(5);
  e.type = row.text(6);
  e.payload = row.text(7);
  e.created = config::from_epoch_ms(row.integer(8));
  e.next_attempt = config::from_epoch_ms(row.integer(9));
  e.attempts = static_cast<int>(row.integer(10));
  e.status = row.text(11);
  e.last_error = row.text(12);
  if (auto done = row.optional_integer(13)) e.finished = config::from_epoch_ms(*done);
  return e;
}

}  // namespace

std::shared_ptr<Outbox> Outbox::open(const std::filesystem::path& db_file) {
  return std::shared_ptr<Outbox>(new Outbox(std::make_unique<store::Database>(db_file)));
}

std::shared_ptr<Outbox> Outbox::in_memory() {
  return std::shared_ptr<Outbox>(new Outbox(std::make_unique<store::Database>(":memory:")));
}

Outbox::Outbox(std::unique_ptr<store::Database> db) : db_(std::move(db)) { db_->exec(kSchema); }

std::vector<OutboxEntry> Outbox::enqueue(const OutboxEntry& entry,
                                         const std::vector<std::string>& sinks) {
  std::lock_guard lock(mutex_);
  std::vector<OutboxEntry> added;
  store::Transaction transaction(*db_);
  auto insert = db_->prepare(
      "INSERT OR IGNORE INTO alert_outbox (sink, key, component, incident_id, state, type, "
      "payload, created_ms, next_attempt_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
  for (const auto& sink : sinks) {
    insert.reset();
    insert.bind(1, sink)
        .bind(2, entry.key)
        .bind(3, entry.component)
        .bind(4, entry.incident_id)
        .bind(5, entry.state)
        .bind(6, entry.type)
        .bind(7, entry.payload)
        .bind(8, config::epoch_ms(entry.created))
        .bind(9, config::epoch_ms(entry.created));
    insert.run();
    if (sqlite3_changes(db_->handle()) == 0) continue;  // this sink already has the key
    OutboxEntry row = entry;
    row.id = db_->last_insert_id();
    row.sink = sink;
    row.next_attempt = entry.created;
    row.status = "pending";
    added.push_back(std::move(row));
  }
  transaction.commit();
  return added;
}

std::vector<OutboxEntry> Outbox::select(const std::string& where_order_limit,
                                        const std::vector<std::string>& binds) {
  std::lock_guard lock(mutex_);
  auto query = db_->prepare(std::string(kColumns) + where_order_limit);
  for (std::size_t i = 0; i < binds.size(); ++i) query.bind(static_cast<int>(i + 1), binds[i]);
  std::vector<OutboxEntry> rows;
  while (query.step()) rows.push_back(read_row(query));
  return rows;
}

std::vector<OutboxEntry> Outbox::pending(const std::string& sink) {
  return select("WHERE status = 'pending' AND sink = ? ORDER BY id", {sink});
}

std::optional<OutboxEntry> Outbox::get(std::int64_t id) {
  auto rows = select("WHERE id = ?", {std::to_string(id)});
  if (rows.empty()) return std::nullopt;
  return rows.front();
}

bool Outbox::has_incident(const std::string& sink, const std::string& incident_id) {
  return !select("WHERE sink = ? AND incident_id = ? LIMIT 1", {sink, incident_id}).empty();
}

bool Outbox::has_key(const std::string& sink, const std::string& key) {
  return !select("WHERE sink = ? AND key = ? LIMIT 1", {sink, key}).empty();
}

std::optional<std::string> Outbox::payload_of(const std::string& key) {
  auto rows = select("WHERE key = ? LIMIT 1", {key});
  if (rows.empty()) return std::nullopt;
  return rows.front().payload;
}

void Outbox::mark_delivered(std::int64_t id, OutboxTime at, const std::string& detail) {
  std::lock_guard lock(mutex_);
  auto update = db_->prepare(
      "UPDATE alert_outbox SET status = 'delivered', attempts = attempts + 1, last_error = ?, "
      "finished_ms = ? WHERE id = ?");
  update.bind(1, detail).bind(2, config::epoch_ms(at)).bind(3, id).run();
}

void Outbox::mark_failed(std::int64_t id, OutboxTime at, const std::string& status,
                         const std::string& error) {
  std::lock_guard lock(mutex_);
  auto update = db_->prepare(
      "UPDATE alert_outbox SET status = ?, attempts = attempts + 1, last_error = ?, "
      "finished_ms = ? WHERE id = ?");
  update.bind(1, status).bind(2, error).bind(3, config::epoch_ms(at)).bind(4, id).run();
}

void Outbox::reschedule(std::int64_t id, OutboxTime next_attempt, int attempts,
                        const std::string& error) {
  std::lock_guard lock(mutex_);
  auto update = db_->prepare(
      "UPDATE alert_outbox SET next_attempt_ms = ?, attempts = ?, last_error = ? WHERE id = ?");
  update.bind(1, config::epoch_ms(next_attempt))
      .bind(2, static_cast<std::int64_t>(attempts))
      .bind(3, error)
      .bind(4, id)
      .run();
}

std::vector<OutboxEntry> Outbox::recent(std::size_t limit, const std::string& status) {
  const std::string order = " ORDER BY id DESC LIMIT " + std::to_string(limit);
  if (status.empty()) return select(order, {});
  return select("WHERE status = ?" + order, {status});
}

std::vector<OutboxEntry> Outbox::of_incident(store::Database& db, const std::string& incident_id) {
  auto table =
      db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alert_outbox'");
  if (!table.step()) return {};
  auto query = db.prepare(std::string(kColumns) + "WHERE incident_id = ? ORDER BY id");
  query.bind(1, incident_id);
  std::vector<OutboxEntry> rows;
  while (query.step()) rows.push_back(read_row(query));
  return rows;
}

std::map<std::string, std::map<std::string, int>> Outbox::counts() {
  std::lock_guard lock(mutex_);
  auto query =
      db_->prepare("SELECT sink, status, COUNT(*) FROM alert_outbox GROUP BY sink, status");
  std::map<std::string, std::map<std::string, int>> result;
  while (query.step()) result[query.text(0)][query.text(1)] = static_cast<int>(query.integer(2));
  return result;
}

int Outbox::prune(OutboxTime before) {
  std::lock_guard lock(mutex_);
  // Rows of an incident still open stay: reminders, re-sends and the resolution read them. So
  // do those of an incident with a row still pending (a slow sink): its HEALTHY row is what
  // makes them deletable once that row is finished too. Backup reports belong to no incident.
  auto remove = db_->prepare(
      "DELETE FROM alert_outbox WHERE status != 'pending' AND finished_ms < ? AND "
      "(type IN ('reminder', 'backup_report') OR (incident_id IN "
      "(SELECT incident_id FROM alert_outbox WHERE state = 'HEALTHY') AND incident_id NOT IN "
      "(SELECT incident_id FROM alert_outbox WHERE status = 'pending')))");
  remove.bind(1, config::epoch_ms(before)).run();
  return sqlite3_changes(db_->handle());
}

bool Outbox::follow_file() {
  std::lock_guard lock(mutex_);
  if (!db_->file_replaced()) return false;
  try {  // as StateStore::recreate_file: no frames of the lost file left under the -wal name
    db_->exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } catch (const store::SqliteError&) {
  }
  store::Database fresh(db_->path());
  fresh.exec(kSchema);
  {
    store::Transaction transaction(fresh);
    store::copy_rows(*db_, fresh, "alert_outbox", store::OnConflict::Replace);
    transaction.commit();
  }
  db_->leave_files_on_close();
  db_->swap(fresh);  // `fresh` now holds the lost file's connection, closed here
  return true;
}

}  // namespace watchdog::alerts
