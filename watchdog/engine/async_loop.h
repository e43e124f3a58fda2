#pragma once
// The event loop of the non-blocking checks: ONE thread waits (epoll) on the sockets of every
// http and tcp check in flight. HTTP goes through libcurl's multi interface, socket API
// (curl_multi_socket_action), so a slow or hung target only holds its own socket and timer;
// tcp connects wait on the same epoll set with their deadlines in a heap.
//
// The multi handle keeps one connection cache and one DNS cache for all checks, so a target
// that allows keep-alive is probed over the connection the previous check left open. The cache
// is capped (a quarter of RLIMIT_NOFILE, at most 4096) so idle connections never starve the
// process of file descriptors.
//
// Thread-safety: submit() from any thread; probes and their callbacks run on the loop thread.

#include <chrono>
#include <functional>
#include <memory>

#include "probes/probe.h"

namespace watchdog::core {

class AsyncLoop {
 public:
  AsyncLoop();   // starts the loop thread; throws std::system_error when epoll is unavailable
  ~AsyncLoop();  // joins it; checks still in flight end without calling back
  AsyncLoop(const AsyncLoop&) = delete;
  AsyncLoop& operator=(const AsyncLoop&) = delete;

  // Starts probe->start_check(timeout) on the loop thread; `done` gets its result there. When
  // the probe declines (its check needs a thread), `declined` runs there instead. The loop keeps
  // `probe` alive until then.
  void submit(std::shared_ptr<probes::Probe> probe, std::chrono::milliseconds timeout,
              probes::Probe::Done done, std::function<void()> declined);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace watchdog::core
