#include "watchdog/http/connection_front.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "watchdog/http/connection_stream.h"
#include "watchdog/thread_name.h"

namespace watchdog::core {
namespace {

using Clock = std::chrono::steady_clock;

constexpr auto kSweepEvery = std::chrono::milliseconds(250);
// A head this long without its blank line is refused on the epoll thread: handed to a worker,
// cpp-httplib 0.11 would read on (it checks a line's length only at its end and does not
// count headers) and hold that worker until the request deadline.
constexpr std::size_t kMaxGatheredHead = 16 * 1024;
constexpr std::string_view kHeadTooLarge =
    "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n"
    "Content-Length: 0\r\n\r\n";

thread_local bool close_requested = false;  // set by a handler of the current request

int listen_on(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string service = std::to_string(port);
  if (::getaddrinfo(host.empty() ? nullptr : host.c_str(), service.c_str(), &hints, &found) != 0) {
    return -1;
  }
  int fd = -1;
  for (addrinfo* at = found; at != nullptr && fd < 0; at = at->ai_next) {
    fd = ::socket(at->ai_family, at->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, at->ai_protocol);
    if (fd < 0) continue;
    const int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    if (::bind(fd, at->ai_addr, at->ai_addrlen) != 0 || ::listen(fd, SOMAXCONN) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(found);
  return fd;
}

}  // namespace

void close_connection_after_response() { close_requested = true; }

struct ConnectionFront::Core {
  struct Connection {
    Connection(int fd, std::chrono::milliseconds write_timeout) : stream(fd, write_timeout) {}
    ConnectionStream stream;
    Clock::time_point idle_since = Clock::now();
    // The first bytes of a head still being gathered arrived then: it must be whole within
    // request_timeout, as when a worker read it.
    std::optional<Clock::time_point> partial_since;
    // The first byte of the head the worker is handed: its request's deadline counts from it.
    Clock::time_point head_since{};
    int requests = 0;
    bool busy = false;  // a worker holds it; only that worker closes or re-arms it
  };

  Core(Serve s, FrontLimits l) : serve(std::move(s)), limits(l) {}

  Serve serve;
  FrontLimits limits;
  int listen_fd = -1;
  int epoll_fd = -1;
  int wake_fd = -1;
  int spare_fd = -1;  // given up to accept-and-close when descriptors run out
  bool listener_paused = false;  // poll thread only
  int bound_port = 0;
  std::thread poller;
  std::vector<std::thread> workers;

  std::mutex mutex;  // guards everything below
  std::condition_variable work_ready;
  std::unordered_map<int, std::unique_ptr<Connection>> open;  // by fd
  std::deque<Connection*> ready;
  bool stopping = false;

  std::atomic<std::size_t> accepted{0};
  std::atomic<std::size_t> evicted{0};
  std::atomic<std::size_t> timed_out{0};
  std::atomic<std::size_t> open_count{0};

  // Caller holds `mutex`; `connection` is not busy or is the caller's own.
  void close_locked(Connection* connection) {
    const int fd = connection->stream.socket();
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
    auto node = open.extract(fd);
    open_count = open.size();  // counted before the peer can see the close
    node.mapped().reset();     // closes the socket
  }

  void arm_locked(Connection* connection, int op) {
    epoll_event event{};
    event.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
    event.data.fd = connection->stream.socket();
    if (::epoll_ctl(epoll_fd, op, event.data.fd, &event) != 0) close_locked(connection);
  }

  // At the cap: the longest-idle connection makes room; false when every one is busy.
  bool evict_one_locked() {
    Connection* oldest = nullptr;
    for (auto& [fd, connection] : open) {
      if (!connection->busy && (oldest == nullptr || connection->idle_since < oldest->idle_since)) {
        oldest = connection.get();
      }
    }
    if (oldest == nullptr) return false;
    ++evicted;
    close_locked(oldest);
    return true;
  }

  void accept_all() {
    while (true) {
      const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR) continue;
        if (errno == EMFILE || errno == ENFILE) {
          if (spare_fd >= 0) {
            refuse_one();
          } else {
            pause_listener();  // level-triggered: it would wake us at once, forever
          }
        }
        return;  // EAGAIN: the queue is empty
      }
      const int yes = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &yes, sizeof(yes));
      std::lock_guard lock(mutex);
      if (open.size() >= limits.max_connections && !evict_one_locked()) {
        ::close(fd);
        ++evicted;
        continue;
      }
      auto connection = std::make_unique<Connection>(fd, limits.write_timeout);
      Connection* raw = connection.get();
      open.emplace(fd, std::move(connection));
      open_count = open.size();
      ++accepted;
      arm_locked(raw, EPOLL_CTL_ADD);
    }
  }

