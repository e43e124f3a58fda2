#include "watchdog/alerts/dispatcher.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "config/backup_report.h"
#include "watchdog/alerts/dispatcher_internal.h"
#include "watchdog/logging.h"

namespace watchdog::alerts {
namespace {

using logging::kv;

constexpr auto kKeepFinished = std::chrono::hours(24 * 7);
constexpr auto kPruneEveryAtMost = std::chrono::hours(1);
constexpr std::size_t kCacheLimit = 1000;

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

// Runs an outbox call; on a database error logs it and returns `fallback` (the dispatcher
// must never take the engine or a sender down).
template <typename Fn, typename T>
T or_else(const char* what, T fallback, Fn&& fn) {
  try {
    return fn();
  } catch (const std::exception& error) {
    spdlog::error("alert_outbox_error {} {}", kv("during", what), kv("error", error.what()));
    return fallback;
  }
}

}  // namespace

void Dispatcher::Shared::publish_failed() {
  const auto counts = or_else("counting failures", decltype(outbox->counts()){},
                              [&] { return outbox->counts(); });
  std::lock_guard lock(mutex);
  if (metrics == nullptr) return;
  for (const auto& [name, sink] : sinks) {
    int failed = 0;
    if (auto it = counts.find(name); it != counts.end()) {
      for (const auto& [status, count] : it->second) {
        if (status == "failed" || status == "expired") failed += count;
      }
    }
    metrics->set_alerts_failed(name, failed);
  }
}

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
  {
    std::lock_guard lock(s.mutex);
    std::map<std::string, std::shared_ptr<Sink>> fresh;
    for (auto& provider : providers) {
      const auto& name = provider->name();
      std::shared_ptr<Sink> sink;
      if (auto kept = s.sinks.find(name); kept != s.sinks.end()) {
        sink = kept->second;  // keeps its queue; an in-flight send finishes with the old one
      } else if (auto back = s.retired.find(name); back != s.retired.end()) {
        sink = back->second;
        s.retired.erase(back);
      } else {
        sink = std::make_shared<Sink>();
        sink->queue = or_else("loading pending alerts", std::deque<OutboxEntry>{}, [&] {
          auto rows = s.outbox->pending(name);
          return std::deque<OutboxEntry>(rows.begin(), rows.end());
        });
        if (!sink->queue.empty()) {
          const auto wait = sink->queue.front().next_attempt - s.now();
          sink->not_before =
              Steady::now() + std::max(Steady::duration::zero(),
                                       std::chrono::duration_cast<Steady::duration>(wait));
          spdlog::info("alerts_resumed {} {}", kv("alert", name),
                       kv("pending", std::to_string(sink->queue.size())));
        }
      }
      sink->provider = provider;
      s.publish_pending(*sink);
      fresh[name] = sink;
    }
    for (const auto& [name, sink] : s.sinks) {
      if (fresh.count(name) != 0) continue;
      if (!sink->queue.empty()) {
        spdlog::warn("alerts_kept_for_removed_sink {} {}", kv("alert", name),
                     kv("pending", std::to_string(sink->queue.size())));
      }
      s.retired[name] = sink;
    }
    s.sinks = std::move(fresh);
    if (s.threads.empty() && !s.stopping) {
      const int senders = std::max(1, s.options.senders);
      s.running = senders;
      for (int i = 0; i < senders; ++i) s.threads.emplace_back(sender_loop, shared_);
    }
  }
  s.publish_failed();
  s.wake.notify_all();
}

