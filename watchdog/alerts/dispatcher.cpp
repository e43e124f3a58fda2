#include "watchdog/alerts/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "watchdog/logging.h"

namespace watchdog::alerts {
namespace {

constexpr std::chrono::milliseconds kMaxRetryDelay{60000};

// Retry-After in seconds (integer form), if the receiver sent one.
std::optional<std::chrono::milliseconds> retry_after(const probes::HttpResponse& response) {
  auto it = response.headers.find("retry-after");
  if (it == response.headers.end()) return std::nullopt;
  try {
    return std::chrono::milliseconds(static_cast<long long>(std::stod(it->second) * 1000));
  } catch (...) {
    return std::nullopt;
  }
}

std::string outcome_text(const probes::HttpResponse& response) {
  if (!response.ok()) return response.error_text;
  return "HTTP " + std::to_string(response.status);
}

}  // namespace

struct Dispatcher::Sink {
  std::shared_ptr<Provider> provider;
  std::mutex mutex;
  std::condition_variable wake;
  std::deque<AlertEvent> queue;
  bool stopping = false;
  bool finished = false;   // the sender thread has returned
  bool abandoned = false;  // stop() gave up waiting: the thread must not touch the dispatcher
  std::chrono::steady_clock::time_point flush_deadline{};
  std::thread thread;
};

Dispatcher::Dispatcher(core::Metrics& metrics) : metrics_(metrics) {}

Dispatcher::~Dispatcher() { stop(std::chrono::milliseconds(0)); }

void Dispatcher::set_providers(std::vector<std::shared_ptr<Provider>> providers) {
  // Held throughout (nothing here blocks), so a submit() during the swap reaches a sink.
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Sink>> old;
  old.swap(sinks_);
  std::vector<std::shared_ptr<Sink>> fresh;
  for (auto& provider : providers) {
    auto sink = std::make_shared<Sink>();
    sink->provider = provider;
    fresh.push_back(std::move(sink));
  }
  // Retire the old senders without waiting for them (one may hang in a send until its HTTP
  // timeout) and hand their queues to the replacements of the same name. An event that was
  // being sent is sent again by the replacement: at least once, deduplicated by its event id.
  for (auto& sink : old) {
    std::deque<AlertEvent> pending;
    {
      std::lock_guard sink_lock(sink->mutex);
      sink->stopping = true;
      sink->abandoned = true;
      pending.swap(sink->queue);
    }
    sink->wake.notify_all();
    sink->thread.detach();  // holds its own reference to the sink; touches nothing else now
    auto match = std::find_if(fresh.begin(), fresh.end(), [&](const auto& s) {
      return s->provider->name() == sink->provider->name();
    });
    if (match != fresh.end()) {
      (*match)->queue = std::move(pending);
    } else if (!pending.empty()) {
      spdlog::warn("alerts_dropped {} {}", logging::kv("alert", sink->provider->name()),
                   logging::kv("count", std::to_string(pending.size())));
    }
  }
  for (auto& sink : fresh) {
    metrics_.set_alerts_pending(sink->provider->name(), static_cast<double>(sink->queue.size()));
    sink->thread = std::thread([this, s = sink] {
      send_loop(*s);
      std::lock_guard done(s->mutex);
      s->finished = true;
      s->wake.notify_all();
    });
  }
  sinks_ = std::move(fresh);
}

void Dispatcher::submit(const AlertEvent& event) {
  std::lock_guard lock(mutex_);
  for (auto& sink : sinks_) {
    {
      std::lock_guard sink_lock(sink->mutex);
      sink->queue.push_back(event);
      metrics_.set_alerts_pending(sink->provider->name(), static_cast<double>(sink->queue.size()));
    }
    sink->wake.notify_one();
  }
}

void Dispatcher::stop(std::chrono::milliseconds flush_limit) {
  std::vector<std::shared_ptr<Sink>> sinks;
  {
    std::lock_guard lock(mutex_);
    sinks.swap(sinks_);
  }
  const auto deadline = std::chrono::steady_clock::now() + flush_limit;
  for (auto& sink : sinks) {
    {
      std::lock_guard lock(sink->mutex);
      sink->stopping = true;
      sink->flush_deadline = deadline;
    }
    sink->wake.notify_all();
  }
  for (auto& sink : sinks) {
    std::unique_lock lock(sink->mutex);
    // A send in progress may hang until its HTTP timeout: never wait past the deadline for it.
    const bool finished = sink->wake.wait_until(lock, deadline + std::chrono::milliseconds(200),
                                                [&] { return sink->finished; });
    if (!sink->queue.empty()) {
      spdlog::warn("alerts_unsent_at_exit {} {}", logging::kv("alert", sink->provider->name()),
                   logging::kv("count", std::to_string(sink->queue.size())));
    }
    sink->abandoned = !finished;
    lock.unlock();
    if (finished) {
      sink->thread.join();
    } else {
      sink->thread.detach();  // holds its own reference to the sink
    }
  }
}

void Dispatcher::send_loop(Sink& sink) {
  const Provider& provider = *sink.provider;
  std::unique_lock lock(sink.mutex);
  while (true) {
    sink.wake.wait(lock, [&] { return sink.stopping || !sink.queue.empty(); });
    if (sink.queue.empty()) return;
    if (sink.stopping && std::chrono::steady_clock::now() >= sink.flush_deadline) return;
    const AlertEvent event = sink.queue.front();
    const auto request = provider.format(event);
    const auto fields = logging::kv("alert", provider.name()) + " " +
                        logging::kv("component", event.component) + " " +
                        logging::kv("to", core::to_string(event.to)) + " " +
                        logging::kv("event_id", event.event_id);
    auto delay = provider.policy().retry_backoff;
    for (int attempt = 0;; ++attempt) {
      lock.unlock();
      const auto response = probes::perform(request);
      lock.lock();
      // Abandoned by stop(): the dispatcher (and its metrics) may be gone; touch nothing.
      if (sink.abandoned) return;
      if (provider.accepted(response)) {
        metrics_.count_alert(provider.name(), "success");
        spdlog::info("alert_sent {} {}", fields, logging::kv("result", outcome_text(response)));
        break;
      }
      const bool retry = provider.retryable(response) && attempt < provider.policy().max_retries;
      metrics_.count_alert(provider.name(), retry ? "retry" : "failure");
      spdlog::warn("{} {} {}", retry ? "alert_retry" : "alert_failed", fields,
                   logging::kv("result", outcome_text(response)));
      if (!retry) break;
      const auto wait = std::min(retry_after(response).value_or(delay), kMaxRetryDelay);
      delay = std::min(delay * 2, kMaxRetryDelay);
      // Stopping mid-retry: the event stays queued (stop() reports it).
      if (sink.wake.wait_for(lock, wait, [&] { return sink.stopping; })) return;
    }
    sink.queue.pop_front();
    metrics_.set_alerts_pending(provider.name(), static_cast<double>(sink.queue.size()));
  }
}

}  // namespace watchdog::alerts
