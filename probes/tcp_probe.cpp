#include "probes/tcp_probe.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <memory>
#include <system_error>

#include "config/units.h"

namespace watchdog::probes {
namespace {

class Fd {  // closes on every path out
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

struct AddrinfoDeleter {
  void operator()(addrinfo* list) const { freeaddrinfo(list); }
};
using Addresses = std::unique_ptr<addrinfo, AddrinfoDeleter>;

// 0 on success, else the errno that ended the attempt (ETIMEDOUT when the deadline passed).
int try_connect(const addrinfo& address, std::chrono::steady_clock::time_point deadline) {
  Fd fd(::socket(address.ai_family, address.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                 address.ai_protocol));
  if (fd.get() < 0) return errno;
  if (::connect(fd.get(), address.ai_addr, address.ai_addrlen) == 0) return 0;
  if (errno != EINPROGRESS) return errno;
  while (true) {
    auto left =
        std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return ETIMEDOUT;
    pollfd waiting{fd.get(), POLLOUT, 0};
    int ready = ::poll(&waiting, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return errno;
    if (ready == 0) return ETIMEDOUT;
    int error = 0;
    socklen_t length = sizeof(error);
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &error, &length) != 0) return errno;
    return error;
  }
}

}  // namespace

std::unique_ptr<Probe> TcpProbe::create(std::string name, config::Options& options) {
  Settings settings;
  settings.host = options.required_string("host");
  if (settings.host.empty()) options.fail("host", "must not be empty");
  auto port = options.integer("port", 1, 65535);
  if (!port) options.fail("port", "is required (1..65535)");
  settings.port = static_cast<int>(*port);
  return std::make_unique<TcpProbe>(std::move(name), std::move(settings));
}

TcpProbe::TcpProbe(std::string name, Settings settings)
    : Probe(std::move(name)), settings_(std::move(settings)) {}

ProbeResult TcpProbe::check(std::chrono::milliseconds timeout) noexcept {
  auto start = std::chrono::steady_clock::now();
  ProbeResult result;
  try {
    result = connect_once(start + timeout, timeout);
  } catch (...) {
    result = unhealthy(FailureKind::Error, "tcp check failed unexpectedly");
  }
  result.latency = std::chrono::steady_clock::now() - start;
  result.measurements.push_back(
      {"tcp_connect_seconds", std::chrono::duration<double>(result.latency).count()});
  return result;
}

ProbeResult TcpProbe::connect_once(std::chrono::steady_clock::time_point deadline,
                                   std::chrono::milliseconds timeout) const {
  auto start = std::chrono::steady_clock::now();
  const std::string target = settings_.host + ":" + std::to_string(settings_.port);
  const std::string service = std::to_string(settings_.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  int status = ::getaddrinfo(settings_.host.c_str(), service.c_str(), &hints, &found);
  if (status == EAI_NONAME) {  // not a numeric address: ask the resolver
    hints.ai_flags = AI_NUMERICSERV;
    status = ::getaddrinfo(settings_.host.c_str(), service.c_str(), &hints, &found);
  }
  Addresses addresses(found);
  if (status != 0) {
    return unhealthy(FailureKind::Error,
                     "cannot resolve " + settings_.host + ": " + ::gai_strerror(status));
  }

  int error = ETIMEDOUT;
  for (const addrinfo* address = addresses.get(); address != nullptr; address = address->ai_next) {
    error = try_connect(*address, deadline);
    if (error == 0) {
      auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - start);
      return healthy("connected to " + target + " in " + std::to_string(elapsed.count()) + " ms");
    }
    if (error == ETIMEDOUT) break;  // the deadline is shared: no time left for the others
  }
  if (error == ECONNREFUSED)
    return unhealthy(FailureKind::Refused, target + ": connection refused");
  if (error == ETIMEDOUT) {
    return unhealthy(FailureKind::Timeout,
                     target + ": no connection within " + config::format_duration(timeout));
  }
  return unhealthy(FailureKind::Error, target + ": " + std::generic_category().message(error));
}

}  // namespace watchdog::probes
