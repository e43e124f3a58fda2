#include "watchdog/leader/postgres_leader_table.h"

#include <regex>

#include "probes/clients/pq_session.h"

namespace watchdog::core {
namespace {

// Errors of the connection or the server as a whole, not of our table: they end the session.
// 55P03 (lock_not_available: lock_timeout while another session holds our row) is not one of
// them; 57014 (query_canceled: statement_timeout) is, as a statement that ran out of time may
// mean a server too slow to trust with the lock.
bool session_error(const pqxx::sql_error& error) {
  const std::string& state = error.sqlstate();
  for (const char* kind : {"08", "53", "57", "58", "XX"}) {
    if (state.rfind(kind, 0) == 0) return true;
  }
  return false;
}

}  // namespace

bool valid_table_name(const std::string& name) {
  static const std::regex pattern("[A-Za-z_][A-Za-z0-9_]{0,62}(\\.[A-Za-z_][A-Za-z0-9_]{0,62})?");
  return std::regex_match(name, pattern);
}

LeaderTable::LeaderTable(std::string table, std::int64_t lock_id, std::string dsn,
                         std::string password)
    : table_(std::move(table)),
      lock_id_(std::to_string(lock_id)),
      dsn_(std::move(dsn)),
      password_(std::move(password)) {}

void LeaderTable::fail(const std::exception& error) const {
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&error); sql && session_error(*sql)) {
    throw;  // NOLINT: rethrows the exception being handled
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&error);
      sql && sql->sqlstate() == "55P03") {
    throw LeaderTableError("leader table " + table_ + " locked by another session", true);
  }
  const std::string line = probes::pq::error_line(error.what(), {dsn_, password_});
  throw LeaderTableError(line.empty() ? "postgres error" : line);
}

LeaderTable::Taken LeaderTable::take(pqxx::nontransaction& tx, const std::string& holder,
                                     const std::optional<std::string>& record) {
  try {
    // Checked first: CREATE TABLE IF NOT EXISTS needs CREATE on the schema even when the table
    // exists, so an operator may create it once and grant only SELECT, INSERT, UPDATE.
    if (!tx.exec1("SELECT to_regclass('" + table_ + "') IS NOT NULL")[0].as<bool>()) {
      tx.exec0("CREATE TABLE IF NOT EXISTS " + table_ +
               " (lock_id bigint PRIMARY KEY, fencing bigint NOT NULL, holder text,"
               " record text, updated_at timestamptz NOT NULL DEFAULT now())");
    }
    // The CTE reads the row as it was before this statement, so `previous` is the last
    // holder's record even though the same statement replaces it.
    const auto row = tx.exec_params1(
        "WITH previous AS (SELECT record FROM " + table_ + " WHERE lock_id = " + lock_id_ +
            ") INSERT INTO " + table_ +
            " AS t (lock_id, fencing, holder, record, updated_at) VALUES (" + lock_id_ +
            ", 1, $1, CASE WHEN $3::boolean THEN $2::text END, now())"
            " ON CONFLICT (lock_id) DO UPDATE SET fencing = t.fencing + 1,"
            " holder = excluded.holder, updated_at = excluded.updated_at,"
            " record = CASE WHEN $3::boolean THEN $2::text ELSE t.record END"
            " RETURNING t.fencing, (SELECT record FROM previous)",
        holder, record.value_or(""), record.has_value());
    Taken taken;
    const auto fencing = row[0].as<long long>();
    taken.fencing_token = fencing > 0 ? static_cast<std::uint64_t>(fencing) : 0;
    if (!row[1].is_null()) taken.previous_record = row[1].as<std::string>();
    return taken;
  } catch (const pqxx::sql_error& error) {
    fail(error);
  }
}

bool LeaderTable::renew(pqxx::nontransaction& tx, const std::string& holders_lock_condition,
                        const std::optional<std::string>& record) {
  const std::string mine =
      "SELECT count(*) > 0 AS held FROM pg_locks WHERE pid = pg_backend_pid() AND " +
      holders_lock_condition;
  if (!record) return tx.exec1(mine)[0].as<bool>();
  try {
    // A data-modifying CTE runs even though the outer query does not read it.
    return tx
        .exec_params1("WITH mine AS (" + mine + "), written AS (UPDATE " + table_ +
                          " SET record = $1, updated_at = now() WHERE lock_id = " + lock_id_ +
                          " AND (SELECT held FROM mine) RETURNING 1) SELECT held FROM mine",
                      *record)[0]
        .as<bool>();
  } catch (const pqxx::sql_error& error) {
    fail(error);
  }
}

std::optional<std::string> LeaderTable::read(pqxx::nontransaction& tx) {
  try {
    // No statement naming a missing table: it would log an ERROR on the server at every poll.
    if (!tx.exec1("SELECT to_regclass('" + table_ + "') IS NOT NULL")[0].as<bool>()) {
      return std::nullopt;
    }
    const auto rows = tx.exec("SELECT record FROM " + table_ + " WHERE lock_id = " + lock_id_);
    if (rows.empty() || rows[0][0].is_null()) return std::nullopt;
    return rows[0][0].as<std::string>();
  } catch (const pqxx::sql_error& error) {
    if (session_error(error)) throw;
    return std::nullopt;
  }
}

}  // namespace watchdog::core
