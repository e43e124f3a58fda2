#include "watchdog/leader/postgres_leader_lock.h"

#include <algorithm>
#include <climits>
#include <regex>

#include "config/units.h"
#include "probes/clients/pq_session.h"
#include "watchdog/leader/postgres_leader_table.h"

namespace watchdog::core {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;
namespace pq = probes::pq;

const std::string kApplicationPrefix = "watchdog-leader ";

// The session's lock_timeout: a write to the leader table's row that another session holds
// locked gives up after this long (55P03, a table problem) and leaves most of the call's time,
// instead of waiting into statement_timeout, which would end the session and the lock with it.
milliseconds lock_timeout_of(milliseconds timeout) {
  return std::clamp(timeout / 4, milliseconds(100), milliseconds(2000));
}

struct DsnParts {
  std::string target;    // "host:port/dbname", nothing else (no user, password or options)
  std::string password;  // to scrub from messages
};

DsnParts parse_dsn(const std::string& conninfo, bool uri) {
  std::string host, port, dbname, password;
  if (uri) {
    std::string rest = conninfo.substr(conninfo.find("://") + 3);
    rest = rest.substr(0, rest.find('?'));
    if (auto at = rest.rfind('@'); at != std::string::npos) {
      const std::string user = rest.substr(0, at);
      if (auto colon = user.find(':'); colon != std::string::npos)
        password = user.substr(colon + 1);
      rest = rest.substr(at + 1);
    }
    const auto slash = rest.find('/');
    if (slash != std::string::npos) dbname = rest.substr(slash + 1);
    host = rest.substr(0, slash);
  } else {
    auto field = [&](const std::string& key) {
      std::smatch match;
      const std::regex pattern("(^|\\s)" + key + "\\s*=\\s*('(([^'\\\\]|\\\\.)*)'|(\\S+))");
      if (!std::regex_search(conninfo, match, pattern)) return std::string();
      return match[3].matched ? match[3].str() : match[5].str();
    };
    host = field("host");
    if (host.empty()) host = field("hostaddr");
    port = field("port");
    dbname = field("dbname");
    password = field("password");
  }
  std::string text = host.empty() ? "local socket" : host;
  if (!port.empty()) text += ":" + port;
  if (!dbname.empty()) text += "/" + dbname;
  return {text, password};
}

}  // namespace

std::unique_ptr<LeaderLock> PostgresLeaderLock::create(config::Options& options,
                                                       const std::string& identity) {
  Settings settings;
  settings.conninfo = options.required_secret("dsn").value;
  if (settings.conninfo.find_first_not_of(" \t") == std::string::npos) {
    options.fail("dsn", "must not be empty");
  }
  settings.uri = settings.conninfo.rfind("postgresql://", 0) == 0 ||
                 settings.conninfo.rfind("postgres://", 0) == 0;
  settings.lock_id = options.integer_or("lock_id", kDefaultLockId, LLONG_MIN, LLONG_MAX);
  settings.table = options.string_or("table", settings.table);
  if (!valid_table_name(settings.table)) {
    options.fail("table",
                 "expected a table name like watchdog_leader or ops.watchdog_leader, got '" +
                     settings.table + "'");
  }
  settings.identity = identity;
  return std::make_unique<PostgresLeaderLock>(std::move(settings));
}

PostgresLeaderLock::PostgresLeaderLock(Settings settings) : settings_(std::move(settings)) {
  auto parts = parse_dsn(settings_.conninfo, settings_.uri);
  target_ = std::move(parts.target);
  password_ = std::move(parts.password);
  table_ = std::make_unique<LeaderTable>(settings_.table, settings_.lock_id, settings_.conninfo,
                                         password_);
}

PostgresLeaderLock::~PostgresLeaderLock() = default;

std::string PostgresLeaderLock::describe() const {
  std::string text = "postgres " + target_ + " advisory lock " + std::to_string(settings_.lock_id);
  if (settings_.table != Settings().table) text += " table " + settings_.table;
  return text;
}

int PostgresLeaderLock::backend_pid() const noexcept {
  return connection_ ? connection_->backend_pid() : 0;
}

LockResult PostgresLeaderLock::acquire_or_renew(milliseconds timeout,
                                                const std::string& record) noexcept {
  const std::string prefix = "postgres " + target_ + ": ";
  try {
    pq::Deadline deadline(Clock::now() + timeout);
    const bool had_lock = held_;
    for (int round = 0;; ++round) {
      const bool reused = connection_ != nullptr;
      try {
        return attempt(timeout, deadline, record);
      } catch (const std::exception& error) {
        connection_.reset();
        held_ = false;
        // A kept session that failed (terminated, server restarted): one fresh try.
        if (reused && round == 0 && !deadline.expired()) continue;
        return {LockStatus::NotHeld, prefix + (had_lock ? "lost the lock: " : "") +
                                         classify(error.what(), deadline.expired(), timeout)};
      }
    }
  } catch (...) {
    connection_.reset();
    held_ = false;
    return {LockStatus::NotHeld, prefix + "unexpected error"};
  }
}

