#pragma once
// One MySQL / MariaDB connection (MariaDB Connector/C) held to a deadline: the `mysql` probe
// today, a MySQL leader lock or backup check tomorrow.
//
// Why the non-blocking API: Connector/C's own timeouts (MYSQL_OPT_CONNECT/READ/WRITE_TIMEOUT)
// are whole seconds and apply per network operation, so a check of several round trips could
// overrun its timeout several times over. The session sets them anyway (the time left, rounded
// up) but drives every call through the _start()/_cont() functions and poll(), waiting at most
// until the caller's deadline; when it passes, the pending operation is told its timeout fired
// (MYSQL_WAIT_TIMEOUT), so it ends with an error at once and the handle can be closed cleanly.
// A frozen server (accepting into the kernel backlog, never answering) therefore costs exactly
// the caller's timeout. Host names are resolved by getaddrinfo() inside the connect call, which
// has no deadline; numeric addresses never wait on DNS.
//
// Failures come back as values (Outcome) for the caller to word. The server's messages never
// contain the password ("Access denied for user 'u'@'h' (using password: YES)"); the session
// still replaces any occurrence of it with "***" before returning a message (after classifying
// the raw text; see redact()).
//
// A statement's every result is read (a CALL returns one per SELECT in the procedure, then a
// status), so the next statement never meets "Commands out of sync"; the first result set is
// returned. close() sends COM_QUIT within min(the last deadline, 200 ms from now).
//
// Should a call not end even after its socket is shut down (not seen, but the library owns the
// control flow), the handle is suspended inside the library and can neither be resumed nor
// freed: its descriptor is closed and its memory leaked, with a warning logged at the first
// such handle and an error at the 64th (restart the watchdog to reclaim the memory).
// Not thread-safe: one caller at a time per session.

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace watchdog::probes::mysql {

struct Endpoint {
  std::string host;
  int port = 3306;
  std::string user;
  std::optional<std::string> password;
  std::optional<std::string> database;  // the default database; must exist
};

enum class Failure {
  None,
  Timeout,             // no connection or no answer before the deadline
  Refused,             // nothing listens (ECONNREFUSED)
  Auth,                // 1045 access denied, 1044 no access to the database, 1698, 1130 host,
                       // an account locked (3118, 4151) or its password expired (1820, 1862)
  UnknownDatabase,     // 1049
  TooManyConnections,  // 1040 max_connections reached (and no SUPER slot left); 1203, 1226:
                       // the user's own limit (max_user_connections, MAX_USER_CONNECTIONS)
  HostBlocked,         // 1129: too many failed connects from this host (max_connect_errors)
  ServerError,         // the server answered a statement with an error (`code`, `message`)
  ConnectionError,     // any other client-side error (lost connection, unknown host …)
  LocalResource,       // the watchdog's own socket() or memory ran out: nothing about the server
};

// The class of a Connector/C or server error number (CR_* 2000–2999, ER_* below); pure.
// `message` decides the client's "Can't connect" (2002/2003): "(111)" is ECONNREFUSED; and
// its "Can't create socket" (2001/2004): "(24)" EMFILE and the like are the watchdog's own.
Failure classify_error(unsigned code, const std::string& message);

struct Outcome {
  Failure failure = Failure::None;
  unsigned code = 0;    // the error number (0 for a timeout)
  std::string message;  // the library's or server's text, password removed
  bool ok() const { return failure == Failure::None; }
};

// Every occurrence of `password` in `text` replaced by "***" — only for passwords of at least
// 4 characters: a shorter one matches everyday text (the "1" of "(111)", the "a" of any word),
// so redacting it would garble every message while hiding nothing a guess of three characters
// does not give away. Pure.
std::string redact(std::string text, const std::optional<std::string>& password);
// The Outcome of error `code` with the library's `raw_message`: classified on the raw text
// (classify_error looks for "(111)"), redacted afterwards. Pure.
Outcome error_outcome(unsigned code, const std::string& raw_message,
                      const std::optional<std::string>& password);

// A result set: column names and rows of text (nullopt = SQL NULL).
struct Rows {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;
};

class Session {
 public:
  using Clock = std::chrono::steady_clock;

  explicit Session(Endpoint endpoint);
  ~Session();
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  bool connected() const { return connected_; }
  // Connects (and authenticates, selecting the database when one is set); replaces an open
  // connection. Any failure leaves the session closed.
  Outcome connect(Clock::time_point deadline);
  // One statement and its whole result (an empty Rows for statements without one; the first
  // result set when there are several). A timeout or a lost connection closes the session; a
  // server error (syntax, privilege) keeps it.
  Outcome query(const std::string& statement, Clock::time_point deadline, Rows& rows);
  void close() noexcept;

 private:
  struct Handle;
  Outcome last_error() const;
  Outcome timed_out();

  Endpoint endpoint_;
  std::unique_ptr<Handle> handle_;
  bool connected_ = false;
  Clock::time_point deadline_ = Clock::time_point::max();  // of the last connect or query
};

}  // namespace watchdog::probes::mysql
