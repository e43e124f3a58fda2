#include "watchdog/alerts/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include "watchdog/alerts/retry_policy.h"
#include "watchdog/logging.h"

namespace watchdog::alerts {
namespace {

using Steady = std::chrono::steady_clock;
using logging::kv;

constexpr auto kKeepFinished = std::chrono::hours(24 * 7);
constexpr auto kPruneEvery = std::chrono::hours(1);

// The outbox row of an event (its sink is set by Outbox::enqueue).
OutboxEntry row_for(const AlertEvent& event, OutboxTime now) {
  OutboxEntry entry;
  entry.key = idempotency_key(event);
  entry.component = event.component;
  entry.incident_id = event.incident_id;
  entry.state = std::string(core::to_string(event.to));
  entry.type = event.type;
  entry.payload = dump_json(to_json(event));
  entry.created = now;
  return entry;
}

}  // namespace

struct Dispatcher::Sink {
  std::shared_ptr<Provider> provider;
  std::deque<OutboxEntry> queue;  // pending rows, oldest first
  bool busy = false;              // a sender is delivering the head
  Steady::time_point not_before{};
  // event id → the last reminder number queued (-1: this sink never got that event).
  std::map<std::string, int> reminded;
};

struct Dispatcher::Shared {
  core::Metrics* metrics = nullptr;  // null once stop() gave up on a sender
  std::shared_ptr<Outbox> outbox;
  DispatcherOptions options;
  std::mutex mutex;
  std::condition_variable wake;
  std::map<std::string, std::shared_ptr<Sink>> sinks;
  std::vector<std::thread> threads;
  int running = 0;
  bool stopping = false;
  std::mt19937_64 random;
  std::map<std::string, std::optional<AlertEvent>> remembered;  // event id → its event
  OutboxTime last_prune{};

