#pragma once
// The durable alert outbox: table `alert_outbox` in the state store's SQLite file. Every alert
// is a row per sink *before* anything is sent; a sender marks it delivered, failed (permanent)
// or expired (gave up), or reschedules it. A crash loses nothing: pending rows are sent after
// the restart, with the same idempotency key, so a receiver that got a message just before the
// crash can drop the repeat. (sink, key) is unique: the same event is never queued twice.
//
// Delivered and failed rows are kept for a week, or `watchdog.journal_retention` when shorter
// (prune(); Dispatcher::keep_finished_at_most), so that duplicates stay detectable and
// `watchdog alerts` can show what went out; an open incident's transitions stay as long as it
// is open, and any row of an incident with a row still pending.
//
// Thread-safety: every method may be called from any thread (one connection, one mutex).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "watchdog/store/sqlite.h"

namespace watchdog::alerts {

using OutboxTime = std::chrono::system_clock::time_point;

struct OutboxEntry {
  std::int64_t id = 0;
  std::string sink;         // provider name
  std::string key;          // idempotency key (event id, + "/reminder-<due>")
  std::string component;
  std::string incident_id;
  std::string state;        // the event's `to` state, "CRITICAL"
  std::string type;         // "state_change" | "reminder"
  std::string payload;      // to_json(event) text
  OutboxTime created{};
  OutboxTime next_attempt{};
  int attempts = 0;         // sends tried so far
  std::string status;       // "pending" | "delivered" | "failed" | "expired"
  std::string last_error;   // "HTTP 500", "Couldn't connect to server", …
  std::optional<OutboxTime> finished;
};

class Outbox {
 public:
  // The outbox inside the state store's file (creates its table); throws store::SqliteError.
  static std::shared_ptr<Outbox> open(const std::filesystem::path& db_file);
  // Not durable: for tests and for a watchdog whose state dir is unusable.
  static std::shared_ptr<Outbox> in_memory();

  // Queues `entry` (its sink, key, payload…) for each of `sinks` in one transaction. A sink
  // that already has this key is skipped. Returns the new rows (id filled in).
  std::vector<OutboxEntry> enqueue(const OutboxEntry& entry, const std::vector<std::string>& sinks);

  std::vector<OutboxEntry> pending(const std::string& sink);  // oldest first
  std::optional<OutboxEntry> get(std::int64_t id);
  // Any row (any status) of this incident for this sink: the resolved message follows it.
  bool has_incident(const std::string& sink, const std::string& incident_id);
  bool has_key(const std::string& sink, const std::string& key);
  // The payload of the row with this key, for any sink (reminders re-render it).
  std::optional<std::string> payload_of(const std::string& key);

  void mark_delivered(std::int64_t id, OutboxTime at, const std::string& detail);
  // status "failed" (permanent answer) or "expired" (gave up after give_up_after).
  void mark_failed(std::int64_t id, OutboxTime at, const std::string& status,
                   const std::string& error);
  void reschedule(std::int64_t id, OutboxTime next_attempt, int attempts, const std::string& error);

  // Newest first, for `watchdog alerts`; status "" = all.
  std::vector<OutboxEntry> recent(std::size_t limit, const std::string& status = "");
  // Every row of an incident, oldest first, read through another connection to the same file
  // (the state store's: a game day measuring its alerts); none when the table does not exist.
  static std::vector<OutboxEntry> of_incident(store::Database& db, const std::string& incident_id);
  // Rows per sink and status ("pending", "failed", …).
  std::map<std::string, std::map<std::string, int>> counts();
  // Deletes finished rows older than `before` — reminders, and rows of incidents that were
  // resolved (the transitions of an open incident stay); returns how many.
  int prune(OutboxTime before);

  // When the file at the path is no longer the one this outbox writes to (deleted or replaced
  // under the running daemon; the state store has noticed and recreated it: state_store.h),
  // moves over to the file now at the path, its rows (same ids, so a send in flight marks the
  // right one) copied across. Returns whether it moved; throws store::SqliteError.
  bool follow_file();

 private:
  explicit Outbox(std::unique_ptr<store::Database> db);
  std::vector<OutboxEntry> select(const std::string& where_order_limit,
                                  const std::vector<std::string>& binds);

  std::mutex mutex_;
  std::unique_ptr<store::Database> db_;
};

}  // namespace watchdog::alerts
