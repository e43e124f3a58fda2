// The dispatcher's sender threads: take the oldest pending row of a sink that is free and due,
// send it, record the answer in the outbox, then update the sink's queue and the metrics.
#include <spdlog/spdlog.h>

#include "watchdog/alerts/dispatcher_internal.h"
#include "watchdog/alerts/retry_policy.h"
#include "watchdog/logging.h"
#include "watchdog/thread_name.h"

namespace watchdog::alerts {
namespace {

using logging::kv;

// Sends one row and judges the answer; never throws.
Judgement deliver(const Provider& provider, const OutboxEntry& row, std::chrono::seconds age,
                  double jitter) {
  try {
    const auto event = from_json(nlohmann::json::parse(row.payload));
    const auto response = probes::perform(provider.format(event));
    return judge(provider, response, row.attempts + 1, age, jitter);
  } catch (const std::exception& error) {
    return {DeliveryVerdict::Failed, milliseconds(0),
            std::string("unusable event: ") + error.what()};
  }
}

void record(Outbox& outbox, const OutboxEntry& row, const Judgement& judgement, OutboxTime now) {
  try {
    switch (judgement.verdict) {
      case DeliveryVerdict::Delivered:
        outbox.mark_delivered(row.id, now, judgement.detail);
        break;
      case DeliveryVerdict::Retry:
        outbox.reschedule(row.id, now + judgement.wait, row.attempts + 1, judgement.detail);
        break;
      case DeliveryVerdict::Failed:
        outbox.mark_failed(row.id, now, "failed", judgement.detail);
        break;
      case DeliveryVerdict::Expired:
        outbox.mark_failed(row.id, now, "expired", judgement.detail);
        break;
    }
  } catch (const std::exception& error) {
    // The row stays as it was on disk: a delivered one is sent again after a restart.
    spdlog::error("alert_outbox_update_failed {} {}", kv("key", row.key),
                  kv("error", error.what()));
  }
}

void log_outcome(const Provider& provider, const OutboxEntry& row, const Judgement& judgement) {
  const auto fields = kv("alert", provider.name()) + " " + kv("component", row.component) + " " +
                      kv("state", row.state) + " " + kv("key", row.key) + " " +
                      kv("attempt", std::to_string(row.attempts + 1)) + " " +
                      kv("result", judgement.detail);
  switch (judgement.verdict) {
    case DeliveryVerdict::Delivered:
      spdlog::info("alert_sent {}", fields);
      break;
    case DeliveryVerdict::Retry:
      spdlog::warn("alert_retry {} {}", fields,
                   kv("wait_ms", std::to_string(judgement.wait.count())));
      break;
    case DeliveryVerdict::Failed:
      spdlog::error("alert_failed {} permanent=true", fields);
      break;
    case DeliveryVerdict::Expired:
      spdlog::error("alert_expired {}", fields);
      break;
  }
}

}  // namespace

void Dispatcher::sender_loop(std::shared_ptr<Shared> shared) {
  name_this_thread("wd-alert-send");
  auto& s = *shared;
  std::unique_lock lock(s.mutex);
  while (!s.stopping) {
    // The ready sink that has waited longest; else sleep until the next one is due.
    std::shared_ptr<Sink> sink;
    auto next_due = Steady::time_point::max();
    for (auto& [name, candidate] : s.sinks) {
      if (candidate->busy || candidate->queue.empty()) continue;
      if (candidate->not_before <= Steady::now()) {
        if (!sink || candidate->not_before < sink->not_before) sink = candidate;
      } else {
        next_due = std::min(next_due, candidate->not_before);
      }
    }
    if (!sink) {
      if (next_due == Steady::time_point::max()) {
        s.wake.wait(lock);
      } else {
        s.wake.wait_until(lock, next_due);
      }
      continue;
    }
    sink->busy = true;
    const OutboxEntry row = sink->queue.front();
    const auto provider = sink->provider;
    const double jitter = s.jitter();
    const auto age = std::chrono::duration_cast<std::chrono::seconds>(s.now() - row.created);
    lock.unlock();

    auto judgement = deliver(*provider, row, age, jitter);
    // Never faster than the sink's rate limit, whatever Retry-After said.
    judgement.wait = std::max(judgement.wait, provider->policy().min_spacing);
    // Recorded even when stop() gave up on this send: the outbox outlives the dispatcher.
    record(*s.outbox, row, judgement, s.now());

    lock.lock();
    if (s.metrics == nullptr) return;  // abandoned by stop(): touch nothing else
    log_outcome(*provider, row, judgement);
    s.metrics->count_alert(provider->name(), to_string(judgement.verdict));
    sink->busy = false;
    if (judgement.verdict == DeliveryVerdict::Retry) {
      sink->queue.front().attempts = row.attempts + 1;
      sink->not_before = Steady::now() + judgement.wait;
    } else {
      sink->queue.pop_front();
      sink->not_before = Steady::now() + provider->policy().min_spacing;
    }
    s.publish_pending(*sink);
    s.wake.notify_all();
    if (judgement.verdict == DeliveryVerdict::Failed ||
        judgement.verdict == DeliveryVerdict::Expired) {
      lock.unlock();
      s.publish_failed();
      lock.lock();
    }
  }
  --s.running;
  s.wake.notify_all();
}

}  // namespace watchdog::alerts
