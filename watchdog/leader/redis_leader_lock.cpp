#include "watchdog/leader/redis_leader_lock.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <random>

#include "config/units.h"

namespace watchdog::core {
namespace {

using std::chrono::milliseconds;

// One round trip for every call (KEYS: lock, record, fencing; ARGV: our value, lease in ms,
// record, "1" to publish it). Ours → renew (PEXPIRE), publish, and answer {2, token}. Free →
// take it, INCR the fencing counter, read the previous record before publishing ours, and
// answer {1, token, previous}. Someone else's → answer {0, holder's value, PTTL, record}: the
// record is written only by the lock's holder, so a stale holder never overwrites a new one.
constexpr const char* kClaim =
    "local current = redis.call('GET', KEYS[1]) "
    "if current == ARGV[1] then "
    "  redis.call('PEXPIRE', KEYS[1], ARGV[2]) "
    "  if ARGV[4] == '1' then redis.call('SET', KEYS[2], ARGV[3]) end "
    "  return {2, redis.call('GET', KEYS[3])} "
    "end "
    "if not current then "
    "  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) "
    "  local previous = redis.call('GET', KEYS[2]) "
    "  local token = redis.call('INCR', KEYS[3]) "
    "  if ARGV[4] == '1' then redis.call('SET', KEYS[2], ARGV[3]) end "
    "  return {1, token, previous} "
    "end "
    "return {0, current, redis.call('PTTL', KEYS[1]), redis.call('GET', KEYS[2])}";
// The same answers from the lock key alone, with no token, previous record or record (false →
// nil): for an ACL user whose key pattern covers only the lock key (as the protocol before the
// leader record needed), so that such a user still gets a working lock.
constexpr const char* kClaimLockOnly =
    "local current = redis.call('GET', KEYS[1]) "
    "if current == ARGV[1] then "
    "  redis.call('PEXPIRE', KEYS[1], ARGV[2]) "
    "  return {2, false} "
    "end "
    "if not current then "
    "  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) "
    "  return {1, false, false} "
    "end "
    "return {0, current, redis.call('PTTL', KEYS[1]), false}";
constexpr const char* kRelease =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

// An integer reply, or a bulk string holding one (GET of the counter); 0 otherwise.
std::uint64_t token_of(const redisReply* reply) {
  if (reply->type == REDIS_REPLY_INTEGER) return reply->integer > 0 ? reply->integer : 0;
  if (reply->type != REDIS_REPLY_STRING) return 0;
  try {
    return std::stoull(std::string(reply->str, reply->len));
  } catch (...) {
    return 0;
  }
}

std::optional<std::string> text_of(const redisReply* reply) {
  if (reply->type != REDIS_REPLY_STRING) return std::nullopt;
  return std::string(reply->str, reply->len);
}

std::string random_token() {  // 128 bits, hex
  std::random_device device;
  std::string token;
  for (int i = 0; i < 4; ++i) {
    char part[9];
    std::snprintf(part, sizeof(part), "%08x", static_cast<unsigned>(device()));
    token += part;
  }
  return token;
}

// "host", "host:port", "[v6]:port" or a bare IPv6 address; false when malformed.
bool parse_address(const std::string& address, std::string& host, int& port) {
  std::string port_text;
  if (!address.empty() && address.front() == '[') {
    const auto close = address.find(']');
    if (close == std::string::npos) return false;
    host = address.substr(1, close - 1);
    if (close + 1 < address.size()) {
      if (address[close + 1] != ':') return false;
      port_text = address.substr(close + 2);
      if (port_text.empty()) return false;
    }
  } else if (std::count(address.begin(), address.end(), ':') == 1) {
    host = address.substr(0, address.find(':'));
    port_text = address.substr(address.find(':') + 1);
    if (port_text.empty()) return false;
  } else {
    host = address;  // no port, or a bare IPv6 address
  }
  if (host.empty()) return false;
  if (port_text.empty()) return true;
  if (port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos) {
    return false;
  }
  port = std::stoi(port_text);
  return port >= 1 && port <= 65535;
}

bool starts_with(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

// The acquisition's note on the lock key alone: what is missing and which grant fixes it.
std::string lock_only_note(const std::string& key) {
  return " (no rights on " + key +
         ":record / :fencing: fencing token 0, no leader record; grant ~" + key + "*)";
}

// The ACL refused a key: "NOPERM this user has no permissions to access one of the keys used
// as arguments" (EVAL's declared keys, checked before the script runs), or the in-script
// "can't access at least one of the keys" of a server that checks only inside the script.
bool key_denied(const probes::redis::Outcome& outcome) {
  if (outcome.failure != probes::redis::Failure::ErrorReply) return false;
  const std::string& text = outcome.error;
  return text.find("key") != std::string::npos &&
         (starts_with(text, "NOPERM") || text.find("can't access") != std::string::npos);
}

}  // namespace

std::unique_ptr<LeaderLock> RedisLeaderLock::create(config::Options& options, milliseconds lease,
                                                    const std::string& identity) {
  Settings settings;
  const std::string address = options.required_string("address");
  if (!parse_address(address, settings.host, settings.port)) {
    options.fail("address", "expected host:port like 127.0.0.1:6379, got '" + address + "'");
  }
  settings.username = options.string("username");
  if (settings.username && settings.username->empty())
    options.fail("username", "must not be empty");
  if (auto secret = options.secret("password")) {
    if (secret->value.empty()) options.fail("password", "must not be empty");
    settings.password = std::move(secret->value);
  }
  if (settings.username && !settings.password) {
    options.fail("username", "needs a password (password or password_file)");
  }
  settings.database = options.integer_or("database", 0, 0, INT_MAX);
  settings.key = options.string_or("key", settings.key);
  if (settings.key.empty()) options.fail("key", "must not be empty");
  settings.lease = lease;
  settings.identity = identity;
  return std::make_unique<RedisLeaderLock>(std::move(settings));
}

RedisLeaderLock::RedisLeaderLock(Settings settings)
    : settings_(std::move(settings)),
      target_(settings_.host.find(':') != std::string::npos
                  ? "[" + settings_.host + "]:" + std::to_string(settings_.port)
                  : settings_.host + ":" + std::to_string(settings_.port)),
      value_(settings_.identity + " " + random_token()),
      record_key_(settings_.key + ":record"),
      fencing_key_(settings_.key + ":fencing"),
      connection_(probes::redis::Endpoint{settings_.host, settings_.port, settings_.username,
                                          settings_.password, settings_.database}) {}

RedisLeaderLock::~RedisLeaderLock() = default;

std::string RedisLeaderLock::describe() const {
  std::string text = "redis " + target_ + " key " + settings_.key;
  if (settings_.database != 0) text += " db " + std::to_string(settings_.database);
  if (settings_.username) text += " user " + *settings_.username;
  return text;
}

LockResult RedisLeaderLock::acquire_or_renew(milliseconds timeout,
                                             const std::string& record) noexcept {
  try {
    const auto deadline = Clock::now() + timeout;
    for (int round = 0;; ++round) {
      const bool reused = connection_.connected();
      if (!reused) {
        if (auto error = connect(deadline, timeout)) {
          return {LockStatus::Unknown, "redis " + target_ + ": " + *error};
        }
      }
      bool broken = false;
      LockResult result = attempt(deadline, timeout, record, broken);
      if (broken && reused && round == 0 && Clock::now() < deadline) continue;  // stale: once more
      if (result.status == LockStatus::Unknown)
        result.detail = "redis " + target_ + ": " + result.detail;
      return result;
    }
  } catch (...) {
    connection_.close();
    return {LockStatus::Unknown, "redis " + target_ + ": unexpected error"};
  }
}

LockResult RedisLeaderLock::attempt(Clock::time_point deadline, milliseconds timeout,
                                    const std::string& record, bool& broken) {
  const bool publish = record.size() <= kMaxLeaderRecordBytes;
  const std::string lease = std::to_string(settings_.lease.count());
  // A tenure taken on the lock key alone stays so: the counter's value is another tenure's.
  bool lock_only = held_ && lock_only_;
  probes::redis::Outcome claim;
  if (!lock_only) {
    claim = connection_.command({"EVAL", kClaim, "3", settings_.key, record_key_, fencing_key_,
                                 value_, lease, record, publish ? "1" : "0"},
                                deadline);
    if (key_denied(claim)) {  // the error reply closed the connection
      if (auto error = connect(deadline, timeout)) return {LockStatus::Unknown, *error};
      lock_only = true;
    }
  }
  if (lock_only) {
    claim =
        connection_.command({"EVAL", kClaimLockOnly, "1", settings_.key, value_, lease}, deadline);
  }
  if (!claim.ok()) {
    broken = claim.broken();
    return {LockStatus::Unknown, failure(claim, timeout)};
  }
  const redisReply* reply = claim.reply.get();
  if (reply->type != REDIS_REPLY_ARRAY || reply->elements < 2 ||
      reply->element[0]->type != REDIS_REPLY_INTEGER) {
    return {LockStatus::Unknown, "unexpected reply to the lock script"};
  }
  const std::string unpublished =
      publish ? "" : " (record of " + std::to_string(record.size()) + " bytes not published)";
  LockResult result;
  switch (reply->element[0]->integer) {
    case 2:  // ours: renewed (also when the reply to our taking it was lost)
      result = {LockStatus::Held, "renewed" + (lock_only ? "" : unpublished)};
      break;
    case 1:
      result = {LockStatus::Held,
                "acquired" + (lock_only ? lock_only_note(settings_.key) : unpublished)};
      if (reply->elements > 2) result.record = text_of(reply->element[2]);
      break;
    default:
      break;
  }
  if (result.status == LockStatus::Held) {
    // A renewal keeps the tenure's token, also when the rights for the counter went away.
    const bool renewal = reply->element[0]->integer == 2 && held_;
    if (!(renewal && lock_only)) fencing_token_ = token_of(reply->element[1]);
    held_ = true;
    lock_only_ = lock_only;
    result.fencing_token = fencing_token_;
    return result;
  }
  held_ = false;
  if (reply->elements != 4) return {LockStatus::Unknown, "unexpected reply to the lock script"};
  const std::string current = text_of(reply->element[1]).value_or("");
  const long long ttl =
      reply->element[2]->type == REDIS_REPLY_INTEGER ? reply->element[2]->integer : 0;
  const auto space = current.rfind(' ');
  result = {LockStatus::NotHeld,
            space == std::string::npos || space == 0 ? std::string("held by another client")
                                                     : "held by " + current.substr(0, space),
            milliseconds(ttl > 0 ? ttl : (ttl == -2 ? 1 : 0))};
  result.record = text_of(reply->element[3]);
  return result;
}

void RedisLeaderLock::release(milliseconds timeout) noexcept {
  try {
    if (!held_) return;
    held_ = false;
    const auto deadline = Clock::now() + timeout;
    for (int round = 0; round < 2; ++round) {
      const bool reused = connection_.connected();
      if (!reused && connect(deadline, timeout)) break;  // unreachable: the lease runs out
      auto del = connection_.command({"EVAL", kRelease, "1", settings_.key, value_}, deadline);
      if (!(del.broken() && reused)) break;
    }
    connection_.close();
  } catch (...) {
    connection_.close();
  }
}

// Connects, authenticates and selects the database; any failure drops the connection.
std::optional<std::string> RedisLeaderLock::connect(Clock::time_point deadline,
                                                    milliseconds timeout) {
  auto outcome = connection_.connect(deadline);
  if (outcome.ok()) return std::nullopt;
  return failure(outcome, timeout);
}

// What went wrong, safe to log.
std::string RedisLeaderLock::failure(const probes::redis::Outcome& outcome,
                                     milliseconds timeout) const {
  using probes::redis::Failure;
  const std::string& name = outcome.command;
  const std::string& text = outcome.error;
  switch (outcome.failure) {
    case Failure::None:
    case Failure::ErrorReply:
      break;
    case Failure::Timeout:
      return (name.empty() ? std::string("no connection") : "no " + name + " reply") + " within " +
             config::format_duration(timeout);
    case Failure::Refused:
      return "connection refused";
    case Failure::LocalResource:
      return "the watchdog is out of resources: " + text;
    case Failure::ConnectError:
      return text;
    case Failure::Closed:
      return "server closed the connection during " + name;
    case Failure::IoError:
      return text + " during " + name;
  }
  if (starts_with(text, "NOAUTH")) return "authentication required but no password configured";
  if (starts_with(text, "WRONGPASS") || text.find("invalid password") != std::string::npos) {
    return "authentication failed: wrong username or password";
  }
  return name + " failed: " + connection_.redact(text);
}

}  // namespace watchdog::core
