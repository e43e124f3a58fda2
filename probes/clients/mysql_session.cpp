#include "probes/clients/mysql_session.h"

#include <mysql.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>

#include "probes/clients/failure_kind.h"

namespace watchdog::probes::mysql {
namespace {

using Clock = Session::Clock;

// Connector/C's wait flags for what poll() saw (0: `deadline` passed first). A timeout the
// library asked for (MYSQL_WAIT_TIMEOUT, its own read/connect timeout) is honoured when it
// comes first.
int wait_for(MYSQL* mysql, int status, Clock::time_point deadline) {
  pollfd fd{mysql_get_socket(mysql), 0, 0};
  if (status & MYSQL_WAIT_READ) fd.events |= POLLIN;
  if (status & MYSQL_WAIT_WRITE) fd.events |= POLLOUT;
  if (status & MYSQL_WAIT_EXCEPT) fd.events |= POLLPRI;
  for (;;) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return 0;
    long long wait = left;
    bool library_timeout = false;
    if (status & MYSQL_WAIT_TIMEOUT) {
      const long long own = mysql_get_timeout_value_ms(mysql);
      if (own < wait) {
        wait = own;
        library_timeout = true;
      }
    }
    const int polled = poll(&fd, 1, static_cast<int>(wait));
    if (polled < 0 && errno == EINTR) continue;
    if (polled == 0) {
      if (library_timeout) return MYSQL_WAIT_TIMEOUT;
      continue;  // the deadline: checked at the top
    }
    int ready = 0;
    if (fd.revents & POLLIN) ready |= MYSQL_WAIT_READ;
    if (fd.revents & POLLOUT) ready |= MYSQL_WAIT_WRITE;
    if (fd.revents & POLLPRI) ready |= MYSQL_WAIT_EXCEPT;
    // An error or hang-up (or a failed poll): let the library find out on its next read/write.
    if (ready == 0) ready = status & (MYSQL_WAIT_READ | MYSQL_WAIT_WRITE);
    return ready;
  }
}

enum class Driven { Done, TimedOut, Stuck };

// Runs one non-blocking call to its end or to `deadline`. `start()` and `resume(ready)` return
// Connector/C's wait status (0: finished). At the deadline the call is told that its timeout
// fired, which ends it with an error; should it still want to wait, its socket is shut down.
// Stuck: it would not end — the handle is suspended inside the library and must not be used
// or closed again.
template <typename Start, typename Resume>
Driven drive(MYSQL* mysql, Clock::time_point deadline, Start start, Resume resume) {
  int status = start();
  while (status != 0) {
    const int ready = wait_for(mysql, status, deadline);
    if (ready == 0) break;
    status = resume(ready);
  }
  if (status == 0) return Driven::Done;
  for (int round = 0; status != 0 && round < 4; ++round) status = resume(MYSQL_WAIT_TIMEOUT);
  if (status != 0) shutdown(mysql_get_socket(mysql), SHUT_RDWR);
  for (int round = 0; status != 0 && round < 4; ++round) {
    status = resume(MYSQL_WAIT_READ | MYSQL_WAIT_WRITE);
  }
  return status == 0 ? Driven::TimedOut : Driven::Stuck;
}

unsigned int seconds_left(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<std::chrono::seconds>(deadline - Clock::now()).count();
  return static_cast<unsigned int>(std::max<long long>(1, left));
}

// The rows of a stored result set.
void read_rows(MYSQL_RES* result, Rows& rows) {
  const unsigned int fields = mysql_num_fields(result);
  const MYSQL_FIELD* field = mysql_fetch_fields(result);
  for (unsigned int i = 0; i < fields; ++i) rows.columns.emplace_back(field[i].name);
  while (MYSQL_ROW row = mysql_fetch_row(result)) {  // stored: no I/O
    const unsigned long* lengths = mysql_fetch_lengths(result);
    auto& out = rows.rows.emplace_back();
    for (unsigned int i = 0; i < fields; ++i) {
      out.push_back(row[i] ? std::optional<std::string>(std::string(row[i], lengths[i]))
                           : std::nullopt);
    }
  }
}

// Stores the current result (if the statement has one) into `rows` when `keep`, else drops it.
// `failed` is set when the server or the connection failed instead.
Driven take_result(MYSQL* mysql, Clock::time_point deadline, Rows* keep, bool& failed) {
  if (mysql_field_count(mysql) == 0) return Driven::Done;
  MYSQL_RES* result = nullptr;
  const Driven driven = drive(
      mysql, deadline, [&] { return mysql_store_result_start(&result, mysql); },
      [&](int ready) { return mysql_store_result_cont(&result, mysql, ready); });
  if (driven == Driven::Done && result == nullptr) failed = true;
  if (result != nullptr) {
    if (driven == Driven::Done && keep != nullptr) read_rows(result, *keep);
    mysql_free_result(result);
  }
  return driven;
}

// The errno Connector/C appends to a client error as " (N)"; 0 when there is none.
int trailing_errno(const std::string& message) {
  const auto open = message.rfind('(');
  if (open == std::string::npos || message.back() != ')') return 0;
  return std::atoi(message.c_str() + open + 1);
}

constexpr int kLeakedHandlesError = 64;
std::atomic<int> leaked_handles{0};

}  // namespace

