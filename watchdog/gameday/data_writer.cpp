#include "watchdog/gameday/data_writer.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "watchdog/gameday/target_database.h"

namespace watchdog::gameday {
namespace {

constexpr std::chrono::seconds kTimeout{5};

std::unique_ptr<TargetDatabase> open_session(const config::BackupTargetSpec& target) {
  auto db = std::make_unique<TargetDatabase>(target, TargetDatabase::Which::Own, kTimeout);
  // libpq has no client-side deadline: a server that stops answering must not hang stop().
  if (db->ok() && db->is_postgres()) db->exec("SET statement_timeout = '5s'");
  return db;
}

std::string table_exists_sql(const TargetDatabase& db) {
  return std::string("SELECT count(*) FROM information_schema.tables WHERE table_name = '") +
         kWriterTable +
         "' AND table_schema = " + (db.is_postgres() ? "current_schema()" : "DATABASE()");
}

// Row `id`, once. A failed insert is retried with the same id: when only the answer to its
// COMMIT was lost, the row is there already, and the retry must count it rather than fail on
// the duplicate key at every tick from then on.
std::string insert_sql(const TargetDatabase& db, std::int64_t id, TimePoint at) {
  return std::string("INSERT INTO ") + kWriterTable + " (id, written_at_us) VALUES (" +
         std::to_string(id) + ", " + std::to_string(to_micros(at)) + ")" +
         (db.is_postgres() ? " ON CONFLICT (id) DO NOTHING" : " ON DUPLICATE KEY UPDATE id = id");
}

bool table_exists(TargetDatabase& db, const std::string& database) {
  auto rows = db.query(table_exists_sql(db));
  if (!rows || rows->empty()) {
    throw ScenarioError("cannot read database " + database + ": " + db.error());
  }
  return rows->front().front() != "0";
}

// Tables of the database outside the system schemas, whoever owns them (PostgreSQL's
// information_schema lists only those the session may use; the catalog lists all).
// Tables an extension created count too: a restore is what brings those back as well.
std::int64_t user_tables(TargetDatabase& db, const std::string& database) {
  auto rows = db.query(
      db.is_postgres()
          ? "SELECT count(*) FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON "
            "n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN "
            "('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg_toast%'"
          : "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() "
            "AND table_type = 'BASE TABLE'");
  if (!rows || rows->empty()) {
    throw ScenarioError("cannot read database " + database + ": " + db.error());
  }
  return std::stoll(rows->front().front());
}

}  // namespace

DataWriter::DataWriter(const config::BackupTargetSpec& target, std::chrono::milliseconds interval)
    : target_(target), interval_(std::max(interval, std::chrono::milliseconds(1))) {}

DataWriter::~DataWriter() { stop(); }

void DataWriter::create_table() {
  const std::string database = target_database_name(target_);
  auto db = open_session(target_);
  if (!db->ok()) throw ScenarioError("cannot connect to database " + database + ": " + db->error());
  if (!db->exec(std::string("DROP TABLE IF EXISTS ") + kWriterTable) ||
      !db->exec(std::string("CREATE TABLE ") + kWriterTable +
                " (id BIGINT PRIMARY KEY, written_at_us BIGINT NOT NULL)")) {
    throw ScenarioError("cannot create table " + std::string(kWriterTable) + " in " + database +
                        ": " + db->error());
  }
}

void DataWriter::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { loop(); });
}

std::int64_t DataWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  settle_last_insert();
  return rows_committed();
}

// The last insert failed: perhaps only its answer was lost (an ambiguous commit), and the row
// is in the table. Asked once, so rows written never falls short of rows present.
void DataWriter::settle_last_insert() {
  std::optional<TimePoint> attempted;
  std::int64_t id = 0;
  {
    std::lock_guard lock(mutex_);
    attempted = std::exchange(unanswered_at_, std::nullopt);
    id = static_cast<std::int64_t>(write_times_.size()) + 1;
  }
  if (!attempted) return;
  auto db = open_session(target_);
  auto rows = db->ok() ? db->query(std::string("SELECT count(*) FROM ") + kWriterTable +
                                   " WHERE id = " + std::to_string(id))
                       : std::nullopt;
  if (rows && !rows->empty() && rows->front().front() == "1") {
    std::lock_guard lock(mutex_);
    write_times_.push_back(*attempted);
  }
}

void DataWriter::loop() {
  std::unique_ptr<TargetDatabase> db;
  auto next = std::chrono::steady_clock::now();
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (wake_.wait_until(lock, next, [this] { return stopping_; })) return;
    }
    // A fixed cadence (not interval after each insert): rows per second do not depend on the
    // server's latency.
    next += interval_;
    if (!db || !db->ok()) db = open_session(target_);
    const auto id = rows_committed() + 1;
    const auto at = Clock::now();
    const bool committed = db->ok() && db->exec(insert_sql(*db, id, at));
    std::lock_guard lock(mutex_);
    if (committed) {
      write_times_.push_back(at);
      unanswered_at_.reset();
    } else {
      ++failed_inserts_;
      last_error_ = db->error();
      if (!unanswered_at_) unanswered_at_ = at;
      db.reset();  // a new connection at the next tick
    }
  }
}

std::int64_t DataWriter::rows_committed() const {
  std::lock_guard lock(mutex_);
  return static_cast<std::int64_t>(write_times_.size());
}

std::optional<TimePoint> DataWriter::write_time(std::int64_t id) const {
  std::lock_guard lock(mutex_);
  if (id < 1 || id > static_cast<std::int64_t>(write_times_.size())) return std::nullopt;
  return write_times_[static_cast<std::size_t>(id - 1)];
}

std::optional<TimePoint> DataWriter::last_write() const {
  std::lock_guard lock(mutex_);
  if (write_times_.empty()) return std::nullopt;
  return write_times_.back();
}

int DataWriter::failed_inserts() const {
  std::lock_guard lock(mutex_);
  return failed_inserts_;
}

std::string DataWriter::last_error() const {
  std::lock_guard lock(mutex_);
  return last_error_;
}

WrittenRows written_rows(const config::BackupTargetSpec& target) {
  const std::string database = target_database_name(target);
  WrittenRows result;
  TargetDatabase db(target, TargetDatabase::Which::Own, kTimeout);
  if (db.database_missing()) {
    result.database_missing = true;
    return result;
  }
  if (!db.ok()) throw ScenarioError("cannot connect to database " + database + ": " + db.error());
  if (!table_exists(db, database)) {
    result.holds_tables = user_tables(db, database) > 0;
    return result;
  }
  result.holds_tables = true;
  auto rows = db.query(std::string("SELECT count(*), max(written_at_us) FROM ") + kWriterTable);
  if (!rows || rows->empty() || rows->front().size() < 2) {
    throw ScenarioError("cannot count the writer's rows in " + database + ": " + db.error());
  }
  result.rows = std::stoll(rows->front()[0]);
  if (!rows->front()[1].empty()) {
    result.newest = from_micros(std::stoll(rows->front()[1]));
  }
  return result;
}

void drop_writer_table(const config::BackupTargetSpec& target) {
  const std::string database = target_database_name(target);
  TargetDatabase db(target, TargetDatabase::Which::Own, kTimeout);
  if (db.database_missing()) return;
  if (!db.ok()) throw ScenarioError("cannot connect to database " + database + ": " + db.error());
  if (!db.exec(std::string("DROP TABLE IF EXISTS ") + kWriterTable)) {
    throw ScenarioError("cannot drop table " + std::string(kWriterTable) + " in " + database +
                        ": " + db.error());
  }
}

}  // namespace watchdog::gameday