LockResult PostgresLeaderLock::attempt(milliseconds timeout, pq::Deadline& deadline,
                                       const std::string& record) {
  if (!connection_) {
    held_ = false;
    const std::string application = (kApplicationPrefix + settings_.identity).substr(0, 63);
    connection_ =
        std::make_unique<pq::Session>(settings_.conninfo, settings_.uri, application, timeout);
  }
  auto tx = connection_->begin(deadline, timeout, lock_timeout_of(timeout));
  // pg_locks shows a bigint key as its high half in classid, its low half in objid.
  const auto key = static_cast<std::uint64_t>(settings_.lock_id);
  auto ours = [&](const std::string& t) {
    return t + "locktype = 'advisory' AND " + t + "granted AND " + t + "objsubid = 1 AND " + t +
           "classid = " + std::to_string(key >> 32) + "::bigint::oid AND " + t +
           "objid = " + std::to_string(key & 0xffffffffu) + "::bigint::oid";
  };
  const bool publish = record.size() <= kMaxLeaderRecordBytes;
  const std::string unpublished =
      publish ? "" : " (record of " + std::to_string(record.size()) + " bytes not published)";
  if (held_) {
    std::string note;
    bool still = false;
    try {
      still = table_->renew(*tx, ours(""),
                            table_ready_ && publish ? std::optional(record) : std::nullopt);
    } catch (const LeaderTableError& error) {
      // A locked row: the next renewal writes again; anything else: not until the next
      // acquisition. The lock itself is fine either way.
      table_ready_ = error.locked;
      note = " (leader record not written: " + std::string(error.what()) + ")";
      still = table_->renew(*tx, ours(""), std::nullopt);
    }
    if (still) {
      LockResult result{LockStatus::Held, "renewed" + unpublished + note};
      result.fencing_token = fencing_token_;
      return result;
    }
    held_ = false;  // cannot happen without someone unlocking in our session; take it again
  }
  const std::string id = std::to_string(settings_.lock_id);
  if (tx->exec1("SELECT pg_try_advisory_lock(" + id + ")")[0].as<bool>()) {
    held_ = true;
    LockResult result{LockStatus::Held, "acquired" + unpublished};
    try {
      auto taken =
          table_->take(*tx, settings_.identity, publish ? std::optional(record) : std::nullopt);
      table_ready_ = true;
      result.fencing_token = taken.fencing_token;
      result.record = std::move(taken.previous_record);
    } catch (const LeaderTableError& error) {
      table_ready_ = false;
      result.detail =
          error.locked
              ? "acquired (" + std::string(error.what()) + ": fencing token 0, no leader record)"
              : "acquired (no leader table: " + std::string(error.what()) + ")";
    }
    fencing_token_ = result.fencing_token;
    return result;
  }
  auto holder = tx->exec(
      "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
      " WHERE " +
      ours("l.") + " LIMIT 1");
  std::string name = holder.empty() || holder[0][0].is_null() ? "" : holder[0][0].c_str();
  if (name.rfind(kApplicationPrefix, 0) == 0) name = name.substr(kApplicationPrefix.size());
  LockResult result{LockStatus::NotHeld,
                    name.empty() ? std::string("held by another session") : "held by " + name};
  result.record = table_->read(*tx);
  return result;
}

void PostgresLeaderLock::release(milliseconds timeout) noexcept {
  try {
    if (connection_ && held_) {
      pq::Deadline deadline(Clock::now() + timeout);
      connection_->begin(deadline, std::nullopt)
          ->exec("SELECT pg_advisory_unlock(" + std::to_string(settings_.lock_id) + ")");
    }
  } catch (...) {  // closing the session below frees the lock anyway
  }
  held_ = false;
  connection_.reset();
}

std::string PostgresLeaderLock::classify(const std::string& message, bool timed_out,
                                         milliseconds timeout) const {
  if (timed_out || message.find("timeout expired") != std::string::npos) {
    return "no answer within " + config::format_duration(timeout);
  }
  if (message.find("authentication failed") != std::string::npos ||
      message.find("no password supplied") != std::string::npos) {
    return "authentication failed";
  }
  if (message.find("Connection refused") != std::string::npos) return "connection refused";
  if (message.find("connection info string") != std::string::npos ||
      message.find("URI") != std::string::npos || message.rfind("invalid", 0) == 0) {
    return "invalid connection string";
  }
  const std::string line = pq::error_line(message, {settings_.conninfo, password_});
  return line.empty() ? "postgres error" : line;
}

}  // namespace watchdog::core
