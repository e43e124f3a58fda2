#pragma once
// The front of the watchdog's HTTP endpoint: one epoll thread owns the listening socket and every
// idle connection; a worker is handed a connection only when a request has arrived on it.
//
// Why not cpp-httplib's own listener: it gives each accepted connection a pool thread that then
// waits for the request, so a handful of idle clients (a port scanner, a proxy's pool, a
// half-open flood) occupied the pool and /healthz waited seconds behind them — long enough for
// a Kubernetes liveness probe to kill the pod — and ~1,000 of them used up the process's file
// descriptors, so the watchdog's own probes failed and it paged about healthy services.
// Here an idle connection costs a file descriptor and a few bytes, never a thread, and so does
// one whose request head is still arriving (the epoll thread gathers heads; a worker gets a
// connection once a whole head is there):
//   - at most `max_connections` are open; at the cap a new connection evicts the longest-idle
//     one (the newest is the one most likely to carry a request), or is closed when none idles;
//   - a connection that sends nothing for `idle_timeout` (before its first request or between
//     keep-alive requests) is closed;
//   - a request must arrive whole within `request_timeout` of its first byte: a head that does
//     not is closed by the epoll thread; a body (read by the worker, after the token check)
//     cannot hold its worker longer than that; a response write gives up after
//     `write_timeout` without progress;
//   - after `max_requests` on one connection it is closed.
// Requests are parsed and routed by cpp-httplib (its routes, pre-routing gate and error pages
// stay as they are); see serve_request in http_server.cpp.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace httplib {
class Stream;
}

namespace watchdog::core {

struct FrontLimits {
  std::size_t max_connections = 512;
  std::size_t workers = 16;
  std::chrono::milliseconds idle_timeout{5000};
  std::chrono::milliseconds request_timeout{10000};
  std::chrono::milliseconds write_timeout{5000};
  int max_requests = 100;
};

// What the front counts, for /metrics (read at any time from any thread).
struct FrontCounts {
  std::size_t open = 0;       // connections open now
  std::size_t accepted = 0;   // since start
  std::size_t evicted = 0;    // closed to make room at the connection cap
  std::size_t timed_out = 0;  // closed by idle_timeout / request_timeout, or a head past 16 KiB
};

// For a request handler (it runs on the worker serving the connection): the connection closes
// once this response is written, whatever the request asked for (e.g. a refused request whose
// body was not read must not have that body parsed as the next request).
void close_connection_after_response();

class ConnectionFront {
 public:
  // Reads one request from `stream`, answers it, and says whether the connection may stay open.
  // `last` = this is the connection's last request (answer with Connection: close).
  using Serve = std::function<bool(httplib::Stream& stream, bool last)>;

  ConnectionFront(Serve serve, FrontLimits limits);
  ~ConnectionFront();
  ConnectionFront(const ConnectionFront&) = delete;
  ConnectionFront& operator=(const ConnectionFront&) = delete;

  // Binds host:port (port 0 = any free port) and starts the epoll thread and the workers.
  // Throws std::runtime_error naming the address when it cannot bind.
  void start(const std::string& host, int port);
  // The port bound (the chosen one when 0 was asked for).
  int port() const;
  // Stops accepting, closes every connection, joins the threads. Idempotent.
  void stop();
  FrontCounts counts() const;

 private:
  struct Core;
  std::unique_ptr<Core> core_;
};

}  // namespace watchdog::core
