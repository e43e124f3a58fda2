#pragma once
// `redis` leader lock: one key holding "<identity> <random 128-bit token>" with a TTL of the
// lease, and beside it `<key>:record` (the leader record) and `<key>:fencing` (a counter).
// Every acquire_or_renew is ONE Lua script, so the lock, the token and the record move together:
//   key holds our value → PEXPIRE key lease; SET <key>:record record       → Held "renewed"
//   key absent          → SET key value PX lease; read the old record; INCR <key>:fencing;
//                         SET <key>:record record → Held "acquired", token = the INCR, record =
//                         the previous record
//   someone else's      → read the holder's value, PTTL and the record    → NotHeld (names the
//                         holder; the elector retries right when that lease ends)
//   release:  EVAL "if GET key == value then DEL key" (only the owner deletes it; the record
//             and the counter stay for the next holder)
// The record is written only while the key holds our value: a holder whose lease ran out never
// overwrites its successor's. A reply lost to a timeout cannot make us forget a lock we took: a
// key holding our own value is renewed (its token read back from the counter).
//
// Record and counter have NO TTL: the record is the handover after a crash, needed however long
// all replicas were down, and the counter must only grow; both are one small key each, rewritten
// in place (volatile-* eviction policies never pick keys without a TTL). An empty record is
// stored like any other (tests and one-off checks send ""; the engine always sends JSON). A
// record longer than kMaxLeaderRecordBytes is not written (the detail says so). Fencing tokens
// are monotonic only as long as Redis keeps its data: a Redis restarted without persistence
// starts the counter again at 1 — the same data loss that lets two replicas hold the lock.
// The three keys may live in different hash slots: Redis Cluster is not supported (nor was it).
//
// An ACL user limited to the lock key (`~watchdog:leader`, all the protocol before the record
// needed) gets NOPERM for the script above. Nobody would ever lead, so the lock then falls back
// to a script on the lock key alone (the same take / renew / report, no counter, no record):
// Held with fencing token 0 and no record, the acquisition's detail naming the grant that is
// missing (`~<key>*`). That tenure's renewals stay on the lock key (the counter holds another
// tenure's token), as do a tenure's renewals after its rights went away (it keeps its token);
// the next acquisition tries the full script again, so a fixed ACL counts from the next tenure.
// A follower with such a user pays a refused call, a reconnection and an `ACL LOG` entry on
// the server at every poll (an error reply closes the shared client's connection).
//
// Keys: address (host:port, port 6379 by default), username (ACL user; needs a password),
// password (secret: `password` or `password_file`), database (0; SELECT when not 0),
// key ("watchdog:leader").
//
// Every call connects when needed (hiredis, connect and socket timeouts = the time left of the
// call's timeout) and keeps the connection; an I/O error drops it, and a broken kept connection
// (restarted server, killed client) is replaced once within the same call. Failures to reach or
// ask the server are LockStatus::Unknown; the password is never part of a detail or describe().

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/options.h"
#include "probes/clients/redis_connection.h"
#include "watchdog/leader/leader_lock.h"

namespace watchdog::core {

class RedisLeaderLock final : public LeaderLock {
 public:
  struct Settings {
    std::string host;
    int port = 6379;
    std::optional<std::string> username;
    std::optional<std::string> password;
    long long database = 0;
    std::string key = "watchdog:leader";
    std::chrono::milliseconds lease{15000};
    std::string identity;  // stored in the value, so `GET key` tells who holds it
  };

  // Reads the keys above from `options` (no I/O); throws config::ConfigError.
  static std::unique_ptr<LeaderLock> create(config::Options& options,
                                            std::chrono::milliseconds lease,
                                            const std::string& identity);

  explicit RedisLeaderLock(Settings settings);
  ~RedisLeaderLock() override;

  using LeaderLock::acquire_or_renew;
  LockResult acquire_or_renew(std::chrono::milliseconds timeout,
                              const std::string& record) noexcept override;
  void release(std::chrono::milliseconds timeout) noexcept override;
  std::string describe() const override;
  // The value the key holds while we own it ("<identity> <token>").
  const std::string& value() const { return value_; }

 private:
  using Clock = std::chrono::steady_clock;

  LockResult attempt(Clock::time_point deadline, std::chrono::milliseconds timeout,
                     const std::string& record, bool& broken);
  std::optional<std::string> connect(Clock::time_point deadline, std::chrono::milliseconds timeout);
  std::string failure(const probes::redis::Outcome& outcome,
                      std::chrono::milliseconds timeout) const;

  Settings settings_;
  std::string target_;  // "host:port"
  std::string value_;
  std::string record_key_;   // "<key>:record"
  std::string fencing_key_;  // "<key>:fencing"
  bool held_ = false;        // our last successful SET or renewal said so
  bool lock_only_ = false;   // this tenure runs on the lock key alone (see the header comment)
  std::uint64_t fencing_token_ = 0;  // this tenure's
  probes::redis::Connection connection_;
};

}  // namespace watchdog::core
