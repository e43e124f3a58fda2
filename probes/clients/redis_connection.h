#pragma once
// A hiredis connection held to a deadline, shared by the `redis` probe and the `redis` leader
// lock so both connect, authenticate and time out the same way.
//
// hiredis calls block, so connect() uses the time left before the caller's deadline as connect
// timeout and command() sets it as socket timeout before every command: a frozen server
// (accepting into the kernel backlog, never answering) costs at most the caller's timeout.
// Every failure, an error reply included, closes the connection, so the next use starts afresh.
// Host names are resolved by getaddrinfo(), which has no deadline; numeric addresses never wait.
// Failures come back as values for the caller to word; `error` never contains the password
// unless it is the server's own error text (redact() it before showing).

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

struct redisContext;
struct redisReply;

namespace watchdog::probes::redis {

struct ReplyDeleter {
  void operator()(redisReply* reply) const;
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

struct Endpoint {
  std::string host;
  int port = 6379;
  std::optional<std::string> user;  // ACL user, sent with AUTH (needs a password)
  std::optional<std::string> password;
  long long database = 0;  // SELECT when not 0
};

enum class Failure {
  None,
  Timeout,        // no connection or no reply within the time left
  Refused,        // nothing listens
  LocalResource,  // the watchdog ran out of memory or descriptors (`error`), not the server
  ConnectError,   // any other connection error (`error`)
  Closed,         // the server closed the connection during the command
  IoError,        // any other I/O error during the command (`error`)
  ErrorReply,     // the server answered with an error (`error`: its text, as sent)
};

// The class of hiredis's text for a failed connect (its context's errstr). Only hiredis writes
// it, about its own socket(), connect() and poll(): no server text reaches it. Pure.
Failure classify_connect_error(const std::string& errstr);

struct Outcome {
  Failure failure = Failure::None;
  std::string command;  // the command's name ("AUTH", "PING", …); "" for the connection itself
  std::string error;
  Reply reply;  // Failure::None: the answer (never an error reply)
  bool ok() const { return failure == Failure::None; }
  // The connection itself failed: a reused one may be stale and worth replacing once.
  bool broken() const { return failure == Failure::Closed || failure == Failure::IoError; }
};

class Connection {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Connection(Endpoint endpoint);
  ~Connection();
  bool connected() const { return context_ != nullptr; }
  void close();
  // Connects, then AUTH [user] password and SELECT database as configured.
  Outcome connect(Clock::time_point deadline);
  // One command; not connected counts as an I/O error.
  Outcome command(const std::vector<std::string>& args, Clock::time_point deadline);
  // `text` with every occurrence of the password replaced by "***".
  std::string redact(std::string text) const;

 private:
  struct ContextDeleter {
    void operator()(redisContext* context) const;
  };
  Endpoint endpoint_;
  std::unique_ptr<redisContext, ContextDeleter> context_;
};

}  // namespace watchdog::probes::redis
