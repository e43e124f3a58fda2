#pragma once
// Delivers alert events to every provider. Each provider has its own queue and sender thread,
// so a sink that is down or hangs delays nothing else: submit() only enqueues. Failed sends are
// retried with doubling back-off (Retry-After honoured, capped at 60 s) up to the provider's
// max_retries; a permanent failure (4xx other than 408/429) is not retried.
//
// Events live in memory until delivered: the durable outbox (SQLite) is issue #6.
// Thread-safety: all methods may be called from any thread.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "watchdog/alerts/provider.h"
#include "watchdog/metrics.h"

namespace watchdog::alerts {

class Dispatcher {
 public:
  explicit Dispatcher(core::Metrics& metrics);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Starts a sender per provider. On reload, events still queued for a provider of the same
  // name move to its replacement; a removed provider's queue is dropped with a log line.
  void set_providers(std::vector<std::shared_ptr<Provider>> providers);
  void submit(const AlertEvent& event);
  // Stops the senders, giving queued events up to `flush_limit` to go out.
  void stop(std::chrono::milliseconds flush_limit);

 private:
  struct Sink;
  void send_loop(Sink& sink);

  core::Metrics& metrics_;
  std::mutex mutex_;  // guards sinks_
  std::vector<std::shared_ptr<Sink>> sinks_;
};

}  // namespace watchdog::alerts