  // Out of descriptors: the spare one lets us take the connection off the queue and close it,
  // rather than leave the listener readable forever (a busy loop) and the client hanging.
  void refuse_one() {
    ::close(spare_fd);
    const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd >= 0) ::close(fd);
    ++evicted;
    spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  }

  // Out of descriptors with no spare left: the listener is not watched until the next sweep.
  void pause_listener() {
    epoll_event event{};
    event.data.fd = listen_fd;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, listen_fd, &event);
    listener_paused = true;
  }

  void resume_listener() {
    if (spare_fd < 0) spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (!listener_paused) return;
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = listen_fd;
    ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, listen_fd, &event);
    listener_paused = false;
  }

  void sweep_idle(Clock::time_point now) {
    std::lock_guard lock(mutex);
    std::vector<Connection*> stale;
    for (auto& [fd, connection] : open) {
      if (connection->busy) continue;
      // Part of a head is here: the request's deadline applies, not the idle timeout.
      const bool stale_now = connection->partial_since
                                 ? now - *connection->partial_since >= limits.request_timeout
                                 : now - connection->idle_since >= limits.idle_timeout;
      if (stale_now) stale.push_back(connection.get());
    }
    timed_out += stale.size();  // counted before the peers can see the close
    for (Connection* connection : stale) close_locked(connection);
  }

  // Bytes arrived on an idle connection: a worker gets it once its request head is whole, so a
  // client that sends its head a byte at a time holds no worker (only a descriptor, until
  // request_timeout). Caller holds `mutex`; the connection is not busy.
  void take_bytes_locked(Connection* connection) {
    switch (connection->stream.gather(kMaxGatheredHead)) {
      case ConnectionStream::Gathered::Head:
        connection->head_since = connection->partial_since.value_or(Clock::now());
        connection->partial_since.reset();
        connection->busy = true;
        ready.push_back(connection);
        work_ready.notify_one();
        return;
      case ConnectionStream::Gathered::More:
        if (!connection->partial_since && connection->stream.has_buffered()) {
          connection->partial_since = Clock::now();
        }
        arm_locked(connection, EPOLL_CTL_MOD);
        return;
      case ConnectionStream::Gathered::TooLarge:
        connection->stream.refuse(kHeadTooLarge);
        ++timed_out;  // a request that could not become whole: counted with the too-slow ones
        close_locked(connection);
        return;
      case ConnectionStream::Gathered::Closed:
        close_locked(connection);
        return;
    }
  }

  void poll_loop() {
    name_this_thread("wd-http");
    std::vector<epoll_event> events(64);
    auto next_sweep = Clock::now() + kSweepEvery;
    while (true) {
      const int n = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()),
                                 static_cast<int>(kSweepEvery.count()));
      {
        std::lock_guard lock(mutex);
        if (stopping) return;
      }
      // New connections are taken after this batch's events: an eviction while accepting
      // frees a descriptor number that a stale event of this batch could otherwise name.
      bool accept_now = false;
      for (int i = 0; i < n; ++i) {
        const int fd = events[static_cast<std::size_t>(i)].data.fd;
        if (fd == wake_fd) continue;
        if (fd == listen_fd) {
          accept_now = true;
          continue;
        }
        std::lock_guard lock(mutex);
        auto it = open.find(fd);
        if (it == open.end() || it->second->busy) continue;
        take_bytes_locked(it->second.get());
      }
      if (accept_now) accept_all();
      const auto now = Clock::now();
      if (now >= next_sweep) {
        sweep_idle(now);
        resume_listener();
        next_sweep = now + kSweepEvery;
      }
    }
  }

  // Answers requests while whole ones are already here (pipelined); the start of a further one
  // goes back to the epoll thread to be gathered.
  bool serve_connection(Connection& connection) {
    bool keep = true;
    // The first request's time counts from its first byte, gathered on the epoll thread.
    auto started = connection.head_since;
    do {
      ++connection.requests;
      const bool last = connection.requests >= limits.max_requests;
      connection.stream.begin_request(started + limits.request_timeout);
      close_requested = false;
      keep = serve(connection.stream, last) && !last && !close_requested;
      keep = connection.stream.flush() && keep;
      if (connection.stream.timed_out()) ++timed_out;
      started = Clock::now();  // a pipelined next request's head is already here: its turn now
    } while (keep && connection.stream.has_whole_head());
    return keep;
  }

  void work_loop() {
    name_this_thread("wd-http");
    while (true) {
      Connection* connection = nullptr;
      {
        std::unique_lock lock(mutex);
        work_ready.wait(lock, [this] { return stopping || !ready.empty(); });
        if (stopping) return;
        connection = ready.front();
        ready.pop_front();
      }
      const bool keep = serve_connection(*connection);
      std::lock_guard lock(mutex);
      if (!keep || stopping) {
        close_locked(connection);
        continue;
      }
      connection->busy = false;
      connection->idle_since = Clock::now();
      if (connection->stream.has_buffered()) connection->partial_since = connection->idle_since;
      arm_locked(connection, EPOLL_CTL_MOD);
    }
  }
};

