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

using SteadyClock = std::chrono::steady_clock;

class Fd {  // closes on every path out
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

struct AddrinfoDeleter {
  void operator()(addrinfo* list) const { freeaddrinfo(list); }
};
using Addresses = std::unique_ptr<addrinfo, AddrinfoDeleter>;

// getaddrinfo() status; `numeric_only`: never ask the resolver (EAI_NONAME for a name).
int resolve(const TcpProbe::Settings& settings, bool numeric_only, Addresses& addresses) {
  const std::string service = std::to_string(settings.port);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  int status = ::getaddrinfo(settings.host.c_str(), service.c_str(), &hints, &found);
  if (status == EAI_NONAME && !numeric_only) {  // not a numeric address: ask the resolver
    hints.ai_flags = AI_NUMERICSERV;
    status = ::getaddrinfo(settings.host.c_str(), service.c_str(), &hints, &found);
  }
  addresses.reset(found);
  return status;
}

// Opens a non-blocking socket into `fd` and connects: 0 connected, EINPROGRESS pending, else
// the errno that ended the attempt.
int start_connect(const addrinfo& address, Fd& fd) {
  fd.reset(::socket(address.ai_family, address.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    address.ai_protocol));
  if (fd.get() < 0) return errno;
  if (::connect(fd.get(), address.ai_addr, address.ai_addrlen) == 0) return 0;
  return errno;
}

int socket_error(int fd) {
  int error = 0;
  socklen_t length = sizeof(error);
  if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) return errno;
  if (error != 0) return error;
  // SO_ERROR is also 0 while the connect is still in progress (a caller that could not wait
  // for it): only a peer address proves the connection.
  sockaddr_storage peer{};
  socklen_t peer_length = sizeof(peer);
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_length) != 0) {
    return errno == ENOTCONN ? EINPROGRESS : errno;
  }
  return 0;
}

// 0 on success, else the errno that ended the attempt (ETIMEDOUT when the deadline passed).
int try_connect(const addrinfo& address, SteadyClock::time_point deadline) {
  Fd fd;
  const int started = start_connect(address, fd);
  if (started != EINPROGRESS) return started;
  while (true) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
    if (left.count() <= 0) return ETIMEDOUT;
    pollfd waiting{fd.get(), POLLOUT, 0};
    int ready = ::poll(&waiting, 1, static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) return errno;
    if (ready == 0) return ETIMEDOUT;
    return socket_error(fd.get());
  }
}

// The latency and the measurement every result carries.
ProbeResult timed(ProbeResult result, SteadyClock::time_point start) {
  result.latency = SteadyClock::now() - start;
  result.measurements.push_back(
      {"tcp_connect_seconds", std::chrono::duration<double>(result.latency).count()});
  return result;
}

}  // namespace

// One check on the event loop: the addresses are tried in turn, as try_connect() does, with
// the wait for each connect handed to the loop. Owned by its pending wait callback.
struct TcpProbe::AsyncConnect : std::enable_shared_from_this<AsyncConnect> {
  const TcpProbe* probe;
  AsyncIo* io;
  Addresses addresses;
  const addrinfo* next = nullptr;
  SteadyClock::time_point start;
  std::chrono::milliseconds timeout;
  Done done;
  int error = ETIMEDOUT;  // of the latest attempt (ETIMEDOUT when there was none)

  void try_next() {
    while (next != nullptr) {
      const addrinfo& address = *next;
      next = next->ai_next;
      auto fd = std::make_shared<Fd>();
      error = start_connect(address, *fd);
      if (error == 0 || error == ETIMEDOUT) return end();
      if (error != EINPROGRESS) continue;
      io->wait(fd->get(), POLLOUT, start + timeout, [self = shared_from_this(), fd](bool ready) {
        self->error = ready ? socket_error(fd->get()) : ETIMEDOUT;
        fd->reset();
        // The deadline is shared: a timeout leaves no time for the other addresses.
        if (self->error == 0 || self->error == ETIMEDOUT) return self->end();
        self->try_next();
      });
      return;
    }
    end();
  }
  void end() { done(timed(probe->judge(error, start, timeout), start)); }
};

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
    : GuardedProbe(std::move(name)), settings_(std::move(settings)) {}

std::string TcpProbe::target() const {
  return settings_.host + ":" + std::to_string(settings_.port);
}

ProbeResult TcpProbe::check_once(std::chrono::milliseconds timeout) {
  const auto start = SteadyClock::now();
  return timed(connect_once(start, timeout), start);
}

bool TcpProbe::start_check(AsyncIo& io, std::chrono::milliseconds timeout, Done done) noexcept {
  const auto start = SteadyClock::now();
  try {
    auto connect = std::make_shared<AsyncConnect>();
    const int status = resolve(settings_, true, connect->addresses);
    if (status == EAI_NONAME) return false;  // a name: the resolver may block, needs a thread
    connect->probe = this;
    connect->io = &io;
    connect->next = connect->addresses.get();
    connect->start = start;
    connect->timeout = timeout;
    connect->done = std::move(done);
    if (status != 0) {
      connect->done(timed(unhealthy(FailureKind::Error, "cannot resolve " + settings_.host + ": " +
                                                            ::gai_strerror(status)),
                          start));
    } else {
      connect->try_next();
    }
  } catch (...) {
    return false;  // nothing was started: the caller runs check() instead
  }
  return true;
}

ProbeResult TcpProbe::connect_once(SteadyClock::time_point start,
                                   std::chrono::milliseconds timeout) const {
  Addresses addresses;
  const int status = resolve(settings_, false, addresses);
  if (status != 0) {
    return unhealthy(FailureKind::Error,
                     "cannot resolve " + settings_.host + ": " + ::gai_strerror(status));
  }
  int error = ETIMEDOUT;
  for (const addrinfo* address = addresses.get(); address != nullptr; address = address->ai_next) {
    error = try_connect(*address, start + timeout);
    if (error == 0 || error == ETIMEDOUT) break;  // the deadline is shared: no time for others
  }
  return judge(error, start, timeout);
}

ProbeResult TcpProbe::judge(int error, SteadyClock::time_point start,
                            std::chrono::milliseconds timeout) const {
  if (error == 0) {
    auto elapsed =
        std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start);
    return healthy("connected to " + target() + " in " + std::to_string(elapsed.count()) + " ms");
  }
  if (is_local_exhaustion(error)) {
    return local_exhaustion("cannot connect to " + target() + ": " +
                            std::generic_category().message(error));
  }
  if (error == ECONNREFUSED) {
    return unhealthy(FailureKind::Refused, target() + ": connection refused");
  }
  if (error == ETIMEDOUT) {
    return unhealthy(FailureKind::Timeout,
                     target() + ": no connection within " + config::format_duration(timeout));
  }
  return unhealthy(FailureKind::Error, target() + ": " + std::generic_category().message(error));
}

}  // namespace watchdog::probes
