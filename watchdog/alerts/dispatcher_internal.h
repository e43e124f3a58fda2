#pragma once
// The dispatcher's shared state (dispatcher.cpp: queueing and reminders; sender.cpp: the
// sender threads). Every field is guarded by `mutex`; the outbox has its own lock and is only
// ever called with or without `mutex` held, never the other way round.

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "watchdog/alerts/dispatcher.h"

namespace watchdog::alerts {

using Steady = std::chrono::steady_clock;

struct Dispatcher::Sink {
  std::shared_ptr<Provider> provider;
  std::deque<OutboxEntry> queue;  // pending rows, oldest first
  bool busy = false;              // a sender is delivering the head
  Steady::time_point not_before{};
  // Reminders: event id → whether this sink got that transition, and the due time of the
  // last reminder queued (a cache: the outbox's unique keys are the truth).
  struct Mark {
    bool received = false;
    OutboxTime last_due{};
  };
  std::map<std::string, Mark> reminded;
};

struct Dispatcher::Shared {
  core::Metrics* metrics = nullptr;  // null once stop() gave up on a sender
  std::shared_ptr<Outbox> outbox;
  DispatcherOptions options;
  std::mutex mutex;
  std::condition_variable wake;
  std::map<std::string, std::shared_ptr<Sink>> sinks;
  // Sinks a reload removed, kept so that re-adding one resumes its queue (and a send it may
  // still have in flight) instead of loading its rows a second time.
  std::map<std::string, std::shared_ptr<Sink>> retired;
  std::vector<std::thread> threads;
  int running = 0;
  bool stopping = false;
  std::mt19937_64 random;
  // Known without reading the outbox back (also when a write to it failed):
  std::map<std::string, AlertEvent> remembered;              // event id → its event
  std::set<std::pair<std::string, std::string>> alerted;     // (sink, incident id) queued
  OutboxTime last_prune{};
  // Finished rows are kept this long: a week, or the journal's retention when shorter.
  std::chrono::milliseconds keep_finished{std::chrono::hours(24 * 7)};

  OutboxTime now() const { return options.clock(); }
  double jitter() { return std::uniform_real_distribution<double>(0.0, 1.0)(random); }
  // Under `mutex`.
  void publish_pending(const Sink& sink) {
    if (metrics == nullptr) return;
    metrics->set_alerts_pending(sink.provider->name(), static_cast<double>(sink.queue.size()));
  }
  // Reads the outbox: call without `mutex`.
  void publish_failed();
};

}  // namespace watchdog::alerts