std::vector<std::string> Dispatcher::submit(const AlertEvent& event) {
  auto& s = *shared_;
  std::vector<std::string> targets;
  std::vector<std::string> resolve_candidates;
  {
    std::lock_guard lock(s.mutex);
    for (const auto& [name, sink] : s.sinks) {
      if (event.to != core::State::Healthy) {
        if (sink->provider->route().wants(event)) targets.push_back(name);
      } else if (s.alerted.count({name, event.incident_id}) != 0) {
        targets.push_back(name);
      } else {
        resolve_candidates.push_back(name);  // maybe alerted before a restart: ask the outbox
      }
    }
  }
  for (const auto& name : resolve_candidates) {
    // A database error sends the resolution anyway: better a stray "recovered" than an alert
    // that never closes.
    if (or_else("finding the incident", true,
                [&] { return s.outbox->has_incident(name, event.incident_id); })) {
      targets.push_back(name);
    }
  }
  if (targets.empty()) return targets;
  std::sort(targets.begin(), targets.end());
  {
    std::lock_guard lock(s.mutex);
    if (s.remembered.size() > kCacheLimit) s.remembered.clear();
    if (s.alerted.size() > kCacheLimit) s.alerted.clear();
    if (event.type == "state_change") s.remembered[event.event_id] = event;
    for (const auto& name : targets) {
      if (event.to == core::State::Healthy) {
        s.alerted.erase({name, event.incident_id});
      } else {
        s.alerted.insert({name, event.incident_id});
      }
    }
  }
  enqueue(event, targets);
  return targets;
}

void Dispatcher::adopt_incident(const std::string& incident_id,
                                const std::vector<std::string>& sinks) {
  auto& s = *shared_;
  std::lock_guard lock(s.mutex);
  if (s.alerted.size() > kCacheLimit) s.alerted.clear();  // as submit() bounds it
  for (const auto& name : sinks) {
    if (s.sinks.count(name) != 0) s.alerted.insert({name, incident_id});
  }
}

std::vector<std::string> Dispatcher::acknowledge(const AlertEvent& event) {
  auto& s = *shared_;
  std::vector<std::string> candidates;
  std::vector<std::string> targets;
  {
    std::lock_guard lock(s.mutex);
    for (const auto& [name, sink] : s.sinks) {
      if (!sink->provider->takes_acknowledgements()) continue;
      if (s.alerted.count({name, event.incident_id}) != 0) {
        targets.push_back(name);
      } else {
        candidates.push_back(name);  // maybe alerted before a restart: ask the outbox
      }
    }
  }
  for (const auto& name : candidates) {
    if (or_else("finding the incident", false,
                [&] { return s.outbox->has_incident(name, event.incident_id); })) {
      targets.push_back(name);
    }
  }
  std::sort(targets.begin(), targets.end());
  if (!targets.empty()) enqueue(event, targets);
  return targets;
}

std::vector<std::string> Dispatcher::inform(const AlertEvent& event,
                                            const std::vector<std::string>& sinks) {
  std::vector<std::string> targets;
  {
    std::lock_guard lock(shared_->mutex);
    for (const auto& name : sinks) {
      auto it = shared_->sinks.find(name);
      if (it != shared_->sinks.end() &&
          config::alert_kind_takes_reports(it->second->provider->kind())) {
        targets.push_back(name);
      }
    }
  }
  if (!targets.empty()) enqueue(event, targets);
  // Reminders prune too, but only while something is unhealthy: a healthy system's reports
  // would pile up.
  prune_if_due();
  return targets;
}

void Dispatcher::enqueue(const AlertEvent& event, const std::vector<std::string>& targets) {
  auto& s = *shared_;
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
    auto& sink = *it->second;
    // A reload may have loaded this row from the outbox already.
    if (row.id != 0 && std::any_of(sink.queue.begin(), sink.queue.end(),
                                   [&](const OutboxEntry& q) { return q.id == row.id; })) {
      continue;
    }
    if (row.type == "state_change") {
      // Bounded like every cache here: one mark per transition would otherwise pile up for as
      // long as the process runs (the outbox's keys stay the truth once it is cleared).
      if (sink.reminded.size() >= kCacheLimit) sink.reminded.clear();
      sink.reminded[event.event_id] = {true, event.at};
    }
    sink.queue.push_back(std::move(row));
    s.publish_pending(sink);
  }
  s.wake.notify_all();
}

void Dispatcher::keep_finished_at_most(std::chrono::milliseconds journal_retention) {
  std::lock_guard lock(shared_->mutex);
  shared_->keep_finished = std::min<std::chrono::milliseconds>(kKeepFinished, journal_retention);
}

void Dispatcher::prune_if_due() {
  auto& s = *shared_;
  const auto now = s.now();
  std::chrono::milliseconds keep;
  {
    std::lock_guard lock(s.mutex);
    keep = s.keep_finished;
    const auto every = std::clamp<std::chrono::milliseconds>(keep / 10, std::chrono::seconds(1),
                                                             kPruneEveryAtMost);
    if (now - s.last_prune <= every) return;
    s.last_prune = now;
  }
  or_else("pruning", 0, [&] { return s.outbox->prune(now - keep); });
  s.publish_failed();
}

