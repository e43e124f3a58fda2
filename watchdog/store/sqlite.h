#pragma once
// A thin RAII layer over SQLite 3: a connection and prepared statements with typed binds and
// columns. Errors throw SqliteError (message includes SQLite's own text and the file). Shared by
// the state store and the incident journal; one Database per thread (connections are not
// shared between threads here, and neither are the statements a Database keeps).

#include <sqlite3.h>
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>

namespace watchdog::store {

class SqliteError : public std::runtime_error {
 public:
  // `code`: SQLite's primary result code (SQLITE_CORRUPT, SQLITE_BUSY, …).
  explicit SqliteError(const std::string& what, int code = SQLITE_ERROR)
      : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }
  // The file is damaged or not a database at all (not: busy, locked, full, a newer schema).
  bool unusable_file() const { return code_ == SQLITE_CORRUPT || code_ == SQLITE_NOTADB; }
  // The filesystem is full (SQLITE_FULL, or an I/O error from a write that found no space).
  bool disk_full() const { return code_ == SQLITE_FULL; }

 private:
  int code_;
};

class Statement;
class KeptStatement;

class Database {
 public:
  // Opens or creates `path`; WAL journal, synchronous=NORMAL (durable at each checkpoint; a
  // power cut may lose the last transactions, a crash of the process loses nothing), a busy
  // timeout so that a CLI command and the daemon can share the file.
  enum class Access { ReadWrite, ReadOnly };
  // ReadOnly: an existing file, no pragmas that write (for readers such as the HTTP GETs).
  explicit Database(const std::filesystem::path& path, Access access = Access::ReadWrite);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void exec(const std::string& sql);  // one or more statements without parameters
  Statement prepare(std::string_view sql);
  // The statement for `sql`, prepared on its first use and kept for the connection's life:
  // for the hot ones (the engine saves changed components every turn), where compiling the SQL
  // cost more than running it. Handed out without binds and reset again when the handle goes, so
  // a kept statement never holds a read open between uses. Only for statements run to the end
  // at once (writes, one-row reads): a second use of the same SQL while a first still steps
  // through rows would reset the first.
  KeptStatement kept(std::string_view sql);
  std::int64_t last_insert_id() const;
  // Rows the last INSERT, UPDATE or DELETE changed.
  std::int64_t changes() const;
  // Changes whenever another connection commits (PRAGMA data_version; a kept statement).
  std::int64_t data_version();
  const std::filesystem::path& path() const { return path_; }

  // True when the file at path() is no longer the one this connection opened: deleted, or
  // replaced by another file (device and inode differ). The connection itself goes on working
  // on the old, possibly unlinked file, which is why the state store checks this (state_store.h).
  bool file_replaced() const;
  // Exchanges the connections (and what they point at) of two Databases, so that every holder
  // of a reference to this one (the incident journal, say) works on the other's file from now
  // on. The kept statements of both are dropped first (prepared again at their next use).
  void swap(Database& other) noexcept;
  // For the connection to a file that was deleted or replaced: its close must leave the -wal and
  // -shm names alone (they may be the new file's by now). Call before it closes.
  void leave_files_on_close() noexcept;

  sqlite3* handle() const { return db_; }

 private:
  struct FileIdentity {
    dev_t device = 0;
    ino_t inode = 0;
  };

  struct SqlHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
  };

  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  // Finalized before the connection closes (a close with statements left fails).
  std::unordered_map<std::string, std::unique_ptr<Statement>, SqlHash, std::equal_to<>> kept_;
  std::optional<FileIdentity> identity_;  // of the file opened; none for ":memory:"
};

// How copy_rows treats a row whose key the destination already has.
enum class OnConflict { Replace, Ignore };

// Copies every row of `table` from `from` into the table of the same name in `to` (columns by
// name, values as stored, keys included); nothing when `from` has no such table. Returns the
// rows written. Used to carry a lost or replaced file's content over (state_store.h).
std::int64_t copy_rows(Database& from, Database& to, const std::string& table,
                       OnConflict on_conflict);

// RAII BEGIN IMMEDIATE … COMMIT; rolls back when destroyed uncommitted (an exception).
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

class Statement {
 public:
  Statement(Database& db, std::string_view sql);
  ~Statement();
  Statement(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  Statement& operator=(Statement&&) = delete;

  // Binds are 1-based like SQLite's; chainable.
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind_null(int index);
  Statement& bind(int index, const std::optional<std::int64_t>& value);

  bool step();   // true while a row is available
  void run();    // step() to completion, for statements without rows
  void reset();  // reuse with new binds

  std::string text(int column) const;
  std::int64_t integer(int column) const;
  std::optional<std::int64_t> optional_integer(int column) const;
  sqlite3_stmt* raw() const { return stmt_; }  // for binds this class has no method for

 private:
  Database* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// A use of one of Database's kept statements (Database::kept): resets it when it goes.
class KeptStatement {
 public:
  explicit KeptStatement(Statement& statement) : statement_(&statement) {}
  ~KeptStatement() {
    if (statement_ != nullptr) statement_->reset();
  }
  KeptStatement(KeptStatement&& other) noexcept : statement_(other.statement_) {
    other.statement_ = nullptr;
  }
  KeptStatement(const KeptStatement&) = delete;
  KeptStatement& operator=(const KeptStatement&) = delete;
  KeptStatement& operator=(KeptStatement&&) = delete;

  Statement* operator->() const { return statement_; }
  Statement& operator*() const { return *statement_; }

 private:
  Statement* statement_;
};

}  // namespace watchdog::store
