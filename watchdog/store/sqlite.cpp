#include "watchdog/store/sqlite.h"

#include <sys/stat.h>

#include <cerrno>
#include <utility>
#include <vector>

namespace watchdog::store {
namespace {

[[noreturn]] void fail(sqlite3* db, const std::string& what, const std::filesystem::path& path) {
  throw SqliteError(
      path.string() + ": " + what + ": " + (db ? sqlite3_errmsg(db) : "out of memory"),
      db ? sqlite3_errcode(db) : SQLITE_NOMEM);
}

}  // namespace

Database::Database(const std::filesystem::path& path, Access access) : path_(path) {
  const bool read_only = access == Access::ReadOnly;
  const int flags =
      (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  if (const int code = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr); code != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw SqliteError(path.string() + ": open: " + message, code);
  }
  sqlite3_busy_timeout(db_, 5000);
  if (path != ":memory:") {
    // Right after the open: the file at the path is the one the connection holds.
    if (struct stat st{}; ::stat(path.c_str(), &st) == 0)
      identity_ = FileIdentity{st.st_dev, st.st_ino};
  }
  try {
    if (!read_only) {
      exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
    }
  } catch (...) {
    sqlite3_close(db_);
    db_ = nullptr;
    throw;
  }
}

Database::~Database() {
  kept_.clear();
  sqlite3_close(db_);
}

bool Database::file_replaced() const {
  if (!identity_) return false;
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) return errno == ENOENT || errno == ENOTDIR;
  return st.st_dev != identity_->device || st.st_ino != identity_->inode;
}

void Database::swap(Database& other) noexcept {
  kept_.clear();  // each kept statement belongs to its own connection
  other.kept_.clear();
  std::swap(path_, other.path_);
  std::swap(db_, other.db_);
  std::swap(identity_, other.identity_);
}

void Database::leave_files_on_close() noexcept {
  // A persistent WAL is neither deleted nor its -shm unlinked at the last close: both go by
  // name, and the names belong to whatever file is at the path now.
  int persist = 1;
  sqlite3_file_control(db_, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
}

void Database::exec(const std::string& sql) {
  char* error = nullptr;
  if (const int code = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
      code != SQLITE_OK) {
    const std::string message = error ? error : sqlite3_errmsg(db_);
    sqlite3_free(error);
    throw SqliteError(path_.string() + ": " + message, code & 0xff);
  }
}

Statement Database::prepare(std::string_view sql) { return Statement(*this, sql); }

std::int64_t Database::last_insert_id() const { return sqlite3_last_insert_rowid(db_); }

std::int64_t Database::changes() const { return sqlite3_changes64(db_); }

KeptStatement Database::kept(std::string_view sql) {
  auto found = kept_.find(sql);
  if (found == kept_.end()) {
    auto statement = std::make_unique<Statement>(*this, sql);  // throws: nothing kept
    found = kept_.emplace(std::string(sql), std::move(statement)).first;
  }
  return KeptStatement(*found->second);  // reset by the last use's handle, even one that threw
}

std::int64_t Database::data_version() {
  auto statement = kept("PRAGMA data_version");
  if (!statement->step()) fail(db_, "PRAGMA data_version: no row", path_);
  return statement->integer(0);  // the handle's reset ends the read: no snapshot held
}

Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (!done_) {
    try {
      db_.exec("ROLLBACK");
    } catch (...) {  // nothing more to do: the connection rolls back on close anyway
    }
  }
}

void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

Statement::Statement(Database& db, std::string_view sql) : db_(&db) {
  if (sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()), &stmt_, nullptr) !=
      SQLITE_OK) {
    fail(db.handle(), "prepare '" + std::string(sql.substr(0, 60)) + "'", db.path());
  }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement::Statement(Statement&& other) noexcept : db_(other.db_), stmt_(other.stmt_) {
  other.stmt_ = nullptr;
}

Statement& Statement::bind(int index, std::string_view text) {
  if (sqlite3_bind_text(stmt_, index, text.data(), static_cast<int>(text.size()),
                        SQLITE_TRANSIENT) != SQLITE_OK) {
    fail(db_->handle(), "bind", db_->path());
  }
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK)
    fail(db_->handle(), "bind", db_->path());
  return *this;
}

Statement& Statement::bind_null(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) fail(db_->handle(), "bind", db_->path());
  return *this;
}

Statement& Statement::bind(int index, const std::optional<std::int64_t>& value) {
  return value ? bind(index, *value) : bind_null(index);
}

bool Statement::step() {
  const int code = sqlite3_step(stmt_);
  if (code == SQLITE_ROW) return true;
  if (code == SQLITE_DONE) return false;
  fail(db_->handle(), "step", db_->path());
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

std::string Statement::text(int column) const {
  const auto* bytes = sqlite3_column_text(stmt_, column);
  if (bytes == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(bytes),
                     static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column)));
}

std::int64_t Statement::integer(int column) const { return sqlite3_column_int64(stmt_, column); }

std::optional<std::int64_t> Statement::optional_integer(int column) const {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return integer(column);
}

std::int64_t copy_rows(Database& from, Database& to, const std::string& table,
                       OnConflict on_conflict) {
  {
    auto exists = from.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1");
    exists.bind(1, table);
    if (!exists.step()) return 0;
  }
  sqlite3_stmt* rows = nullptr;
  const std::string select = "SELECT * FROM \"" + table + "\"";
  if (sqlite3_prepare_v2(from.handle(), select.c_str(), -1, &rows, nullptr) != SQLITE_OK) {
    fail(from.handle(), "prepare '" + select + "'", from.path());
  }
  // Finalized on every way out (a throw from a bind or a step included).
  std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> owned(rows, sqlite3_finalize);
  const int columns = sqlite3_column_count(rows);
  std::string names;
  std::string slots;
  for (int c = 0; c < columns; ++c) {
    names += std::string(c ? ", " : "") + "\"" + sqlite3_column_name(rows, c) + "\"";
    slots += c ? ", ?" : "?";
  }
  auto insert = to.prepare(std::string("INSERT OR ") +
                           (on_conflict == OnConflict::Replace ? "REPLACE" : "IGNORE") +
                           " INTO \"" + table + "\"(" + names + ") VALUES(" + slots + ")");
  std::int64_t written = 0;
  while (true) {
    const int code = sqlite3_step(rows);
    if (code == SQLITE_DONE) break;
    if (code != SQLITE_ROW) fail(from.handle(), "step '" + select + "'", from.path());
    for (int c = 0; c < columns; ++c) {
      if (sqlite3_bind_value(insert.raw(), c + 1, sqlite3_column_value(rows, c)) != SQLITE_OK) {
        fail(to.handle(), "bind", to.path());
      }
    }
    insert.run();
    insert.reset();
    written += sqlite3_changes(to.handle());
  }
  return written;
}

}  // namespace watchdog::store