struct Session::Handle {
  MYSQL mysql;
  bool stuck = false;  // see drive(): never touched again, leaked rather than closed
};

namespace {

// A handle suspended inside the library (Driven::Stuck): it must never be resumed or freed.
// Its socket (already shut down) is closed so no descriptor leaks; the memory does.
template <typename Handle>
void leak(std::unique_ptr<Handle> handle) {
  const auto fd = mysql_get_socket(&handle->mysql);
  if (fd >= 0) ::close(fd);
  (void)handle.release();
  const int count = ++leaked_handles;
  if (count == 1) {
    spdlog::warn(
        "mysql: a client call did not end at its deadline even with its socket shut down; its "
        "connection handle is leaked (memory only)");
  } else if (count == kLeakedHandlesError) {
    spdlog::error(
        "mysql: {} connection handles leaked so far; restart the watchdog to reclaim "
        "their memory",
        count);
  }
}

}  // namespace

std::string redact(std::string text, const std::optional<std::string>& password) {
  if (!password || password->size() < 4) return text;
  const std::string& secret = *password;
  for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + 3)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

Outcome error_outcome(unsigned code, const std::string& raw_message,
                      const std::optional<std::string>& password) {
  return {classify_error(code, raw_message), code, redact(raw_message, password)};
}

Failure classify_error(unsigned code, const std::string& message) {
  switch (code) {
    case 0:
      return Failure::None;
    case 1044:  // ER_DBACCESS_DENIED_ERROR
    case 1045:  // ER_ACCESS_DENIED_ERROR
    case 1130:  // ER_HOST_NOT_PRIVILEGED
    case 1251:  // ER_NOT_SUPPORTED_AUTH_MODE
    case 1698:  // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
    case 1820:  // ER_MUST_CHANGE_PASSWORD (expired, sandbox mode)
    case 1862:  // ER_MUST_CHANGE_PASSWORD_LOGIN
    case 3118:  // ER_ACCOUNT_HAS_BEEN_LOCKED (MySQL)
    case 4151:  // ER_ACCOUNT_HAS_BEEN_LOCKED (MariaDB)
      return Failure::Auth;
    case 1049:  // ER_BAD_DB_ERROR
      return Failure::UnknownDatabase;
    case 1040:  // ER_CON_COUNT_ERROR
    case 1203:  // ER_TOO_MANY_USER_CONNECTIONS (max_user_connections)
    case 1226:  // ER_USER_LIMIT_REACHED (the account's MAX_USER_CONNECTIONS …)
      return Failure::TooManyConnections;
    case 1129:  // ER_HOST_IS_BLOCKED
      return Failure::HostBlocked;
    case 2001:  // CR_SOCKET_CREATE_ERROR (unix socket)
    case 2004:  // CR_IPSOCK_ERROR (TCP): socket() failed, the errno in "(N)"
      return is_local_exhaustion(trailing_errno(message)) ? Failure::LocalResource
                                                          : Failure::ConnectionError;
    case 2008:  // CR_OUT_OF_MEMORY: the client library's own allocation
      return Failure::LocalResource;
    case 2002:  // CR_CONNECTION_ERROR (unix socket)
    case 2003:  // CR_CONN_HOST_ERROR (TCP): "… (111)" is ECONNREFUSED, "(2)" a missing socket
      if (message.find("(111)") != std::string::npos || message.find("(2)") != std::string::npos)
        return Failure::Refused;
      return Failure::ConnectionError;
    default:
      return code >= 2000 && code < 3000 ? Failure::ConnectionError : Failure::ServerError;
  }
}

Session::Session(Endpoint endpoint) : endpoint_(std::move(endpoint)) {}

Session::~Session() { close(); }

