#include "probes/clients/pq_session.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <regex>
#include <string_view>

#include "probes/clients/api_transport.h"
#include "probes/clients/failure_kind.h"

namespace watchdog::probes::pq {

std::string quoted(const std::string& value) {
  std::string out = "'";
  for (char c : value) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

std::string with_parameter(const std::string& conninfo, bool uri, const std::string& key,
                           const std::string& value) {
  if (uri) {
    return conninfo + (conninfo.find('?') == std::string::npos ? "?" : "&") + key + "=" +
           url_encode(value);
  }
  return conninfo + " " + key + "=" + quoted(value);
}

Deadline::Deadline(std::chrono::steady_clock::time_point deadline)
    : thread_([this, deadline] {
        std::unique_lock lock(mutex_);
        if (!wake_.wait_until(lock, deadline, [this] { return done_; })) {
          expired_ = true;
          if (socket_ >= 0) shutdown(socket_, SHUT_RDWR);
        }
      }) {}

Deadline::~Deadline() {
  {
    std::lock_guard lock(mutex_);
    done_ = true;
  }
  wake_.notify_all();
  thread_.join();
  if (socket_ >= 0) close(socket_);
}

void Deadline::watch(int socket) {
  std::lock_guard lock(mutex_);
  if (socket_ >= 0) close(socket_);
  socket_ = socket >= 0 ? dup(socket) : -1;
  if (expired_ && socket_ >= 0) shutdown(socket_, SHUT_RDWR);
}

bool Deadline::expired() {
  std::lock_guard lock(mutex_);
  return expired_;
}

namespace {

std::string connection_string(const std::string& conninfo, bool uri, const std::string& application,
                              std::chrono::milliseconds timeout) {
  const auto seconds = std::max<long long>(1, (timeout.count() + 999) / 1000);
  return with_parameter(with_parameter(conninfo, uri, "connect_timeout", std::to_string(seconds)),
                        uri, "application_name", application);
}

}  // namespace

Session::Session(const std::string& conninfo, bool uri, const std::string& application,
                 std::chrono::milliseconds timeout)
    : connection_(connection_string(conninfo, uri, application, timeout)) {}

Session::~Session() = default;

std::unique_ptr<pqxx::nontransaction> Session::begin(
    Deadline& deadline, std::optional<std::chrono::milliseconds> statement_timeout,
    std::optional<std::chrono::milliseconds> lock_timeout) {
  deadline.watch(connection_.sock());
  auto tx = std::make_unique<pqxx::nontransaction>(connection_);
  std::string set;
  if (statement_timeout && *statement_timeout != statement_timeout_) {
    set += "SET statement_timeout = " + std::to_string(statement_timeout->count()) + ";";
  }
  if (lock_timeout && *lock_timeout != lock_timeout_) {
    set += "SET lock_timeout = " + std::to_string(lock_timeout->count()) + ";";
  }
  if (!set.empty()) {
    tx->exec(set);
    if (statement_timeout) statement_timeout_ = *statement_timeout;
    if (lock_timeout) lock_timeout_ = *lock_timeout;
    deadline.watch(connection_.sock());  // the handshake may have replaced the socket
  }
  return tx;
}

int Session::backend_pid() const { return connection_.backendpid(); }

bool names_local_exhaustion(const std::string& message) {
  std::string_view line(message);
  line = line.substr(0, line.find('\n'));
  if (auto at = line.find(" failed: ");
      line.starts_with("connection to server") && at != line.npos) {
    line = line.substr(at + 9);
  }
  // libpq 15's wording (fe-connect.c, fe-misc.c); translated messages are not recognised.
  if (line.starts_with("out of memory")) return true;
  return line.starts_with("could not create socket: ") && ends_with_local_exhaustion(line);
}

std::string error_line(const std::string& message, const std::vector<std::string>& secrets) {
  std::string line = message.substr(0, message.find('\n'));
  if (auto at = line.find(" failed: ");
      line.rfind("connection to server", 0) == 0 && at != std::string::npos) {
    line = line.substr(at + 9);
  }
  line = std::regex_replace(line, std::regex(R"(^(FATAL|ERROR):\s+)"), "");
  line = std::regex_replace(line, std::regex(R"(password\s*=\s*('([^'\\]|\\.)*'|\S+))"),
                            "password=***");
  line = std::regex_replace(line, std::regex(R"(://[^@\s]*@)"), "://***@");
  for (const std::string& secret : secrets) {
    for (auto at = secret.empty() ? std::string::npos : line.find(secret); at != std::string::npos;
         at = line.find(secret, at)) {
      line.replace(at, secret.size(), "***");
    }
  }
  return line;
}

}  // namespace watchdog::probes::pq
