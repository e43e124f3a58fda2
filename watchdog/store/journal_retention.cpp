#include "watchdog/store/journal_retention.h"

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

#include "config/time_text.h"

namespace watchdog::store {
namespace {

// The ids of the batch travel as one bound JSON array, read back with json_each().
constexpr const char* kInBatch = "(SELECT value FROM json_each(?1))";

// Each component's newest incident with a time to recover (IncidentJournal::last_recovered).
std::set<std::string> last_recovered_ids(Database& db) {
  auto rows = db.prepare(
      "SELECT id, MAX(closed_ms) FROM incidents WHERE critical_ms IS NOT NULL AND "
      "closed_ms IS NOT NULL GROUP BY component");
  std::set<std::string> ids;
  while (rows.step()) ids.insert(rows.text(0));
  return ids;
}

// Oldest first: closed before `cutoff_ms`, or among the `excess` oldest deletable ones.
std::vector<std::string> choose(Database& db, std::int64_t cutoff_ms, std::int64_t excess,
                                std::size_t batch) {
  const auto keep = last_recovered_ids(db);
  auto rows = db.prepare(
      "SELECT id, closed_ms FROM incidents WHERE closed_ms IS NOT NULL ORDER BY closed_ms, id");
  std::vector<std::string> ids;
  while (ids.size() < batch && rows.step()) {
    if (rows.integer(1) >= cutoff_ms && excess <= 0) break;
    std::string id = rows.text(0);
    if (keep.count(id) != 0) continue;
    ids.push_back(std::move(id));
    --excess;
  }
  return ids;
}

}  // namespace

PruneResult prune_journal(Database& db, TimePoint now, const JournalLimits& limits,
                          std::size_t batch) {
  PruneResult result;
  const std::int64_t cutoff_ms = config::epoch_ms(now) - limits.max_age.count();
  std::int64_t closed = 0;
  {
    auto count = db.prepare("SELECT COUNT(*) FROM incidents WHERE closed_ms IS NOT NULL");
    if (count.step()) closed = count.integer(0);
  }
  const auto ids = choose(db, cutoff_ms, closed - limits.max_closed, batch);
  const std::string batch_json = nlohmann::json(ids).dump();

  Transaction transaction(db);
  if (!ids.empty()) {
    // What they counted first, while their rows still exist.
    db.prepare(std::string("INSERT INTO journal_pruned(component, action, ok, count) "
                           "SELECT component, '', 0, COUNT(*) FROM incidents WHERE id IN ") +
               kInBatch +
               " GROUP BY component "
               "ON CONFLICT(component, action, ok) DO UPDATE SET count = count + excluded.count")
        .bind(1, batch_json)
        .run();
    db.prepare(std::string("INSERT INTO journal_pruned(component, action, ok, count) "
                           "SELECT i.component, json_extract(e.data, '$.action'), "
                           "COALESCE(json_extract(e.data, '$.ok'), 0) != 0, COUNT(*) "
                           "FROM incident_events e JOIN incidents i ON i.id = e.incident_id "
                           "WHERE e.incident_id IN ") +
               kInBatch +
               " AND e.kind = 'action_done' AND json_valid(e.data) "
               "AND json_extract(e.data, '$.started') = 1 "
               "AND json_extract(e.data, '$.action') IS NOT NULL GROUP BY 1, 2, 3 "
               "ON CONFLICT(component, action, ok) DO UPDATE SET count = count + excluded.count")
        .bind(1, batch_json)
        .run();
    db.prepare(std::string("DELETE FROM incident_events WHERE incident_id IN ") + kInBatch)
        .bind(1, batch_json)
        .run();
    result.events = db.changes();
    db.prepare(std::string("DELETE FROM incidents WHERE id IN ") + kInBatch)
        .bind(1, batch_json)
        .run();
    result.incidents = db.changes();
  }
  db.prepare(
        "DELETE FROM requests WHERE id IN (SELECT id FROM requests WHERE done_ms IS NOT NULL "
        "AND done_ms < ?1 ORDER BY id LIMIT ?2)")
      .bind(1, cutoff_ms)
      .bind(2, static_cast<std::int64_t>(batch))
      .run();
  result.requests = db.changes();
  transaction.commit();
  result.more = ids.size() == batch || static_cast<std::size_t>(result.requests) == batch;
  return result;
}

}  // namespace watchdog::store