void Dispatcher::remind(const std::string& event_id, core::State state, bool acknowledged) {
  auto& s = *shared_;
  if (state == core::State::Healthy) return;
  const auto now = s.now();
  prune_if_due();
  std::optional<AlertEvent> original;
  {
    std::lock_guard lock(s.mutex);
    if (auto known = s.remembered.find(event_id); known != s.remembered.end()) {
      original = known->second;
    }
  }
  if (!original) {  // queued before a restart, or never (muted, no sink wanted it)
    const auto payload =
        or_else("finding the event", std::optional<std::string>{},
                [&] { return s.outbox->payload_of(event_id); });
    if (!payload) return;
    try {
      original = from_json(nlohmann::json::parse(*payload));
    } catch (const std::exception& error) {
      spdlog::warn("alert_reminder_unreadable {} {}", kv("key", event_id),
                   kv("error", error.what()));
      return;
    }
    std::lock_guard lock(s.mutex);
    if (s.remembered.size() >= kCacheLimit) s.remembered.clear();
    s.remembered[event_id] = *original;
  }

  const bool loud = state == core::State::Critical || state == core::State::Failed;
  std::vector<std::pair<std::string, OutboxEntry>> due;
  std::vector<std::string> unknown;  // sinks whose cache does not say whether they got it
  {
    std::lock_guard lock(s.mutex);
    for (auto& [name, sink] : s.sinks) {
      if (sink->reminded.count(event_id) == 0) unknown.push_back(name);
    }
  }
  std::map<std::string, bool> received;
  for (const auto& name : unknown) {
    received[name] = or_else("finding the event", false,
                             [&] { return s.outbox->has_key(name, event_id); });
  }
  {
    std::lock_guard lock(s.mutex);
    for (auto& [name, sink] : s.sinks) {
      const auto resend = sink->provider->resend_interval();
      const auto interval = resend                    ? *resend
                            : loud && !acknowledged ? sink->provider->route().repeat_interval
                                                    : std::chrono::seconds(0);
      if (interval.count() <= 0) continue;
      auto mark = sink->reminded.find(event_id);
      if (mark == sink->reminded.end()) {
        if (received.count(name) == 0) continue;  // added meanwhile: next time
        if (sink->reminded.size() > kCacheLimit) sink->reminded.clear();
        mark = sink->reminded.emplace(event_id, Sink::Mark{received[name], original->at}).first;
      }
      if (!mark->second.received) continue;  // this sink never got the transition
      // The latest due time on this sink's own grid; the key names it, so a restart or a
      // changed interval never repeats one.
      const auto periods = (now - original->at) / interval;
      const auto due_at = original->at + std::chrono::duration_cast<OutboxTime::duration>(
                                             interval * periods);
      if (periods < 1 || due_at <= mark->second.last_due) continue;
      mark->second.last_due = due_at;
      AlertEvent reminder = *original;
      reminder.type = "reminder";
      reminder.reminder = static_cast<int>(periods);
      reminder.at = due_at;  // "still CRITICAL (for 4h 00m)" counts to here
      due.emplace_back(name, row_for(reminder, now));
    }
  }
  for (auto& [name, entry] : due) {
    auto added = or_else("queueing a reminder", std::vector<OutboxEntry>{},
                         [&] { return s.outbox->enqueue(entry, {name}); });
    std::lock_guard lock(s.mutex);
    auto it = s.sinks.find(name);
    if (it == s.sinks.end()) continue;
    for (auto& row : added) it->second->queue.push_back(std::move(row));
    s.publish_pending(*it->second);
  }
  s.wake.notify_all();
}

std::size_t Dispatcher::cached_entries() const {
  auto& s = *shared_;
  std::lock_guard lock(s.mutex);
  std::size_t entries = s.remembered.size() + s.alerted.size();
  for (const auto& [name, sink] : s.sinks) entries += sink->reminded.size();
  for (const auto& [name, sink] : s.retired) entries += sink->reminded.size();
  return entries;
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

}  // namespace watchdog::alerts
