#include "watchdog/engine/incident_recorder.h"

#include <spdlog/spdlog.h>

#include "watchdog/logging.h"

namespace watchdog::core {

using logging::kv;

IncidentRecorder::IncidentRecorder(store::StateStore* store, RecoveryMetrics& metrics,
                                   IncidentMetrics& incident_metrics, StoreHealth& health)
    : store_(store), health_(health), metrics_(metrics), incident_metrics_(incident_metrics) {
  if (store_ != nullptr) {
    journal_.emplace(store_->db());
    backlog_.emplace(store_->db());
  }
}

void IncidentRecorder::write(store::WriteBacklog::Write write) {
  if (!backlog_) return;
  const bool waiting = backlog_->size() > 0;
  if (auto error = backlog_->submit(std::move(write))) {
    health_.write_failed("journal", error);
  } else if (!waiting) {
    health_.write_succeeded();
  }
  health_.set_backlog(backlog_->size(), backlog_->dropped());
}

void IncidentRecorder::flush() {
  if (!backlog_ || backlog_->size() == 0) return;
  if (auto error = backlog_->flush()) {
    health_.write_failed("journal", error);
  } else {
    health_.write_succeeded();
  }
  health_.set_backlog(backlog_->size(), backlog_->dropped());
}

void IncidentRecorder::rewrite_open() {
  for (const auto& [component, record] : open_) {
    write([this, record = record] { journal_->upsert(record); });
  }
}

bool IncidentRecorder::prune(TimePoint now, const store::JournalLimits& limits) {
  if (store_ == nullptr || (backlog_ && backlog_->size() != 0)) return false;
  try {
    const auto pruned = store::prune_journal(store_->db(), now, limits);
    if (pruned.incidents != 0 || pruned.requests != 0) {
      spdlog::info("journal_pruned {} {} {} {}", kv("incidents", std::to_string(pruned.incidents)),
                   kv("events", std::to_string(pruned.events)),
                   kv("requests", std::to_string(pruned.requests)),
                   kv("more", pruned.more ? "true" : "false"));
    }
    return pruned.more;
  } catch (const std::exception&) {
    health_.write_failed("journal_prune", std::current_exception());
    return false;
  }
}

template <typename Fn>
void IncidentRecorder::safely(const char* what, Fn&& fn) {
  if (!journal_) return;
  try {
    fn(*journal_);
  } catch (const std::exception& error) {
    spdlog::error("incident_journal_error {} {}", kv("operation", what), kv("error", error.what()));
  }
}

void IncidentRecorder::load(const std::set<std::string>& configured) {
  safely("load", [&](store::IncidentJournal& journal) {
    for (auto& record : journal.list(10000, true)) {
      if (configured.contains(record.component)) left_open_[record.id] = std::move(record);
    }
  });
  safely("restore_metrics", [&](store::IncidentJournal& journal) {
    for (const auto& [component, count] : journal.incident_counts()) {
      if (configured.contains(component)) {
        incident_metrics_.count_incidents(component, static_cast<double>(count));
      }
    }
    for (const auto& actions : journal.action_counts()) {
      if (configured.contains(actions.component)) {
        incident_metrics_.restore_actions(actions.component, actions.action, actions.ok,
                                          static_cast<double>(actions.count));
      }
    }
    for (const auto& record : journal.last_recovered()) {
      if (auto recover = record.time_to_recover();
          recover && configured.contains(record.component)) {
        incident_metrics_.set_last_recovery(record.component, *recover, record.rto);
      }
    }
  });
}

void IncidentRecorder::resume(const std::string& component, const std::string& incident_id,
                              State state) {
  auto it = left_open_.find(incident_id);
  const bool open =
      state != State::Healthy && it != left_open_.end() && it->second.component == component;
  if (open) {
    incident_metrics_.set_open_since(component, it->second.critical);
    open_[component] = std::move(it->second);
    left_open_.erase(it);
  } else {
    incident_metrics_.set_open_since(component, std::nullopt);
  }
  metrics_.set_incident_open(component, open);
}

void IncidentRecorder::transition(const std::string& component, const Transition& t, TimePoint at,
                                  const Hold& hold, std::chrono::milliseconds rto,
                                  std::optional<TimePoint> first_failure) {
  auto it = open_.find(component);
  if (t.from == State::Healthy || it == open_.end() || it->second.id != t.incident_id) {
    store::IncidentRecord record;
    record.id = t.incident_id;
    record.component = component;
    record.opened = at;
    record.first_failure = first_failure;
    record.worst_state = std::string(to_string(t.to));
    record.reason = t.reason;
    record.rto = rto;
    it = open_.insert_or_assign(component, std::move(record)).first;
    metrics_.set_incident_open(component, true);
    incident_metrics_.set_open_since(component, std::nullopt);  // until it is CRITICAL
    incident_metrics_.count_incidents(component);
  }
  auto& record = it->second;
  if (severity(t.to) > severity(*state_from_string(record.worst_state))) {
    record.worst_state = std::string(to_string(t.to));
  }
  if (t.to == State::Critical && !record.critical) {
    record.critical = at;
    incident_metrics_.set_open_since(component, at);  // the RTO clock starts here
    if (!record.first_failure) record.first_failure = first_failure;
    if (auto detect = record.time_to_detect()) metrics_.observe_time_to_detect(component, *detect);
  }
  if (record.root_cause.empty() && !hold.root_cause.empty()) {
    record.root_cause = hold.root_cause;
    record.root_incident = hold.root_incident;
  }
  record.attempts = std::max(record.attempts, t.attempt);
  if (t.to == State::Healthy) {
    record.closed = at;
    if (auto recover = record.time_to_recover()) {
      metrics_.observe_time_to_recover(component, *recover);
      incident_metrics_.set_last_recovery(component, *recover, record.rto);
    }
    metrics_.set_incident_open(component, false);
    incident_metrics_.set_open_since(component, std::nullopt);
  }
  auto summary =
      std::string(to_string(t.from)) + " -> " + std::string(to_string(t.to)) + ": " + t.reason;
  auto data = nlohmann::json{{"from", std::string(to_string(t.from))},
                             {"to", std::string(to_string(t.to))},
                             {"reason", t.reason},
                             {"attempt", t.attempt},
                             {"hold", hold.reason},
                             {"root_cause", hold.root_cause}}
                  .dump();
  write([this, record = record, at, summary = std::move(summary), data = std::move(data)] {
    journal_->upsert(record);
    journal_->append(record.id, at, "state_change", summary, data);
  });
  if (t.to == State::Healthy) open_.erase(component);
}

void IncidentRecorder::rename(const std::string& component, const std::string& from,
                              const std::string& to) {
  if (from.empty() || from == to) return;
  if (auto it = open_.find(component); it != open_.end() && it->second.id == from) {
    it->second.id = to;
  }
  write([this, from, to] { journal_->rename(from, to); });
}

void IncidentRecorder::note(const std::string& incident_id, TimePoint at, const std::string& kind,
                            const std::string& summary, const nlohmann::json& data) {
  if (incident_id.empty()) return;
  write([this, incident_id, at, kind, summary, data = data.dump()] {
    journal_->append(incident_id, at, kind, summary, data);
  });
}

}  // namespace watchdog::core
