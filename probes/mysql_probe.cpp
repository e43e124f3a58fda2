#include "probes/mysql_probe.h"

#include "config/units.h"

namespace watchdog::probes {
namespace {

using Clock = mysql::Session::Clock;
using std::chrono::milliseconds;

constexpr unsigned kParseError = 1064;            // ER_PARSE_ERROR: a SHOW … spelling unknown
constexpr unsigned kSpecificAccessDenied = 1227;  // ER_SPECIFIC_ACCESS_DENIED_ERROR

// The first cell of the first row as a number (0 when absent).
double number(const mysql::Rows& rows, std::size_t column) {
  if (rows.rows.empty() || rows.rows.front().size() <= column || !rows.rows.front()[column]) {
    return 0;
  }
  try {
    return std::stod(*rows.rows.front()[column]);
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

std::unique_ptr<Probe> MysqlProbe::create(std::string name, config::Options& options) {
  Settings settings;
  auto& endpoint = settings.endpoint;
  endpoint.host = options.required_string("host");
  if (endpoint.host.empty()) options.fail("host", "must not be empty");
  endpoint.port = static_cast<int>(options.integer_or("port", 3306, 1, 65535));
  endpoint.user = options.required_string("user");
  if (endpoint.user.empty()) options.fail("user", "must not be empty");
  if (auto secret = options.secret("password")) endpoint.password = std::move(secret->value);
  endpoint.database = options.string("database");
  if (endpoint.database && endpoint.database->empty())
    options.fail("database", "must not be empty");
  settings.query = options.string_or("query", settings.query);
  if (settings.query.find_first_not_of(" \t\r\n") == std::string::npos) {
    options.fail("query", "must not be empty");
  }
  auto& status = settings.status;
  status.latency_warn = options.duration("latency_warn");
  status.connections_warn = options.ratio_or("connections_warn", status.connections_warn);
  if (status.connections_warn <= 0) options.fail("connections_warn", "must be above 0%");
  if (auto role = options.string("expect_role")) {
    if (*role == "primary") {
      status.expect_role = mysql_status::Role::Primary;
    } else if (*role == "replica") {
      status.expect_role = mysql_status::Role::Replica;
    } else {
      options.fail("expect_role", "must be primary or replica");
    }
  }
  status.replica_lag_warn = options.duration("replica_lag_warn");
  status.replica_lag_critical = options.duration("replica_lag_critical");
  if (status.replica_lag_warn && status.replica_lag_critical &&
      *status.replica_lag_warn >= *status.replica_lag_critical) {
    options.fail("replica_lag_warn", "must be shorter than replica_lag_critical");
  }
  return std::make_unique<MysqlProbe>(std::move(name), std::move(settings));
}

MysqlProbe::MysqlProbe(std::string name, Settings settings)
    : GuardedProbe(std::move(name)),
      settings_(std::move(settings)),
      target_(settings_.endpoint.host + ":" + std::to_string(settings_.endpoint.port)) {}

ProbeResult MysqlProbe::check_once(milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  mysql::Session session(settings_.endpoint);
  if (auto outcome = session.connect(deadline); !outcome.ok()) {
    return failed(outcome, "connection", timeout);
  }
  mysql_status::Figures figures;
  mysql::Rows rows;
  const auto query_start = Clock::now();
  if (auto outcome = session.query(settings_.query, deadline, rows); !outcome.ok()) {
    return failed(outcome, "query", timeout);
  }
  figures.query_time = Clock::now() - query_start;
  if (auto outcome = session.query("SHOW GLOBAL STATUS LIKE 'Threads_connected'", deadline, rows);
      !outcome.ok()) {
    return failed(outcome, "SHOW GLOBAL STATUS", timeout);
  }
  figures.connections = number(rows, 1);
  if (auto outcome = session.query("SELECT @@max_connections", deadline, rows); !outcome.ok()) {
    return failed(outcome, "SELECT @@max_connections", timeout);
  }
  figures.max_connections = number(rows, 0);
  if (auto decided = read_replica(session, deadline, timeout, figures)) return *decided;
  return mysql_status::evaluate(settings_.status, figures);
}

std::optional<ProbeResult> MysqlProbe::read_replica(mysql::Session& session,
                                                    Clock::time_point deadline,
                                                    milliseconds timeout,
                                                    mysql_status::Figures& figures) const {
  // Every channel: MariaDB's named connections only show with ALL (its plain SHOW REPLICA
  // STATUS is the default connection alone); MySQL 8 lists its channels without it. Each
  // spelling the server does not know is a parse error: try the next.
  mysql::Rows rows;
  mysql::Outcome outcome;
  for (const char* statement : {"SHOW ALL REPLICAS STATUS", "SHOW ALL SLAVES STATUS",
                                "SHOW REPLICA STATUS", "SHOW SLAVE STATUS"}) {
    outcome = session.query(statement, deadline, rows);
    if (outcome.code != kParseError) break;
  }
  if (outcome.code == kSpecificAccessDenied) {
    if (settings_.status.expect_role == mysql_status::Role::Any) return std::nullopt;
    return unhealthy(FailureKind::Auth,
                     "cannot read the replica status for expect_role (grant REPLICA MONITOR or "
                     "REPLICATION CLIENT): " +
                         outcome.message);
  }
  if (!outcome.ok()) return failed(outcome, "SHOW REPLICA STATUS", timeout);
  figures.replica_known = true;
  figures.replicas = mysql_status::parse_replicas(rows.columns, rows.rows);
  return std::nullopt;
}

ProbeResult MysqlProbe::failed(const mysql::Outcome& outcome, const std::string& during,
                               milliseconds timeout) const {
  const std::string error = "error " + std::to_string(outcome.code) + ": " + outcome.message;
  switch (outcome.failure) {
    case mysql::Failure::None:
      break;
    case mysql::Failure::Timeout:
      return unhealthy(FailureKind::Timeout,
                       target_ + ": no " +
                           (during == "connection" ? during : "answer to " + during) + " within " +
                           config::format_duration(timeout));
    case mysql::Failure::Refused:
      return unhealthy(FailureKind::Refused, target_ + ": connection refused (" + error + ")");
    case mysql::Failure::Auth:
      return unhealthy(FailureKind::Auth,
                       "access denied for user '" + settings_.endpoint.user + "' (" + error + ")");
    case mysql::Failure::UnknownDatabase:
      return unhealthy(
          FailureKind::NotFound,
          "unknown database '" + settings_.endpoint.database.value_or("") + "' (" + error + ")");
    case mysql::Failure::TooManyConnections:  // the message names which limit
      return unhealthy(
          FailureKind::Threshold,
          "connection limit reached: the server refused a new connection (" + error + ")");
    case mysql::Failure::HostBlocked:
      return unhealthy(
          FailureKind::Threshold,
          "host blocked after too many connection errors: FLUSH HOSTS (" + error + ")");
    case mysql::Failure::ServerError:
      return unhealthy(FailureKind::BadResponse, during + " failed (" + error + ")");
    case mysql::Failure::LocalResource:  // says nothing about the server
      return local_exhaustion(target_ + ": " + during + " failed (" + error + ")");
    case mysql::Failure::ConnectionError:
      break;
  }
  return unhealthy(FailureKind::Error, target_ + ": " + during + " failed (" + error + ")");
}

}  // namespace watchdog::probes
