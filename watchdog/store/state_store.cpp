#include "watchdog/store/state_store.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "config/time_text.h"
#include "watchdog/logging.h"

namespace watchdog::store {
namespace {

using logging::kv;

// Tables added later (probe_memory) are created in older files by their CREATE … IF NOT EXISTS;
// the version stays 1, since older binaries never read them.
constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS components(
  name TEXT PRIMARY KEY, snapshot TEXT NOT NULL, updated_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS incidents(
  id TEXT PRIMARY KEY, component TEXT NOT NULL, opened_ms INTEGER NOT NULL,
  first_failure_ms INTEGER, critical_ms INTEGER, closed_ms INTEGER,
  worst_state TEXT NOT NULL, reason TEXT NOT NULL,
  root_cause TEXT NOT NULL DEFAULT '', root_incident TEXT NOT NULL DEFAULT '',
  attempts INTEGER NOT NULL DEFAULT 0, rto_ms INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS incidents_by_open ON incidents(closed_ms, opened_ms);
CREATE INDEX IF NOT EXISTS incidents_by_component ON incidents(component, closed_ms);
CREATE TABLE IF NOT EXISTS incident_events(
  seq INTEGER PRIMARY KEY AUTOINCREMENT, incident_id TEXT NOT NULL, at_ms INTEGER NOT NULL,
  kind TEXT NOT NULL, summary TEXT NOT NULL, data TEXT NOT NULL DEFAULT '{}');
CREATE INDEX IF NOT EXISTS incident_events_by_incident ON incident_events(incident_id, seq);
CREATE INDEX IF NOT EXISTS incident_events_action_done ON incident_events(incident_id)
  WHERE kind = 'action_done';
CREATE TABLE IF NOT EXISTS mutes(
  component TEXT PRIMARY KEY, until_ms INTEGER NOT NULL, reason TEXT NOT NULL,
  created_ms INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS requests(
  id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, component TEXT NOT NULL,
  created_ms INTEGER NOT NULL, done_ms INTEGER, result TEXT NOT NULL DEFAULT '',
  requested_by TEXT NOT NULL DEFAULT '', data TEXT NOT NULL DEFAULT '{}',
  outcome TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS probe_memory(
  component TEXT NOT NULL, probe TEXT NOT NULL, kind TEXT NOT NULL, memory TEXT NOT NULL,
  updated_ms INTEGER NOT NULL, PRIMARY KEY(component, probe));
-- What the journal's retention deleted still counts (journal_retention.h): per component the
-- incidents (action '') and per action and outcome the actions run.
CREATE TABLE IF NOT EXISTS journal_pruned(
  component TEXT NOT NULL, action TEXT NOT NULL, ok INTEGER NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY(component, action, ok));
INSERT OR IGNORE INTO meta(key, value) VALUES('schema_version', '1');
)sql";

// Opens the file and proves it is a database this version can use.
std::unique_ptr<Database> open_checked(const std::filesystem::path& path) {
  auto db = std::make_unique<Database>(path);
  auto check = db->prepare("PRAGMA quick_check");
  if (!check.step() || check.text(0) != "ok") {
    throw SqliteError(path.string() + ": integrity check failed: " + check.text(0),
                      SQLITE_CORRUPT);
  }
  return db;
}

void move_aside(const std::filesystem::path& path, const std::string& why) {
  const auto target =
      path.string() + ".corrupt-" + config::format_utc_stamp(std::chrono::system_clock::now());
  std::error_code ec;
  std::filesystem::rename(path, target, ec);
  for (const char* suffix : {"-wal", "-shm"}) {
    std::filesystem::remove(path.string() + suffix, ec);
  }
  spdlog::error("state_store_corrupt {} {} {} action=starting_fresh", kv("path", path.string()),
                kv("moved_to", target), kv("error", why));
}

}  // namespace

std::filesystem::path StateStore::file_in(const std::filesystem::path& state_dir) {
  return state_dir / "watchdog.db";
}

StateStore::StateStore(std::unique_ptr<Database> db, bool in_memory, bool migrated)
    : db_(std::move(db)), in_memory_(in_memory) {
  if (migrated) migrate();
}

std::unique_ptr<StateStore> StateStore::open(const std::filesystem::path& state_dir) {
  const auto path = file_in(state_dir);
  for (int attempt = 0; attempt < 2; ++attempt) {
    try {
      return std::unique_ptr<StateStore>(new StateStore(open_checked(path), false));
    } catch (const SqliteError& error) {
      // Only a damaged file is moved aside: a busy database, a failed migration or a schema
      // from a newer version holds a journal and an outbox that must not be dropped.
      if (attempt == 0 && error.unusable_file() && std::filesystem::exists(path)) {
        move_aside(path, error.what());
        continue;
      }
      spdlog::error("state_store_unusable {} {} action=in_memory_state", kv("path", path.string()),
                    kv("error", error.what()));
      break;
    }
  }
  return std::unique_ptr<StateStore>(new StateStore(std::make_unique<Database>(":memory:"), true));
}

namespace {
std::filesystem::path existing_file(const std::filesystem::path& state_dir) {
  auto path = StateStore::file_in(state_dir);
  if (!std::filesystem::exists(path)) {
    throw SqliteError(path.string() + ": no state yet (has `watchdog run` started here?)");
  }
  return path;
}
}  // namespace

std::unique_ptr<StateStore> StateStore::open_existing(const std::filesystem::path& state_dir) {
  return std::unique_ptr<StateStore>(
      new StateStore(std::make_unique<Database>(existing_file(state_dir)), false));
}

std::unique_ptr<StateStore> StateStore::open_verified(const std::filesystem::path& state_dir) {
  return std::unique_ptr<StateStore>(new StateStore(open_checked(existing_file(state_dir)), false));
}

std::unique_ptr<StateStore> StateStore::open_read_only(const std::filesystem::path& state_dir) {
  auto db = std::make_unique<Database>(existing_file(state_dir), Database::Access::ReadOnly);
  return std::unique_ptr<StateStore>(new StateStore(std::move(db), false, false));
}

// In one write transaction: two processes opening an old file at once (the daemon and a CLI
// command) would otherwise both see a column missing and the second ALTER would fail.
void StateStore::migrate() {
  Transaction transaction(*db_);
  db_->exec(kSchema);
  {
    auto version = db_->prepare("SELECT value FROM meta WHERE key = 'schema_version'");
    if (version.step() && version.text(0) != "1") {
      throw SqliteError(db_->path().string() + ": schema version " + version.text(0) +
                        " is newer than this watchdog understands (1)");
    }
  }
  add_missing_request_columns();
  transaction.commit();
}

// Databases written before the operator API lack the requests columns it added. Added columns
// with defaults keep schema version 1: older binaries name their columns and ignore these.
// Read inside migrate()'s transaction, so what it finds missing is still missing.
void StateStore::add_missing_request_columns() {
  std::vector<std::string> present;
  auto columns = db_->prepare("PRAGMA table_info(requests)");
  while (columns.step()) present.push_back(columns.text(1));
  const std::pair<const char*, const char*> added[] = {
      {"requested_by", "TEXT NOT NULL DEFAULT ''"},
      {"data", "TEXT NOT NULL DEFAULT '{}'"},
      {"outcome", "TEXT NOT NULL DEFAULT ''"}};
  for (const auto& [name, type] : added) {
    if (std::find(present.begin(), present.end(), name) != present.end()) continue;
    db_->exec(std::string("ALTER TABLE requests ADD COLUMN ") + name + " " + type);
  }
}

void StateStore::save_component(const std::string& name, const std::string& snapshot,
                                TimePoint at) {
  db_->kept(
         "INSERT INTO components(name, snapshot, updated_ms) VALUES(?1, ?2, ?3) "
         "ON CONFLICT(name) DO UPDATE SET snapshot = ?2, updated_ms = ?3")
      ->bind(1, name)
      .bind(2, snapshot)
      .bind(3, config::epoch_ms(at))
      .run();
}

std::map<std::string, std::string> StateStore::load_components() {
  std::map<std::string, std::string> out;
  auto rows = db_->prepare("SELECT name, snapshot FROM components");
  while (rows.step()) out[rows.text(0)] = rows.text(1);
  return out;
}

void StateStore::save_probe_memory(const ProbeMemory& memory, TimePoint at) {
  db_->kept(
         "INSERT INTO probe_memory(component, probe, kind, memory, updated_ms) "
         "VALUES(?1, ?2, ?3, ?4, ?5) ON CONFLICT(component, probe) "
         "DO UPDATE SET kind = ?3, memory = ?4, updated_ms = ?5")
      ->bind(1, memory.component)
      .bind(2, memory.probe)
      .bind(3, memory.kind)
      .bind(4, memory.memory)
      .bind(5, config::epoch_ms(at))
      .run();
}

std::vector<ProbeMemory> StateStore::load_probe_memories() {
  std::vector<ProbeMemory> out;
  auto rows = db_->prepare("SELECT component, probe, kind, memory FROM probe_memory");
  while (rows.step()) out.push_back({rows.text(0), rows.text(1), rows.text(2), rows.text(3)});
  return out;
}

void StateStore::forget_probe_memory(const std::string& component, const std::string& probe) {
  db_->kept("DELETE FROM probe_memory WHERE component = ?1 AND probe = ?2")
      ->bind(1, component)
      .bind(2, probe)
      .run();
}

void StateStore::set_mute(const Mute& mute) {
  db_->kept(
         "INSERT INTO mutes(component, until_ms, reason, created_ms) VALUES(?1, ?2, ?3, ?4) "
         "ON CONFLICT(component) DO UPDATE SET until_ms = ?2, reason = ?3, created_ms = ?4")
      ->bind(1, mute.component)
      .bind(2, config::epoch_ms(mute.until))
      .bind(3, mute.reason)
      .bind(4, config::epoch_ms(mute.created))
      .run();
}

bool StateStore::clear_mute(const std::string& component) {
  db_->kept("DELETE FROM mutes WHERE component = ?1")->bind(1, component).run();
  return sqlite3_changes(db_->handle()) > 0;
}

std::vector<Mute> StateStore::mutes() {
  std::vector<Mute> out;
  auto rows = db_->kept("SELECT component, until_ms, reason, created_ms FROM mutes");
  while (rows->step()) {
    out.push_back({rows->text(0), config::from_epoch_ms(rows->integer(1)), rows->text(2),
                   config::from_epoch_ms(rows->integer(3))});
  }
  return out;
}

std::int64_t StateStore::add_request(const NewRequest& request, TimePoint at) {
  db_->kept(
         "INSERT INTO requests(kind, component, created_ms, requested_by, data) "
         "VALUES(?1, ?2, ?3, ?4, ?5)")
      ->bind(1, request.kind)
      .bind(2, request.component)
      .bind(3, config::epoch_ms(at))
      .bind(4, request.requested_by)
      .bind(5, request.data)
      .run();
  return db_->last_insert_id();
}

namespace {
constexpr const char* kRequestColumns =
    "SELECT id, kind, component, created_ms, done_ms, result, requested_by, data, outcome "
    "FROM requests";

Request read_request(Statement& rows) {
  Request r;
  r.id = rows.integer(0);
  r.kind = rows.text(1);
  r.component = rows.text(2);
  r.created = config::from_epoch_ms(rows.integer(3));
  if (auto done = rows.optional_integer(4)) r.done = config::from_epoch_ms(*done);
  r.result = rows.text(5);
  r.requested_by = rows.text(6);
  r.data = rows.text(7);
  r.outcome = rows.text(8);
  return r;
}
}  // namespace

std::vector<Request> StateStore::pending_requests() {
  std::vector<Request> out;
  static const std::string pending =
      std::string(kRequestColumns) + " WHERE done_ms IS NULL ORDER BY id";
  auto rows = db_->kept(pending);
  while (rows->step()) out.push_back(read_request(*rows));
  return out;
}

std::optional<Request> StateStore::request(std::int64_t id) {
  auto rows = db_->prepare(
      std::string(kRequestColumns) + " WHERE id = ?1");
  rows.bind(1, id);
  if (!rows.step()) return std::nullopt;
  return read_request(rows);
}

void StateStore::complete_request(std::int64_t id, const std::string& result,
                                  const std::string& outcome, TimePoint at) {
  db_->kept("UPDATE requests SET done_ms = ?2, result = ?3, outcome = ?4 WHERE id = ?1")
      ->bind(1, id)
      .bind(2, config::epoch_ms(at))
      .bind(3, result)
      .bind(4, outcome)
      .run();
}

bool StateStore::file_replaced() const { return !in_memory_ && db_->file_replaced(); }

std::int64_t StateStore::recreate_file() {
  const auto path = db_->path();
  std::error_code ec;
  // Empty the lost file's WAL into it first: should its -wal still carry the path's name, the
  // connection opened below must find no frames of another database to replay.
  try {
    db_->exec("PRAGMA wal_checkpoint(TRUNCATE)");
  } catch (const SqliteError&) {
  }
  if (!std::filesystem::exists(path, ec)) {
    // The -wal and -shm left beside no file are the lost file's: a new file must not read them.
    for (const char* suffix : {"-wal", "-shm"}) std::filesystem::remove(path.string() + suffix, ec);
    std::filesystem::create_directories(path.parent_path(), ec);  // the whole state dir went
  }
  std::unique_ptr<Database> fresh;
  try {
    fresh = open_checked(path);
  } catch (const SqliteError& error) {
    if (!error.unusable_file() || !std::filesystem::exists(path, ec)) throw;
    move_aside(path, error.what());
    fresh = open_checked(path);
  }
  db_->swap(*fresh);  // `fresh` holds the lost file's connection from here
  auto& lost = *fresh;
  try {
    migrate();
    Transaction transaction(*db_);
    std::int64_t copied = 0;
    const std::pair<const char*, OnConflict> tables[] = {
        {"components", OnConflict::Replace},     {"incidents", OnConflict::Replace},
        {"incident_events", OnConflict::Ignore}, {"mutes", OnConflict::Ignore},
        {"requests", OnConflict::Ignore},        {"probe_memory", OnConflict::Replace},
        {"journal_pruned", OnConflict::Replace}};
    for (const auto& [table, on_conflict] : tables) {
      copied += copy_rows(lost, *db_, table, on_conflict);
    }
    transaction.commit();
    seen_version_ = -1;  // the next poll reads the requests the new file holds
    lost.leave_files_on_close();
    return copied;
  } catch (...) {
    db_->swap(lost);  // back on the lost file; the caller tries again later
    throw;
  }
}

bool StateStore::changed_elsewhere() {
  const auto version = db_->data_version();
  const bool changed = version != seen_version_;
  seen_version_ = version;
  return changed;
}

}  // namespace watchdog::store
