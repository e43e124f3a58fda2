#pragma once
// The table beside the `postgres` leader lock's advisory lock: one row per lock_id holding the
// fencing counter and the leader record, so both outlive the session that holds the lock.
//
//   CREATE TABLE IF NOT EXISTS <table> (lock_id bigint PRIMARY KEY, fencing bigint NOT NULL,
//                                       holder text, record text, updated_at timestamptz)
//
// Only the advisory lock's holder writes its row (every statement here runs in that session,
// a renewal's write is conditioned on pg_locks in the same statement), so two replicas never
// race on it and a session that lost the lock cannot write. A problem with the table itself
// (permission denied — PostgreSQL 15 gives ordinary users no CREATE on `public` — a table of
// another shape, a record the server refuses) throws LeaderTableError: the lock then works
// without it (fencing token 0, no record). So does a row (or the table) that another session
// holds locked — an operator's open `SELECT … FOR UPDATE`, a stuck old session: the lock's
// session sets lock_timeout below its statement_timeout, and the write fails with 55P03
// (lock_not_available) instead of running into the statement's timeout. Connection failures
// and timeouts throw pqxx's own exceptions, which end the session as before.

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>

namespace pqxx {
class nontransaction;
}

namespace watchdog::core {

// The table cannot be used; what() is one safe-to-log line ("permission denied for schema public").
struct LeaderTableError : std::runtime_error {
  explicit LeaderTableError(const std::string& what, bool locked_ = false)
      : std::runtime_error(what), locked(locked_) {}
  // Another session held our row or the table past lock_timeout: a passing state, worth trying
  // again at the next call (the others — rights, shape — last until an operator acts).
  bool locked;
};

// "name" or "schema.name", each an unquoted SQL identifier of at most 63 characters.
bool valid_table_name(const std::string& name);

class LeaderTable {
 public:
  // `table` must be valid_table_name(); `secrets` are scrubbed from error texts.
  LeaderTable(std::string table, std::int64_t lock_id, std::string dsn, std::string password);

  struct Taken {
    std::uint64_t fencing_token = 0;
    std::optional<std::string> previous_record;
  };
  // Just after pg_try_advisory_lock succeeded: creates the table when it does not exist, then in
  // one statement reads the previous record, increments the fencing counter (1 for a new row)
  // and stores holder and record (nullopt: the stored record stays).
  Taken take(pqxx::nontransaction& tx, const std::string& holder,
             const std::optional<std::string>& record);
  // In one statement: whether our session still holds the advisory lock (pg_locks) and, only
  // if so, stores the record (nullopt: no write).
  bool renew(pqxx::nontransaction& tx, const std::string& holders_lock_condition,
             const std::optional<std::string>& record);
  // The stored record for a follower, nullopt when there is none or no table (never throws
  // LeaderTableError: a follower just learns nothing).
  std::optional<std::string> read(pqxx::nontransaction& tx);

 private:
  [[noreturn]] void fail(const std::exception& error) const;
  std::string table_;
  std::string lock_id_;
  std::string dsn_, password_;
};

}  // namespace watchdog::core
