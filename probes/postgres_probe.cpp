#include "probes/postgres_probe.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <new>

#include "config/units.h"
#include "probes/clients/pq_session.h"

namespace watchdog::probes {
namespace {

using Clock = std::chrono::steady_clock;

// The text between `before` and the next `after` in message ("" when absent).
std::string between(const std::string& message, const std::string& before, char after) {
  auto at = message.find(before);
  if (at == std::string::npos) return "";
  at += before.size();
  return message.substr(at, message.find(after, at) - at);
}

long long whole_ms(std::chrono::nanoseconds elapsed) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count();
}

// The server's lock_timeout: a fraction of the check's timeout, so that a query stuck behind
// someone else's lock is answered by the server (55P03) before the client-side deadline.
std::chrono::milliseconds lock_timeout_of(std::chrono::milliseconds timeout) {
  return std::max(std::chrono::milliseconds(1), timeout * 8 / 10);
}

bool contains(const std::string& text, const char* part) {
  return text.find(part) != std::string::npos;
}

// SQLSTATEs (and XX000 messages) that say the data itself is damaged.
bool is_corruption(const std::string& sqlstate, const std::string& message) {
  if (sqlstate == "XX001" || sqlstate == "XX002") return true;
  // A missing file is damage only when it is a relation's data file (base/…, global/…,
  // pg_tblspc/…), not a missing extension library ($libdir/vector).
  if (sqlstate == "58P01") {
    return contains(message, "\"base/") || contains(message, "\"global/") ||
           contains(message, "\"pg_tblspc/");
  }
  return sqlstate == "XX000" &&
         (contains(message, "invalid page") || contains(message, "could not read block"));
}

// Who holds a strong lock on a relation of this database, asked after a lock wait ended:
// "relation items is locked by another session (AccessExclusiveLock, pid 4242)" or "".
std::string lock_holder(pqxx::nontransaction& tx) {
  try {
    auto rows = tx.exec(
        "SELECT c.relname, l.mode, l.pid FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
        " WHERE l.locktype = 'relation' AND l.granted AND l.pid <> pg_backend_pid()"
        " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        " AND l.mode IN ('AccessExclusiveLock', 'ExclusiveLock', 'ShareRowExclusiveLock',"
        " 'ShareLock', 'ShareUpdateExclusiveLock')"
        " ORDER BY l.mode = 'AccessExclusiveLock' DESC, c.relname LIMIT 1");
    if (rows.empty()) return "";
    return "relation " + rows[0][0].as<std::string>() + " is locked by another session (" +
           rows[0][1].as<std::string>() + ", pid " + rows[0][2].as<std::string>() + ")";
  } catch (const std::exception&) {
    return "";
  }
}

// One round-trip for every WAL figure (probes/postgres_wal.h).
postgres_wal::Figures read_wal_figures(pqxx::nontransaction& tx,
                                       const postgres_wal::Settings& settings) {
  const auto row = tx.exec(postgres_wal::figures_sql(settings))[0];
  std::vector<std::optional<std::string>> fields;
  for (pqxx::row::size_type i = 0; i < row.size(); ++i) {
    fields.push_back(row[i].is_null() ? std::nullopt : std::optional<std::string>(row[i].c_str()));
  }
  return postgres_wal::parse_figures(fields);
}

}  // namespace

struct PostgresProbe::Stats {
  double max_connections = 0, connections = 0;
  bool in_recovery = false;
  std::optional<double> replication_lag, oldest_transaction;
};

std::unique_ptr<Probe> PostgresProbe::create(std::string name, config::Options& options) {
  Settings settings;
  auto dsn = options.secret("dsn");
  const bool parts = options.has("host") || options.has("port") || options.has("dbname") ||
                     options.has("user") || options.has("password") || options.has("password_file");
  if (dsn && parts) {
    options.fail(options.has("host") ? "host" : "dsn",
                 "give either dsn (or dsn_file) or host/port/dbname/user/password, not both");
  }
  if (dsn) {
    settings.conninfo = dsn->value;
    settings.uri =
        dsn->value.rfind("postgresql://", 0) == 0 || dsn->value.rfind("postgres://", 0) == 0;
    if (settings.conninfo.empty()) options.fail("dsn", "must not be empty");
  } else {
    std::string conninfo = "host=" + pq::quoted(options.required_string("host"));
    conninfo += " port=" + std::to_string(options.integer_or("port", 5432, 1, 65535));
    if (auto dbname = options.string("dbname")) conninfo += " dbname=" + pq::quoted(*dbname);
    if (auto user = options.string("user")) conninfo += " user=" + pq::quoted(*user);
    if (auto password = options.secret("password")) {
      settings.password = password->value;
      conninfo += " password=" + pq::quoted(password->value);
    }
    settings.conninfo = conninfo;
  }
  std::string extras;
  if (auto sslmode = options.string("sslmode")) {
    static const std::array<std::string, 6> modes = {"disable", "allow",     "prefer",
                                                     "require", "verify-ca", "verify-full"};
    if (std::find(modes.begin(), modes.end(), *sslmode) == modes.end()) {
      options.fail("sslmode",
                   "must be one of disable, allow, prefer, require, verify-ca, verify-full");
    }
    settings.conninfo = pq::with_parameter(settings.conninfo, settings.uri, "sslmode", *sslmode);
  }
  if (auto root = options.string("sslrootcert")) {
    settings.conninfo = pq::with_parameter(settings.conninfo, settings.uri, "sslrootcert", *root);
  }
  settings.query = options.string_or("query", settings.query);
  if (settings.query.find_first_not_of(" \t\r\n") == std::string::npos) {
    options.fail("query", "must not be empty");
  }
  settings.keep_connection = options.boolean_or("keep_connection", true);
  settings.latency_warn = options.duration("latency_warn");
  settings.connections_warn = options.ratio_or("connections_warn", settings.connections_warn);
  if (auto role = options.string("expect_role")) {
    if (*role == "primary")
      settings.expect_role = Role::Primary;
    else if (*role == "replica")
      settings.expect_role = Role::Replica;
    else
      options.fail("expect_role", "must be primary or replica");
  }
  settings.check_oldest_transaction = options.boolean_or("check_oldest_transaction", false);
  settings.wal = postgres_wal::read_settings(options);
  return std::make_unique<PostgresProbe>(std::move(name), std::move(settings));
}

PostgresProbe::PostgresProbe(std::string name, Settings settings)
    : GuardedProbe(std::move(name)), settings_(std::move(settings)) {}

PostgresProbe::~PostgresProbe() = default;

ProbeResult PostgresProbe::check_once(std::chrono::milliseconds timeout) {
  pq::Deadline deadline(Clock::now() + timeout);
  bool reused = false, answered = false;
  ProbeResult result = run_once(timeout, deadline, reused, answered);
  // A kept connection may have died since the last check: replace it once, in this check.
  // Only when the server gave no answer: once the stats row came, the result is the server's
  // (a wrong role, a failing archive), and the WAL memory has already taken this check's
  // figures — a second evaluation would compare them with themselves and report Healthy.
  // Not after a lock wait or a corruption error either: the server answered, and a retry would
  // only wait out the rest of the timeout.
  if (result.status == ProbeStatus::Unhealthy && reused && !answered && !deadline.expired() &&
      result.failure != FailureKind::Locked && result.failure != FailureKind::Corrupt) {
    result = run_once(timeout, deadline, reused, answered);
  }
  if (!settings_.keep_connection || result.status == ProbeStatus::Unhealthy) connection_.reset();
  return result;
}

void PostgresProbe::discard_state() noexcept { connection_.reset(); }

void PostgresProbe::restore_memory(std::string_view memory) noexcept {
  try {
    postgres_wal::restore_failures(memory, wal_memory_);
    wal_memory_attached_ = postgres_wal::encode_failures(wal_memory_);
  } catch (...) {  // out of memory: count afresh
  }
}

ProbeResult PostgresProbe::run_once(std::chrono::milliseconds timeout, pq::Deadline& deadline,
                                    bool& reused, bool& answered) {
  reused = connection_ != nullptr;
  std::unique_ptr<pqxx::nontransaction> tx;
  auto query_start = Clock::now();
  try {
    if (!connection_) {
      connection_ =
          std::make_unique<pq::Session>(settings_.conninfo, settings_.uri, "watchdog", timeout);
    }
    tx = connection_->begin(deadline, timeout, lock_timeout_of(timeout));
    query_start = Clock::now();
    tx->exec(settings_.query);
    const auto query_time = Clock::now() - query_start;
    auto row = tx->exec(
        "SELECT current_setting('max_connections')::int,"
        " (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend'),"
        " pg_is_in_recovery(),"
        " CASE WHEN pg_is_in_recovery() THEN"
        "  extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 END,"
        " (SELECT coalesce(extract(epoch FROM now() - min(xact_start)), 0)::float8"
        "  FROM pg_stat_activity WHERE pid <> pg_backend_pid()"
        "  AND backend_type = 'client backend')")[0];
    answered = true;
    Stats stats;
    stats.max_connections = row[0].as<double>();
    stats.connections = row[1].as<double>();
    stats.in_recovery = row[2].as<bool>();
    if (!row[3].is_null()) stats.replication_lag = row[3].as<double>();
    if (settings_.check_oldest_transaction) stats.oldest_transaction = row[4].as<double>();
    postgres_wal::Evaluation wal;
    if (settings_.wal.any()) {
      wal =
          postgres_wal::evaluate(settings_.wal, read_wal_figures(*tx, settings_.wal), wal_memory_);
    }
    ProbeResult result = evaluate(query_time, stats, std::move(wal));
    // Attached only when it changed: the engine saves every blob it is given.
    if (auto memory = postgres_wal::encode_failures(wal_memory_); memory != wal_memory_attached_) {
      wal_memory_attached_ = memory;
      result.memory = std::move(memory);
    }
    return result;
  } catch (const pqxx::sql_error& error) {
    const std::string sqlstate = error.sqlstate();
    ProbeResult result;
    if (sqlstate == "57014") {
      result = unhealthy(FailureKind::Timeout, "query cancelled by statement_timeout (" +
                                                   config::format_duration(timeout) + ")");
    } else if ((sqlstate == "55P03" || sqlstate == "40P01") && !deadline.expired()) {
      const auto waited = std::chrono::duration<double>(Clock::now() - query_start).count();
      char seconds[32];
      std::snprintf(seconds, sizeof seconds, "%.1f s", waited);
      std::string why = tx ? lock_holder(*tx) : "";
      if (why.empty()) {
        why = sqlstate == "40P01" ? "deadlock with another session"
                                  : "a lock held by another session";
      }
      result = unhealthy(FailureKind::Locked, std::string(sqlstate == "40P01" ? "deadlock after "
                                                                              : "waited on a lock "
                                                                                "for ") +
                                                  seconds + ": " + why);
    } else if (is_corruption(sqlstate, error.what()) && !deadline.expired()) {
      const std::string line =
          pq::error_line(error.what(), {settings_.password, settings_.conninfo});
      result =
          unhealthy(FailureKind::Corrupt, "data corruption (SQLSTATE " + sqlstate + "): " + line);
    } else {
      result = classify(error.what(), deadline.expired(), timeout);
    }
    tx.reset();
    connection_.reset();
    return result;
  } catch (const std::bad_alloc&) {  // pqxx's word for libpq returning no connection at all
    tx.reset();
    connection_.reset();
    return local_exhaustion("out of memory");
  } catch (const std::exception& error) {
    tx.reset();
    connection_.reset();
    return classify(error.what(), deadline.expired(), timeout);
  }
}

ProbeResult PostgresProbe::evaluate(std::chrono::nanoseconds query_time, const Stats& stats,
                                    postgres_wal::Evaluation wal) const {
  ProbeResult result;
  const double ratio = stats.max_connections > 0 ? stats.connections / stats.max_connections : 0;
  const std::string role = stats.in_recovery ? "replica" : "primary";
  std::string detail = "query in " + std::to_string(whole_ms(query_time)) + " ms, " +
                       std::to_string(static_cast<long long>(stats.connections)) + "/" +
                       std::to_string(static_cast<long long>(stats.max_connections)) +
                       " connections, " + role;
  if (settings_.expect_role != Role::Any &&
      stats.in_recovery != (settings_.expect_role == Role::Replica)) {
    result = unhealthy(FailureKind::BadResponse, "server is a " + role + ", expected " +
                                                     (stats.in_recovery ? "primary" : "replica"));
  } else if (wal.archive) {
    result = std::move(*wal.archive);
  } else if (settings_.latency_warn && query_time > *settings_.latency_warn) {
    result = degraded(
        FailureKind::Threshold,
        detail + " (query warning at " + config::format_duration(*settings_.latency_warn) + ")");
  } else if (ratio >= settings_.connections_warn) {
    result = degraded(FailureKind::Threshold, detail + " (connections warning at " +
                                                  config::format_ratio(settings_.connections_warn) +
                                                  ")");
  } else if (wal.replication) {
    result = std::move(*wal.replication);
  } else {
    result = healthy(detail);
  }
  auto& m = result.measurements;
  m.push_back({"postgres_query_seconds", std::chrono::duration<double>(query_time).count()});
  m.push_back({"postgres_connections", stats.connections});
  m.push_back({"postgres_max_connections", stats.max_connections});
  m.push_back({"postgres_connections_used_ratio", ratio});
  m.push_back({"postgres_in_recovery", stats.in_recovery ? 1.0 : 0.0});
  if (stats.replication_lag)
    m.push_back({"postgres_replication_lag_seconds", *stats.replication_lag});
  if (stats.oldest_transaction) {
    m.push_back({"postgres_oldest_transaction_seconds", *stats.oldest_transaction});
  }
  m.insert(m.end(), wal.measurements.begin(), wal.measurements.end());
  return result;
}

ProbeResult PostgresProbe::classify(const std::string& message, bool timed_out,
                                    std::chrono::milliseconds timeout) const {
  if (pq::names_local_exhaustion(message)) {  // the watchdog's own, whatever the deadline did
    return local_exhaustion(pq::error_line(message, {settings_.password, settings_.conninfo}));
  }
  if (timed_out || message.find("timeout expired") != std::string::npos) {
    return unhealthy(FailureKind::Timeout, "no answer within " + config::format_duration(timeout));
  }
  if (message.find("authentication failed") != std::string::npos ||
      message.find("no password supplied") != std::string::npos) {
    return unhealthy(FailureKind::Auth, "authentication failed for user '" +
                                            between(message, "for user \"", '"') + "'");
  }
  if (message.find("database \"") != std::string::npos &&
      message.find("\" does not exist") != std::string::npos) {
    return unhealthy(FailureKind::NotFound,
                     "database '" + between(message, "database \"", '"') + "' does not exist");
  }
  if (message.find("Connection refused") != std::string::npos ||
      message.find("No such file or directory") != std::string::npos) {
    return unhealthy(FailureKind::Refused, "connection refused");
  }
  if (message.find("connection info string") != std::string::npos ||
      message.find("URI") != std::string::npos || message.find("invalid") == 0) {
    return unhealthy(FailureKind::Error, "invalid connection string");
  }
  const std::string line = pq::error_line(message, {settings_.password, settings_.conninfo});
  return unhealthy(FailureKind::Error, line.empty() ? "postgres error" : line);
}

}  // namespace watchdog::probes
