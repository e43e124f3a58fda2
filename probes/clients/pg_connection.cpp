#include "probes/clients/pg_connection.h"

#include <libpq-fe.h>

#include <algorithm>

#include "probes/clients/pq_session.h"

namespace watchdog::actions {
namespace {

// libpq messages: "FATAL:  password authentication failed for user "x"\n" → one trimmed line.
std::string one_line(const char* message) {
  std::string text = message == nullptr ? "" : message;
  for (char& c : text) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  for (const char* prefix : {"FATAL:", "ERROR:"}) {
    if (auto at = text.find(prefix); at != std::string::npos) text = text.substr(at + 6);
  }
  const auto first = text.find_first_not_of(' ');
  const auto last = text.find_last_not_of(' ');
  return first == std::string::npos ? "unknown error" : text.substr(first, last - first + 1);
}

}  // namespace

const std::string& PgConnection::dbname() const {
  static const std::string none;
  auto it = params.find("dbname");
  return it == params.end() ? none : it->second;
}

std::string PgConnection::conninfo() const {
  std::string out;
  for (const auto& [key, value] : params) {
    out += (out.empty() ? "" : " ") + key + "=" + probes::pq::quoted(value);
  }
  return out;
}

PgConnection PgConnection::with_dbname(const std::string& name) const {
  PgConnection copy = *this;
  copy.params["dbname"] = name;
  return copy;
}

std::map<std::string, std::string> PgConnection::child_env() const {
  std::map<std::string, std::string> env = {{"PGCONNECT_TIMEOUT", "10"}};
  if (!password.empty()) env["PGPASSWORD"] = password;
  return env;
}

std::optional<PgConnection> parse_dsn(const std::string& dsn, std::string& error) {
  char* message = nullptr;
  PQconninfoOption* options = PQconninfoParse(dsn.c_str(), &message);
  if (options == nullptr) {
    PQfreemem(message);
    error = "the DSN cannot be parsed (expected key=value pairs or a postgresql:// URI)";
    return std::nullopt;
  }
  PgConnection connection;
  for (PQconninfoOption* o = options; o->keyword != nullptr; ++o) {
    if (o->val == nullptr || *o->val == '\0') continue;
    if (std::string(o->keyword) == "password") {
      connection.password = o->val;
    } else {
      connection.params[o->keyword] = o->val;
    }
  }
  PQconninfoFree(options);
  return connection;
}

std::optional<PgConnection> connection_of(const config::BackupTargetSpec& target,
                                          std::string& error) {
  if (target.dsn) return parse_dsn(target.dsn->value, error);
  PgConnection connection;
  if (!target.host.empty()) connection.params["host"] = target.host;
  if (target.port > 0) connection.params["port"] = std::to_string(target.port);
  if (!target.dbname.empty()) connection.params["dbname"] = target.dbname;
  if (!target.user.empty()) connection.params["user"] = target.user;
  if (!target.sslmode.empty()) connection.params["sslmode"] = target.sslmode;
  if (target.password) connection.password = target.password->value;
  return connection;
}

std::string quote_identifier(const std::string& name) {
  std::string out = "\"";
  for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

struct PgSession::Conn {
  PGconn* pg = nullptr;
  ~Conn() {
    if (pg != nullptr) PQfinish(pg);
  }
};

PgSession::PgSession(const PgConnection& connection, std::chrono::milliseconds timeout)
    : conn_(std::make_unique<Conn>()) {
  std::vector<std::string> keys, values;
  for (const auto& [key, value] : connection.params) {
    keys.push_back(key);
    values.push_back(value);
  }
  if (!connection.password.empty()) {
    keys.push_back("password");
    values.push_back(connection.password);
  }
  keys.push_back("connect_timeout");
  values.push_back(std::to_string(
      std::max<long long>(2, std::chrono::duration_cast<std::chrono::seconds>(timeout).count())));
  keys.push_back("application_name");
  values.push_back("watchdog-backup");
  std::vector<const char*> key_ptrs, value_ptrs;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    key_ptrs.push_back(keys[i].c_str());
    value_ptrs.push_back(values[i].c_str());
  }
  key_ptrs.push_back(nullptr);
  value_ptrs.push_back(nullptr);
  conn_->pg = PQconnectdbParams(key_ptrs.data(), value_ptrs.data(), 0);
  if (conn_->pg == nullptr || PQstatus(conn_->pg) != CONNECTION_OK) {
    error_ = conn_->pg == nullptr ? "out of memory" : one_line(PQerrorMessage(conn_->pg));
  }
}

PgSession::~PgSession() = default;

std::optional<std::vector<std::vector<std::string>>> PgSession::query(const std::string& sql) {
  if (conn_->pg == nullptr || PQstatus(conn_->pg) != CONNECTION_OK) {
    if (error_.empty()) error_ = "not connected";
    return std::nullopt;
  }
  PGresult* result = PQexec(conn_->pg, sql.c_str());
  const auto status = PQresultStatus(result);
  if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
    error_ = one_line(PQerrorMessage(conn_->pg));
    PQclear(result);
    return std::nullopt;
  }
  std::vector<std::vector<std::string>> rows;
  for (int r = 0; r < PQntuples(result); ++r) {
    std::vector<std::string> row;
    for (int c = 0; c < PQnfields(result); ++c) row.emplace_back(PQgetvalue(result, r, c));
    rows.push_back(std::move(row));
  }
  PQclear(result);
  error_.clear();
  return rows;
}

std::optional<std::map<std::string, std::int64_t>> PgSession::row_counts(bool exact) {
  auto tables = query(
      "SELECT n.nspname, c.relname, greatest(c.reltuples, 0)::bigint FROM pg_class c "
      "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname NOT IN "
      "('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname "
      "NOT LIKE 'pg\\_temp%' ORDER BY 1, 2");
  if (!tables) return std::nullopt;
  std::map<std::string, std::int64_t> counts;
  for (const auto& row : *tables) {
    std::int64_t rows = std::stoll(row[2]);
    if (exact) {
      auto count = query("SELECT count(*) FROM " + quote_identifier(row[0]) + "." +
                         quote_identifier(row[1]));
      if (!count) return std::nullopt;
      rows = std::stoll(count->at(0).at(0));
    }
    counts[row[0] + "." + row[1]] = rows;
  }
  return counts;
}

}  // namespace watchdog::actions