  OutboxTime now() const { return options.clock(); }
  double jitter() {
    return std::uniform_real_distribution<double>(0.0, 1.0)(random);
  }
  // Under `mutex`.
  void publish_gauges(const Sink& sink) {
    if (metrics == nullptr) return;
    metrics->set_alerts_pending(sink.provider->name(), static_cast<double>(sink.queue.size()));
  }
  void publish_failed() {
    if (metrics == nullptr) return;
    for (const auto& [sink, statuses] : outbox->counts()) {
      int failed = 0;
      for (const auto& [status, count] : statuses) {
        if (status == "failed" || status == "expired") failed += count;
      }
      metrics->set_alerts_failed(sink, failed);
    }
  }
};

Dispatcher::Dispatcher(core::Metrics& metrics, std::shared_ptr<Outbox> outbox,
                       DispatcherOptions options)
    : outbox_(outbox ? std::move(outbox) : Outbox::in_memory()),
      shared_(std::make_shared<Shared>()) {
  shared_->metrics = &metrics;
  shared_->outbox = outbox_;
  if (!options.clock) options.clock = [] { return std::chrono::system_clock::now(); };
  shared_->random.seed(options.seed != 0 ? options.seed : std::random_device{}());
  shared_->options = std::move(options);
}

Dispatcher::~Dispatcher() { stop(std::chrono::milliseconds(0)); }

void Dispatcher::set_providers(std::vector<std::shared_ptr<Provider>> providers) {
  auto& s = *shared_;
  std::lock_guard lock(s.mutex);
  std::map<std::string, std::shared_ptr<Sink>> fresh;
  for (auto& provider : providers) {
    auto existing = s.sinks.find(provider->name());
    std::shared_ptr<Sink> sink;
    if (existing != s.sinks.end()) {
      sink = existing->second;  // keeps its queue; an in-flight send finishes with the old one
    } else {
      sink = std::make_shared<Sink>();
      const auto wall = s.now();
      for (auto& row : s.outbox->pending(provider->name())) sink->queue.push_back(std::move(row));
      if (!sink->queue.empty()) {
        const auto wait = sink->queue.front().next_attempt - wall;
        sink->not_before =
            Steady::now() + std::max(Steady::duration::zero(),
                                     std::chrono::duration_cast<Steady::duration>(wait));
        spdlog::info("alerts_resumed {} {}", kv("alert", provider->name()),
                     kv("pending", std::to_string(sink->queue.size())));
      }
    }
    sink->provider = provider;
    s.publish_gauges(*sink);
    fresh[provider->name()] = sink;
  }
  for (const auto& [name, sink] : s.sinks) {
    if (fresh.count(name) == 0 && !sink->queue.empty()) {
      spdlog::warn("alerts_kept_for_removed_sink {} {}", kv("alert", name),
                   kv("pending", std::to_string(sink->queue.size())));
    }
  }
  s.sinks = std::move(fresh);
  s.publish_failed();
  if (s.threads.empty() && !s.stopping) {
    const int senders = std::max(1, s.options.senders);
    s.running = senders;
    for (int i = 0; i < senders; ++i) s.threads.emplace_back(sender_loop, shared_);
  }
  s.wake.notify_all();
}

std::vector<std::string> Dispatcher::submit(const AlertEvent& event) {
  auto& s = *shared_;
  std::vector<std::string> targets;
  {
    std::lock_guard lock(s.mutex);
    for (const auto& [name, sink] : s.sinks) {
      const bool wanted = event.to == core::State::Healthy
                              ? s.outbox->has_incident(name, event.incident_id)
                              : sink->provider->route().wants(event);
      if (wanted) targets.push_back(name);
    }
  }
  if (targets.empty()) return targets;
  const OutboxEntry entry = row_for(event, s.now());
  std::vector<OutboxEntry> added;
  try {
    added = s.outbox->enqueue(entry, targets);
  } catch (const std::exception& error) {
    // The disk refused: deliver from memory anyway (lost only if we also crash).
    spdlog::error("alert_outbox_write_failed {} {} action=send_from_memory",
                  kv("key", entry.key), kv("error", error.what()));
    for (const auto& name : targets) {
      OutboxEntry row = entry;
      row.sink = name;
      row.status = "pending";
      added.push_back(std::move(row));
    }
  }
  std::lock_guard lock(s.mutex);
  for (auto& row : added) {
    auto it = s.sinks.find(row.sink);
    if (it == s.sinks.end()) continue;  // removed meanwhile: the row waits in the outbox
    auto& queue = it->second->queue;
    // A reload may have loaded this row from the outbox already.
    if (row.id != 0 && std::any_of(queue.begin(), queue.end(),
                                   [&](const OutboxEntry& q) { return q.id == row.id; })) {
      continue;
    }
    if (row.type == "state_change") it->second->reminded.emplace(event.event_id, 0);
    queue.push_back(std::move(row));
    s.publish_gauges(*it->second);
  }
  s.wake.notify_all();
  return targets;
}

void Dispatcher::remind(const std::string& event_id, core::State state) {
  auto& s = *shared_;
  const auto now = s.now();
  std::vector<std::pair<std::string, OutboxEntry>> due;
  {
    std::lock_guard lock(s.mutex);
    if (now - s.last_prune > kPruneEvery) {
      s.last_prune = now;
      try {
        s.outbox->prune(now - kKeepFinished);
      } catch (const std::exception& error) {
        spdlog::warn("alert_outbox_prune_failed {}", kv("error", error.what()));
      }
    }
    auto known = s.remembered.find(event_id);
    if (known == s.remembered.end()) {
      if (s.remembered.size() > 1000) s.remembered.clear();
      std::optional<AlertEvent> event;
      try {
        if (auto payload = s.outbox->payload_of(event_id)) {
          event = from_json(nlohmann::json::parse(*payload));
        }
      } catch (const std::exception& error) {
        spdlog::warn("alert_reminder_unreadable {} {}", kv("key", event_id),
                     kv("error", error.what()));
      }
      known = s.remembered.emplace(event_id, std::move(event)).first;
    }
    if (!known->second) return;  // never alerted (muted, or no sink wanted it)
    const AlertEvent& original = *known->second;
    const bool loud = state == core::State::Critical || state == core::State::Failed;
    for (auto& [name, sink] : s.sinks) {
      const auto resend = sink->provider->resend_interval();
      const auto interval = resend ? *resend : loud ? sink->provider->route().repeat_interval
                                                    : std::chrono::seconds(0);
      if (interval.count() <= 0 || state == core::State::Healthy) continue;
      auto seen = sink->reminded.find(event_id);
      if (seen == sink->reminded.end()) {
        if (sink->reminded.size() > 1000) sink->reminded.clear();  // a cache: the outbox knows
        seen = sink->reminded.emplace(event_id, s.outbox->has_key(name, event_id) ? 0 : -1).first;
      }
      if (seen->second < 0) continue;  // this sink never got the transition
      const int number = static_cast<int>((now - original.at) / interval);
      if (number < 1 || number <= seen->second) continue;
      seen->second = number;
      AlertEvent reminder = original;
      reminder.type = "reminder";
      reminder.reminder = number;
      reminder.at = now;  // "still CRITICAL (for 4h 00m)" counts to now
      due.emplace_back(name, row_for(reminder, now));
    }
  }
  for (auto& [name, entry] : due) {
    std::vector<OutboxEntry> added;
    try {
      added = s.outbox->enqueue(entry, {name});
    } catch (const std::exception& error) {
      spdlog::error("alert_outbox_write_failed {} {}", kv("key", entry.key),
                    kv("error", error.what()));
      continue;  // the next remind() tries the next reminder
    }
    std::lock_guard lock(s.mutex);
    auto it = s.sinks.find(name);
    if (it == s.sinks.end()) continue;
    for (auto& row : added) it->second->queue.push_back(std::move(row));
    s.publish_gauges(*it->second);
  }
  s.wake.notify_all();
}

void Dispatcher::stop(std::chrono::milliseconds limit) {
  auto& s = *shared_;
  std::unique_lock lock(s.mutex);
  if (s.threads.empty()) return;
  s.stopping = true;
  s.wake.notify_all();
  const bool finished = s.wake.wait_for(lock, limit + std::chrono::milliseconds(200),
                                        [&] { return s.running == 0; });
  if (!finished) s.metrics = nullptr;  // a sender still in a send must not touch it later
  auto threads = std::move(s.threads);
  s.threads.clear();
  lock.unlock();
  for (auto& thread : threads) {
    if (finished) {
      thread.join();
    } else {
      thread.detach();  // holds its own reference to the shared state
    }
  }
}

void Dispatcher::sender_loop(std::shared_ptr<Shared> shared) {
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
    OutboxEntry row = sink->queue.front();
    const auto provider = sink->provider;
    const double jitter = s.jitter();
    lock.unlock();

    std::optional<AlertEvent> event;
    probes::HttpResponse response;
    Judgement judgement;
    try {
      event = from_json(nlohmann::json::parse(row.payload));
      response = probes::perform(provider->format(*event));
      const auto age = std::chrono::duration_cast<std::chrono::seconds>(s.now() - row.created);
      judgement = judge(*provider, response, row.attempts + 1, age, jitter);
    } catch (const std::exception& error) {
      judgement = {Verdict::Failed, milliseconds(0), std::string("unusable event: ") + error.what()};
    }

    lock.lock();
    if (s.metrics == nullptr) return;  // abandoned by stop(): the row is resent after a restart
    lock.unlock();
    const auto wall = s.now();
    try {
      switch (judgement.verdict) {
        case Verdict::Delivered:
          s.outbox->mark_delivered(row.id, wall, judgement.detail);
          break;
        case Verdict::Retry:
          s.outbox->reschedule(row.id, wall + judgement.wait, row.attempts + 1, judgement.detail);
          break;
        case Verdict::Failed:
        case Verdict::Expired:
          s.outbox->mark_failed(row.id, wall,
                                judgement.verdict == Verdict::Failed ? "failed" : "expired",
                                judgement.detail);
          break;
      }
    } catch (const std::exception& error) {
      spdlog::error("alert_outbox_update_failed {} {}", kv("key", row.key),
                    kv("error", error.what()));
    }
    const auto fields = kv("alert", provider->name()) + " " + kv("component", row.component) +
                        " " + kv("state", row.state) + " " + kv("key", row.key) + " " +
                        kv("attempt", std::to_string(row.attempts + 1));
    switch (judgement.verdict) {
      case Verdict::Delivered:
        spdlog::info("alert_sent {} {}", fields, kv("result", judgement.detail));
        break;
      case Verdict::Retry:
        spdlog::warn("alert_retry {} {} {}", fields, kv("result", judgement.detail),
                     kv("wait_ms", std::to_string(judgement.wait.count())));
        break;
      case Verdict::Failed:
        spdlog::error("alert_failed {} {} permanent=true", fields, kv("result", judgement.detail));
        break;
      case Verdict::Expired:
        spdlog::error("alert_expired {} {}", fields, kv("result", judgement.detail));
        break;
    }

    lock.lock();
    if (s.metrics == nullptr) return;
    s.metrics->count_alert(provider->name(), to_string(judgement.verdict));
    sink->busy = false;
    if (judgement.verdict == Verdict::Retry) {
      sink->queue.front().attempts = row.attempts + 1;
      sink->not_before = Steady::now() + judgement.wait;
    } else {
      sink->queue.pop_front();
      sink->not_before = Steady::now() + provider->policy().min_spacing;
      if (judgement.verdict != Verdict::Delivered) s.publish_failed();
    }
    s.publish_gauges(*sink);
    s.wake.notify_all();
  }
  --s.running;
  s.wake.notify_all();
}

}  // namespace watchdog::alerts
