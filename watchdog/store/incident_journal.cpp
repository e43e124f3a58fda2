#include "watchdog/store/incident_journal.h"

#include "config/time_text.h"

namespace watchdog::store {
namespace {

using std::chrono::milliseconds;

std::optional<std::int64_t> ms_of(const std::optional<TimePoint>& at) {
  if (!at) return std::nullopt;
  return config::epoch_ms(*at);
}

std::optional<TimePoint> time_of(const std::optional<std::int64_t>& ms) {
  if (!ms) return std::nullopt;
  return config::from_epoch_ms(*ms);
}

constexpr const char* kColumns =
    "id, component, opened_ms, first_failure_ms, critical_ms, closed_ms, worst_state, reason, "
    "root_cause, root_incident, attempts, rto_ms";

IncidentRecord read_incident(Statement& rows) {
  IncidentRecord r;
  r.id = rows.text(0);
  r.component = rows.text(1);
  r.opened = config::from_epoch_ms(rows.integer(2));
  r.first_failure = time_of(rows.optional_integer(3));
  r.critical = time_of(rows.optional_integer(4));
  r.closed = time_of(rows.optional_integer(5));
  r.worst_state = rows.text(6);
  r.reason = rows.text(7);
  r.root_cause = rows.text(8);
  r.root_incident = rows.text(9);
  r.attempts = static_cast<int>(rows.integer(10));
  r.rto = milliseconds(rows.integer(11));
  return r;
}

}  // namespace

std::optional<milliseconds> IncidentRecord::time_to_detect() const {
  if (!first_failure || !critical || *critical < *first_failure) return std::nullopt;
  return std::chrono::duration_cast<milliseconds>(*critical - *first_failure);
}

std::optional<milliseconds> IncidentRecord::time_to_recover() const {
  if (!critical || !closed) return std::nullopt;
  return std::chrono::duration_cast<milliseconds>(*closed - *critical);
}

void IncidentJournal::upsert(const IncidentRecord& r) {
  db_.kept(
         "INSERT INTO incidents(id, component, opened_ms, first_failure_ms, critical_ms, "
         "closed_ms, worst_state, reason, root_cause, root_incident, attempts, rto_ms) "
         "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) "
         "ON CONFLICT(id) DO UPDATE SET first_failure_ms = ?4, critical_ms = ?5, "
         "closed_ms = ?6, worst_state = ?7, root_cause = ?9, root_incident = ?10, "
         "attempts = ?11, rto_ms = ?12")
      ->bind(1, r.id)
      .bind(2, r.component)
      .bind(3, config::epoch_ms(r.opened))
      .bind(4, ms_of(r.first_failure))
      .bind(5, ms_of(r.critical))
      .bind(6, ms_of(r.closed))
      .bind(7, r.worst_state)
      .bind(8, r.reason)
      .bind(9, r.root_cause)
      .bind(10, r.root_incident)
      .bind(11, std::int64_t{r.attempts})
      .bind(12, std::int64_t{r.rto.count()})
      .run();
}

void IncidentJournal::rename(const std::string& from, const std::string& to) {
  if (from == to) return;
  // All or nothing (a crash between the statements would leave the timeline under one id and
  // the row under the other). A savepoint, not BEGIN: the write backlog replays this inside
  // its own transaction.
  db_.exec("SAVEPOINT incident_rename");
  try {
    db_.kept("UPDATE incident_events SET incident_id = ?2 WHERE incident_id = ?1")
        ->bind(1, from)
        .bind(2, to)
        .run();
    // A row under `to` already: the UPDATE is ignored and the DELETE drops `from`'s row.
    db_.kept("UPDATE OR IGNORE incidents SET id = ?2 WHERE id = ?1")
        ->bind(1, from)
        .bind(2, to)
        .run();
    db_.kept("DELETE FROM incidents WHERE id = ?1")->bind(1, from).run();
    db_.kept("UPDATE incidents SET closed_ms = NULL WHERE id = ?1")->bind(1, to).run();
    db_.exec("RELEASE incident_rename");
  } catch (...) {
    try {
      db_.exec("ROLLBACK TO incident_rename; RELEASE incident_rename");
    } catch (...) {  // the connection's transaction is gone already: nothing left to undo
    }
    throw;
  }
}

void IncidentJournal::append(const std::string& incident_id, TimePoint at, const std::string& kind,
                             const std::string& summary, const std::string& data) {
  db_.kept(
         "INSERT INTO incident_events(incident_id, at_ms, kind, summary, data) "
         "VALUES(?1, ?2, ?3, ?4, ?5)")
      ->bind(1, incident_id)
      .bind(2, config::epoch_ms(at))
      .bind(3, kind)
      .bind(4, summary)
      .bind(5, data)
      .run();
}

std::optional<IncidentRecord> IncidentJournal::find(const std::string& id) {
  auto rows = db_.prepare(std::string("SELECT ") + kColumns + " FROM incidents WHERE id = ?1");
  rows.bind(1, id);
  if (!rows.step()) return std::nullopt;
  return read_incident(rows);
}

std::vector<IncidentRecord> IncidentJournal::list(std::size_t limit, bool open_only) {
  std::string sql = std::string("SELECT ") + kColumns + " FROM incidents";
  if (open_only) sql += " WHERE closed_ms IS NULL";
  sql += " ORDER BY opened_ms DESC, id DESC LIMIT ?1";
  auto rows = db_.prepare(sql);
  rows.bind(1, static_cast<std::int64_t>(limit));
  std::vector<IncidentRecord> out;
  while (rows.step()) out.push_back(read_incident(rows));
  return out;
}

std::vector<IncidentEvent> IncidentJournal::timeline(const std::string& id) {
  auto rows = db_.prepare(
      "SELECT seq, at_ms, kind, summary, data FROM incident_events WHERE incident_id = ?1 "
      "ORDER BY seq");
  rows.bind(1, id);
  std::vector<IncidentEvent> out;
  while (rows.step()) {
    out.push_back({rows.integer(0), config::from_epoch_ms(rows.integer(1)), rows.text(2),
                   rows.text(3), rows.text(4)});
  }
  return out;
}

std::optional<IncidentRecord> IncidentJournal::first_opened_since(const std::string& component,
                                                                  TimePoint since) {
  auto rows = db_.prepare(std::string("SELECT ") + kColumns +
                          " FROM incidents WHERE component = ?1 AND opened_ms >= ?2 "
                          "ORDER BY opened_ms, id LIMIT 1");
  rows.bind(1, component).bind(2, config::epoch_ms(since));
  if (!rows.step()) return std::nullopt;
  return read_incident(rows);
}

std::map<std::string, std::int64_t> IncidentJournal::incident_counts() {
  // With what the retention deleted (journal_retention.h): a counter never goes down.
  auto rows = db_.prepare(
      "SELECT component, SUM(n) FROM (SELECT component, COUNT(*) AS n FROM incidents "
      "GROUP BY component UNION ALL SELECT component, count FROM journal_pruned "
      "WHERE action = '') GROUP BY component");
  std::map<std::string, std::int64_t> out;
  while (rows.step()) out[rows.text(0)] = rows.integer(1);
  return out;
}

std::vector<ActionCount> IncidentJournal::action_counts() {
  // Only actions that started count, like Metrics::count_action (a queued one that never ran
  // is noted too), with those the retention deleted. The partial index
  // incident_events_action_done holds just these events, so the JSON is read for actions only,
  // not for every event of the journal.
  auto rows = db_.prepare(
      "SELECT component, action, ok, SUM(n) FROM ("
      "SELECT i.component AS component, json_extract(e.data, '$.action') AS action, "
      "COALESCE(json_extract(e.data, '$.ok'), 0) != 0 AS ok, COUNT(*) AS n "
      "FROM incident_events e JOIN incidents i ON i.id = e.incident_id "
      "WHERE e.kind = 'action_done' AND json_valid(e.data) "
      "AND json_extract(e.data, '$.started') = 1 AND action IS NOT NULL "
      "GROUP BY 1, 2, 3 "
      "UNION ALL SELECT component, action, ok, count FROM journal_pruned WHERE action != '') "
      "GROUP BY component, action, ok ORDER BY component, action, ok");
  std::vector<ActionCount> out;
  while (rows.step()) {
    out.push_back({rows.text(0), rows.text(1), rows.integer(2) != 0, rows.integer(3)});
  }
  return out;
}

std::vector<IncidentRecord> IncidentJournal::last_recovered() {
  // One pass over incidents_by_component: SQLite takes the bare columns of an aggregate query
  // with MAX() from the row that has the maximum.
  auto rows = db_.prepare(std::string("SELECT ") + kColumns +
                          ", MAX(closed_ms) FROM incidents WHERE critical_ms IS NOT NULL AND "
                          "closed_ms IS NOT NULL GROUP BY component ORDER BY component");
  std::vector<IncidentRecord> out;
  while (rows.step()) out.push_back(read_incident(rows));
  return out;
}

}  // namespace watchdog::store
