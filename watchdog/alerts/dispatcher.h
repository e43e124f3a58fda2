#pragma once
// Delivers alert events from the durable outbox (outbox.h) to every sink.
//
//   submit(event) ── route filters ──▶ outbox rows (SQLite, one per sink) ──▶ sender pool
//   remind(…)     ── due reminders / Alertmanager re-sends ──────────────────▶ (same rows)
//
// submit() and remind() only write rows and wake the senders: probes, actions and the engine
// never wait for a receiver. A pool of sender threads takes the oldest pending row of a sink
// that is not busy and not waiting (back-off or rate limit): per sink one send at a time, in
// order; across sinks in parallel, so a sink that hangs holds one sender at most for its
// timeout. Answers: accepted → delivered; retryable (transport error, 408, 425, 429, 5xx) →
// exponential back-off with jitter, or exactly what Retry-After asked; anything else →
// failed, recorded and exported, never retried. A row that keeps failing is expired once it
// is give_up_after old (logged as an error). On restart the pending rows are picked up again.
//
// Thread-safety: all methods may be called from any thread.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "watchdog/alerts/outbox.h"
#include "watchdog/alerts/provider.h"
#include "watchdog/metrics.h"

namespace watchdog::alerts {

struct DispatcherOptions {
  int senders = 4;  // sender threads shared by all sinks
  // The wall clock (tests move it to make reminders due); default system_clock::now.
  std::function<OutboxTime()> clock;
  std::uint64_t seed = 0;  // back-off jitter; 0 = random
};

class Dispatcher {
 public:
  // `outbox` null → an in-memory outbox (not durable).
  explicit Dispatcher(core::Metrics& metrics, std::shared_ptr<Outbox> outbox = nullptr,
                      DispatcherOptions options = {});
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Starts (or, on reload, swaps) the sinks; pending rows of every sink are picked up from the
  // outbox. A sink removed from the config keeps its rows (sent if it comes back).
  void set_providers(std::vector<std::shared_ptr<Provider>> providers);
  // Queues one transition for every sink whose route wants it (a resolving event: every sink
  // that had this incident). Returns the sinks it was queued for.
  std::vector<std::string> submit(const AlertEvent& event);
  // For an incident still open in `state` (its latest transition was `event_id`): queues a
  // reminder to each sink that got that transition and whose repeat interval has elapsed
  // again (Alertmanager sinks: their re-send interval, for any non-HEALTHY state). Cheap to
  // call every second. `acknowledged`: an operator took the incident, so no reminders; the
  // Alertmanager re-sends go on (they keep its alert firing, they page nobody).
  void remind(const std::string& event_id, core::State state, bool acknowledged = false);
  // An operator acknowledged an open incident (`event.type` "acknowledge"): queued for every
  // sink that takes acknowledgements (PagerDuty, webhook) and alerted that incident. Returns
  // the sinks it was queued for.
  std::vector<std::string> acknowledge(const AlertEvent& event);
  // Another replica, leading before this one, alerted `incident_id` to `sinks` (leader
  // handover): its resolution and acknowledgement go to those of them configured here too.
  void adopt_incident(const std::string& incident_id, const std::vector<std::string>& sinks);
  // An informational message (the backup report): queued for each of `sinks` that is configured
  // and whose kind takes reports (config::alert_kind_takes_reports: never a paging sink). A
  // sink that already has the event's key is skipped by the outbox, so a key per report (one
  // per day) sends it at most once, across restarts too. The routes' filters (components,
  // min_severity) are for state changes and do not apply: the sinks were chosen by name or kind
  // (backup_report.alerts). Prunes the outbox when due. Returns the sinks it was queued for.
  std::vector<std::string> inform(const AlertEvent& event, const std::vector<std::string>& sinks);
  // Stops the senders. Pending rows stay in the outbox; a send in flight gets up to
  // `limit` to finish (its row is sent again after a restart if it did not).
  void stop(std::chrono::milliseconds limit);

  // Finished outbox rows (delivered, failed, expired; a state change's only once its incident
  // resolved) are deleted once older than a week, or than `journal_retention` when that is
  // shorter (watchdog.journal_retention: nothing of an incident outlives its journal entry).
  void keep_finished_at_most(std::chrono::milliseconds journal_retention);
  // Deletes what is due, at most every tenth of the keep time (and at most hourly). Called by
  // remind and inform, and by the engine every few seconds, so that a healthy system prunes too.
  void prune_if_due();

  std::shared_ptr<Outbox> outbox() const { return outbox_; }
  // Entries of the in-memory caches (events kept for reminders, alerted incidents, per sink the
  // transitions it got): each cache is bounded, however many alerts a long run sends.
  std::size_t cached_entries() const;

 private:
  struct Shared;
  struct Sink;
  static void sender_loop(std::shared_ptr<Shared> shared);
  // Writes the event's rows for `targets` to the outbox and hands them to the senders.
  void enqueue(const AlertEvent& event, const std::vector<std::string>& targets);

  std::shared_ptr<Outbox> outbox_;
  std::shared_ptr<Shared> shared_;
};

}  // namespace watchdog::alerts