ConnectionFront::ConnectionFront(Serve serve, FrontLimits limits)
    : core_(std::make_unique<Core>(std::move(serve), limits)) {}

ConnectionFront::~ConnectionFront() { stop(); }

void ConnectionFront::start(const std::string& host, int port) {
  Core& core = *core_;
  core.listen_fd = listen_on(host, port);
  if (core.listen_fd < 0) {
    throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) +
                             " (address in use or not available)");
  }
  sockaddr_storage address{};
  socklen_t length = sizeof(address);
  ::getsockname(core.listen_fd, reinterpret_cast<sockaddr*>(&address), &length);
  core.bound_port = address.ss_family == AF_INET6
                        ? ntohs(reinterpret_cast<sockaddr_in6&>(address).sin6_port)
                        : ntohs(reinterpret_cast<sockaddr_in&>(address).sin_port);
  core.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  core.wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  core.spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  for (int fd : {core.listen_fd, core.wake_fd}) {
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = fd;
    ::epoll_ctl(core.epoll_fd, EPOLL_CTL_ADD, fd, &event);
  }
  for (std::size_t i = 0; i < core.limits.workers; ++i) {
    core.workers.emplace_back([&core] { core.work_loop(); });
  }
  core.poller = std::thread([&core] { core.poll_loop(); });
}

int ConnectionFront::port() const { return core_->bound_port; }

void ConnectionFront::stop() {
  Core& core = *core_;
  if (!core.poller.joinable()) return;
  {
    std::lock_guard lock(core.mutex);
    core.stopping = true;
    // Workers blocked on a slow client return at once.
    for (auto& [fd, connection] : core.open) {
      if (connection->busy) connection->stream.shut_down();
    }
  }
  const std::uint64_t one = 1;
  [[maybe_unused]] auto written = ::write(core.wake_fd, &one, sizeof(one));
  core.work_ready.notify_all();
  core.poller.join();
  for (auto& worker : core.workers) worker.join();
  core.workers.clear();
  core.ready.clear();
  core.open.clear();
  core.open_count = 0;
  for (int fd : {core.listen_fd, core.epoll_fd, core.wake_fd, core.spare_fd}) {
    if (fd >= 0) ::close(fd);
  }
  core.listen_fd = core.epoll_fd = core.wake_fd = core.spare_fd = -1;
}

FrontCounts ConnectionFront::counts() const {
  return {core_->open_count.load(), core_->accepted.load(), core_->evicted.load(),
          core_->timed_out.load()};
}

}  // namespace watchdog::core
