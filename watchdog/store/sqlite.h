#pragma once
// A thin RAII layer over SQLite 3: a connection and prepared statements with typed binds and
// columns. Errors throw SqliteError (message includes SQLite's own text and the file). Shared by
// the state store and the incident journal; one Database per thread (connections are not
// shared between threads here).

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace watchdog::store {

class SqliteError : public std::runtime_error {
 public:
  // `code`: SQLite's primary result code (SQLITE_CORRUPT, SQLITE_BUSY, …).
  explicit SqliteError(const std::string& what, int code = SQLITE_ERROR)
      : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }
  // The file is damaged or not a database at all (not: busy, locked, full, a newer schema).
  bool unusable_file() const { return code_ == SQLITE_CORRUPT || code_ == SQLITE_NOTADB; }

 private:
  int code_;
};

class Statement;

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
  std::int64_t last_insert_id() const;
  // Changes whenever another connection commits (PRAGMA data_version). Asked on every turn of
  // the engine's loop: the statement is prepared once and kept.
  std::int64_t data_version();
  const std::filesystem::path& path() const { return path_; }

  sqlite3* handle() const { return db_; }

 private:
  std::filesystem::path path_;
  sqlite3* db_ = nullptr;
  std::unique_ptr<Statement> data_version_;  // finalized before the connection closes
};

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

 private:
  Database* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace watchdog::store