Outcome Session::connect(Clock::time_point deadline) {
  close();
  deadline_ = deadline;
  handle_ = std::make_unique<Handle>();
  MYSQL* mysql = &handle_->mysql;
  if (mysql_init(mysql) == nullptr) {
    handle_.reset();
    return {Failure::LocalResource, 0, "out of memory"};
  }
  const unsigned int seconds = seconds_left(deadline);
  const unsigned int tcp = MYSQL_PROTOCOL_TCP;
  const unsigned int no = 0;
  mysql_options(mysql, MYSQL_OPT_NONBLOCK, nullptr);
  mysql_options(mysql, MYSQL_OPT_CONNECT_TIMEOUT, &seconds);
  mysql_options(mysql, MYSQL_OPT_READ_TIMEOUT, &seconds);
  mysql_options(mysql, MYSQL_OPT_WRITE_TIMEOUT, &seconds);
  mysql_options(mysql, MYSQL_OPT_LOCAL_INFILE, &no);
  if (endpoint_.host != "localhost") mysql_options(mysql, MYSQL_OPT_PROTOCOL, &tcp);
  MYSQL* connected = nullptr;
  const char* password = endpoint_.password ? endpoint_.password->c_str() : nullptr;
  const char* database = endpoint_.database ? endpoint_.database->c_str() : nullptr;
  const Driven driven = drive(
      mysql, deadline,
      [&] {
        return mysql_real_connect_start(
            &connected, mysql, endpoint_.host.c_str(), endpoint_.user.c_str(), password, database,
            static_cast<unsigned int>(endpoint_.port), nullptr, CLIENT_MULTI_RESULTS);
      },
      [&](int ready) { return mysql_real_connect_cont(&connected, mysql, ready); });
  if (driven != Driven::Done) {
    handle_->stuck = driven == Driven::Stuck;
    return timed_out();
  }
  if (connected == nullptr) {
    Outcome outcome = last_error();
    close();
    return outcome;
  }
  connected_ = true;
  return {};
}

Outcome Session::query(const std::string& statement, Clock::time_point deadline, Rows& rows) {
  rows = {};
  if (!connected_) return {Failure::ConnectionError, 0, "not connected"};
  deadline_ = deadline;
  MYSQL* mysql = &handle_->mysql;
  int query_failed = 0;
  Driven driven = drive(
      mysql, deadline,
      [&] {
        return mysql_real_query_start(&query_failed, mysql, statement.data(), statement.size());
      },
      [&](int ready) { return mysql_real_query_cont(&query_failed, mysql, ready); });
  bool failed = driven == Driven::Done && query_failed != 0;
  // Every result, the first kept: a CALL leaves one per SELECT and a status after them.
  for (bool first = true; driven == Driven::Done && !failed; first = false) {
    driven = take_result(mysql, deadline, first ? &rows : nullptr, failed);
    if (driven != Driven::Done || failed || !mysql_more_results(mysql)) break;
    int next = 0;  // 0: another result, -1: none, > 0: an error
    driven = drive(
        mysql, deadline, [&] { return mysql_next_result_start(&next, mysql); },
        [&](int ready) { return mysql_next_result_cont(&next, mysql, ready); });
    failed = driven == Driven::Done && next > 0;
    if (next < 0) break;
  }
  if (driven != Driven::Done) {
    handle_->stuck = driven == Driven::Stuck;
    return timed_out();
  }
  if (failed) {
    Outcome outcome = last_error();
    if (outcome.failure != Failure::ServerError) close();  // the connection itself broke
    return outcome;
  }
  return {};
}

void Session::close() noexcept {
  if (!handle_) return;
  bool stuck = handle_->stuck;
  if (!stuck && connected_) {
    // COM_QUIT (the server frees its thread at once), within the caller's deadline: briefly
    // when time is left, a bare send without waiting when none is.
    MYSQL* mysql = &handle_->mysql;
    stuck = drive(
                mysql, std::min(deadline_, Clock::now() + std::chrono::milliseconds(200)),
                [&] { return mysql_close_start(mysql); },
                [&](int ready) { return mysql_close_cont(mysql, ready); }) == Driven::Stuck;
  } else if (!stuck) {
    mysql_close(&handle_->mysql);  // no connection: nothing to send
  }
  if (stuck) {
    leak(std::move(handle_));
  } else {
    handle_.reset();
  }
  connected_ = false;
}

Outcome Session::last_error() const {
  MYSQL* mysql = &handle_->mysql;
  return error_outcome(mysql_errno(mysql), mysql_error(mysql), endpoint_.password);
}

Outcome Session::timed_out() {
  close();
  return {Failure::Timeout, 0, "no answer in time"};
}

}  // namespace watchdog::probes::mysql
