#pragma once
// libpq/pqxx plumbing shared by the `postgres` probe and the `postgres` leader lock, so both
// connect, time out and word errors the same way.
//
// Why a Deadline: libpq has no client-side deadline for queries, and statement_timeout cannot
// help when the server is frozen (SIGSTOP, a paused VM). So a Session connects asynchronously
// (the socket exists as soon as it is constructed) and a Deadline's helper thread shuts that
// socket down when the time is up: the blocked libpq call returns at once with an error. Host
// name resolution (getaddrinfo) is not covered; an address avoids it.
//
// Include only from .cpp files that link pqxx: this header brings <pqxx/pqxx> in.

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <pqxx/pqxx>
#include <string>
#include <thread>
#include <vector>

namespace watchdog::probes::pq {

// `value` as a quoted libpq key=value value.
std::string quoted(const std::string& value);

// `conninfo` with one more parameter: "&key=value" (percent-encoded; "?" first) for a
// postgresql:// URI, " key='value'" for a key=value string.
std::string with_parameter(const std::string& conninfo, bool uri, const std::string& key,
                           const std::string& value);

// Shuts the watched socket down when the deadline passes, from a helper thread. The socket is
// dup()ed, so its number cannot be reused by anyone else while it is watched.
class Deadline {
 public:
  explicit Deadline(std::chrono::steady_clock::time_point deadline);
  ~Deadline();
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;
  void watch(int socket);  // replaces the socket watched so far; -1 watches none
  bool expired();

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  bool expired_ = false;
  int socket_ = -1;
  std::thread thread_;  // last: starts once the members above exist
};

// One asynchronous connection, kept by its owner between calls.
class Session {
 public:
  // Starts connecting to `conninfo` (a key=value string or, with `uri`, a postgresql:// URI)
  // with connect_timeout = `timeout` in whole seconds (rounded up, at least 1) and
  // application_name = `application`.
  Session(const std::string& conninfo, bool uri, const std::string& application,
          std::chrono::milliseconds timeout);
  ~Session();

  // A transaction-less query context, with the socket watched by `deadline`. With a
  // `statement_timeout` (or `lock_timeout`) that differs from the last one set on this
  // connection, sets it first (which completes the handshake of a new connection).
  std::unique_ptr<pqxx::nontransaction> begin(
      Deadline& deadline, std::optional<std::chrono::milliseconds> statement_timeout,
      std::optional<std::chrono::milliseconds> lock_timeout = std::nullopt);
  int backend_pid() const;

 private:
  pqxx::asyncconnection connection_;  // owned by its concrete type: no virtual destructor in pqxx 6
  std::chrono::milliseconds statement_timeout_{0};  // 0: not set yet
  std::chrono::milliseconds lock_timeout_{0};       // 0: not set yet
};

// The first line of a libpq/pqxx error message without libpq's "connection to server at …
// failed: " and severity prefixes, and with passwords, URI credentials and every non-empty
// `secrets` entry replaced by "***" ("" when nothing is left).
std::string error_line(const std::string& message, const std::vector<std::string>& secrets);

// Whether a libpq/pqxx error message is libpq's own word that the watchdog ran out of
// descriptors or memory ("could not create socket: Too many open files", "out of memory"),
// after an optional "connection to server … failed: ". A message the server sent starts with
// its severity (FATAL:, ERROR:) there, so its "too many open files" never counts. Pure.
bool names_local_exhaustion(const std::string& message);

}  // namespace watchdog::probes::pq
