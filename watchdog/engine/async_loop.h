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
// HTTP transfers in flight are capped too (`max_transfers`): beyond it a check waits for a free
// place, first come first served, and its timeout keeps counting from its submission (a check
// starts with what is left of it; waiting_transfers.h). A check that found no place within its
// whole timeout, or that waited and then got no answer in the rest of it, is a LocalResource
// error (Unknown: the watchdog's congestion, never the target's fault). Why: every
// transfer in flight holds an easy handle, a connection and buffers (~14 KB); 10,000 first checks
// at once made a 143 MB peak that glibc kept, and curl's connection cache is searched per new
// transfer, so its cost grew with the transfers in flight. Only more than `max_transfers` hung
// targets at once can delay another HTTP check; tcp checks are not capped.
//
// Thread-safety: submit() from any thread; probes and their callbacks run on the loop thread.

#include <chrono>
#include <functional>
#include <memory>

#include "probes/probe.h"

namespace watchdog::core {

class AsyncLoop {
 public:
  static constexpr std::size_t kDefaultMaxTransfers = 1000;

  // Starts the loop thread; throws std::system_error when epoll is unavailable. The transfer cap
  // is also kept below half of RLIMIT_NOFILE (a transfer holds a socket).
  explicit AsyncLoop(std::size_t max_transfers = kDefaultMaxTransfers);
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
