#pragma once
// The `postgres` probe's WAL checks (issue #18): archiving as the RPO a database really has, and,
// on a primary, its standbys and replication slots. Pure: the probe runs figures_sql() in one
// extra round-trip, turns the row into Figures with parse_figures() and asks evaluate(); nothing
// here does I/O or reads a clock (the server's now() comes in with the figures).
//
// Keys (all opt-in; absent = not checked, nothing read):
//   archive_rpo (duration), replication_lag_warn (duration), replication_lag_bytes_warn (size),
//   min_standbys (int, 0), slot_retained_warn (size). Durations and sizes must be > 0.
//
// Archiving (archive_rpo set; skipped on a server in recovery unless archive_mode = always):
//  - pending bytes = current WAL position − the end of the last archived segment. The end is
//    computed from the segment's file name (timeline, log, seg) and the server's real
//    wal_segment_size (pg_settings, in bytes on 13–17), never an assumed 16 MiB; clamped at 0.
//    A last archived file that names no archived end keeps the end seen before: a timeline's
//    .history, and a backup's .backup (it names the backup's START segment, and is archived
//    after the stop segment). So does an archiver statistics reset (last_archived_wal NULL
//    after one was seen): archived files do not vanish with statistics, so the remembered
//    archive, its time and a running exposure stay, and the reset is no new archive. Nothing
//    ever seen archived: the WAL position at this probe's first check is the baseline, and
//    only WAL written after it counts as pending.
//  - "while there were writes" is decided by rows, not by bytes alone: an idle server still
//    writes small background records (the bgwriter's running-xacts snapshot, a checkpoint)
//    that archive_timeout never switches out, so pending bytes > 0 is no proof of data at
//    risk. Each check reads the rows inserted, updated and deleted in all databases
//    (pg_stat_database); when that count grew since the previous check, the writes lie at or
//    before this check's WAL position (remembered). Writes are pending when that position is
//    beyond the end of the last archived segment (and pending bytes > 0). The count falls only
//    when statistics go (pg_stat_reset(), a crash restart — 15+ drops statistics —, DROP
//    DATABASE): a fall is a new baseline, not writes, and rows written in that interval are
//    not seen.
//    write_lsn is the position at the check, not at the writes: a background record after the
//    writes lands before it, and when archive_timeout switched out the writes' segment, that
//    record keeps writes pending until the next switch (at most archive_timeout after the
//    next checkpoint writes WAL). Rows of unlogged and temporary tables count though they
//    write no WAL.
//  - The exposure (how long the oldest write not yet archived has been at risk) runs from the
//    first check of this probe that saw writes pending since the last archive that moved the
//    archived end; it resets when they are archived or such an archive appears. So an idle
//    database is never an alarm however old its last archive is, and a watchdog restart never
//    counts exposure it did not see. The price: exposure may lag the truth by up to one check
//    interval (plus the server's statistics delay: on 15+ up to 10 s for an idle session; on
//    13/14 an idle session's throttled statistics wait for its next transaction, unbounded),
//    writes that change no rows (nextval, TRUNCATE) are not seen, and writes left unarchived
//    before the probe's first check count only once more rows change. On a standby
//    (archive_mode = always) replayed changes are not counted as rows, so there only failures
//    are judged.
//  - Verdicts (Unhealthy, in this order): archive_mode off → Error "archive_rpo is set but
//    archive_mode is off"; archiving failing (last_failed_time newer than last_archived_time,
//    or new failures since the previous check) → Error naming the failed WAL and its time;
//    exposure > archive_rpo → Threshold "WAL not archived for 7m12s (archive_rpo 5m), 3.2 MiB
//    pending; last archived 000000010000000000000003 at 2026-12-05 14:02:11 UTC".
//  - Failures are counted, not copied: failed_count grows until a statistics reset, so the new
//    failures of a check are its growth since the previous check, or, when it fell (a reset),
//    the whole new count. postgres_archive_failures_total starts at failed_count at the first
//    check and adds them: it never decreases (it is exported as a counter). It and its last
//    reading are the probe's memory (probes/probe.h), so a restart or a reload continues the
//    count instead of restarting it under the counter's last value; failures counted from a
//    restored reading count, but say "failing" only with a failure newer than the archive.
//  - Measurements: postgres_archive_age_seconds (now − last_archived_time, the remembered one
//    after a statistics reset; absent when nothing was ever seen archived),
//    postgres_archive_exposure_seconds (0 when nothing is pending), postgres_archive_rpo_seconds,
//    postgres_archive_pending_bytes, postgres_archive_failures_total (above),
//    postgres_archive_failing (0/1). pending_bytes is
//    the raw figure, background records included; exposure is 0 while no writes are pending.
//    With archive_mode off only the rpo is reported; on a skipped standby none.
//
// Replication (any replication key set; primary only, skipped on a server in recovery):
//  Without pg_monitor (or pg_read_all_stats) pg_stat_replication shows other users' standbys
//  with state NULL and no lag: with min_standbys or a lag key set, such rows are Degraded Error
//  "cannot see the state of 1 standby(s): grant pg_monitor to this user (0 streaming seen)",
//  before the rest. Then Degraded Threshold, in this order: fewer than min_standbys standbys in
//  state 'streaming';
//  a standby's replay_lag > replication_lag_warn; its byte lag (current LSN − replay_lsn) >
//  replication_lag_bytes_warn; a slot's retained WAL (current LSN − restart_lsn) >
//  slot_retained_warn ("slot idle_slot (inactive) retains 48 MiB of WAL (warning at 16 MiB)").
//  Measurements: postgres_standbys_streaming, postgres_standby_replay_lag_seconds (max; a NULL
//  replay_lag — idle and caught up — counts 0; absent without standbys),
//  postgres_standby_replay_lag_bytes (max; absent without standbys),
//  postgres_replication_slots_inactive, postgres_replication_slot_retained_bytes (max; absent
//  without slots). Column names exist unchanged on PostgreSQL 13–17.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/options.h"
#include "probes/probe.h"

namespace watchdog::probes::postgres_wal {

struct Settings {
  std::optional<std::chrono::milliseconds> archive_rpo;
  std::optional<std::chrono::milliseconds> replication_lag_warn;
  std::optional<std::uint64_t> replication_lag_bytes_warn;
  long long min_standbys = 0;
  std::optional<std::uint64_t> slot_retained_warn;

  bool archive() const { return archive_rpo.has_value(); }
  bool replication() const {
    return replication_lag_warn || replication_lag_bytes_warn || min_standbys > 0 ||
           slot_retained_warn;
  }
  bool any() const { return archive() || replication(); }
};

// Reads the keys above (config errors name the key).
Settings read_settings(config::Options& options);

struct Standby {
  std::string name, state;                                 // application_name, state
  std::optional<double> write_lag, flush_lag, replay_lag;  // seconds; NULL when idle
  std::optional<std::uint64_t> replay_bytes;               // current LSN − replay_lsn
};

struct Slot {
  std::string name;
  bool active = false;
  std::optional<std::uint64_t> retained_bytes;  // current LSN − restart_lsn; NULL: none reserved
};

// What one round-trip read. Times are the server's, in seconds since the epoch.
struct Figures {
  double now = 0;
  bool in_recovery = false;
  std::string archive_mode;  // off | on | always
  std::uint64_t segment_size = 0;
  std::uint64_t current_lsn = 0;  // on a standby: the last received (or replayed) position
  std::optional<std::string> last_archived_wal, last_failed_wal;
  std::optional<double> last_archived_time, last_failed_time;
  long long failed_count = 0;
  std::uint64_t rows_written = 0;  // rows inserted + updated + deleted, all databases
  std::vector<Standby> standbys;   // read only when replication keys are set
  std::vector<Slot> slots;
};

// Kept by the probe between checks (see the exposure rule above).
struct Memory {
  bool seen = false;  // a previous check read the archiver
  std::optional<std::string> archived_wal;
  std::optional<double> archived_time;
  std::optional<std::uint64_t> archived_end;  // end LSN of the last archived segment
  std::optional<std::uint64_t> baseline_lsn;  // nothing ever archived: the first LSN seen
  std::optional<double> pending_since;        // first check that saw writes pending
  bool failures_known = false;   // failed_count holds a reading (of this run, or restored)
  long long failed_count = 0;    // pg_stat_archiver.failed_count at that reading
  long long failures_total = 0;  // failures seen (see above); never decreases
  std::uint64_t rows_written = 0;
  std::optional<std::uint64_t> write_lsn;  // position at the last check that saw rows change
};

struct Evaluation {
  std::optional<ProbeResult> archive;      // an Unhealthy verdict, when there is one
  std::optional<ProbeResult> replication;  // a Degraded verdict, when there is one
  std::vector<Measurement> measurements;
};

// The end LSN (= start of the next segment) of the WAL segment `wal_name` names
// ("000000010000000A000000FF", optionally followed by ".partial") for the server's segment
// size; nullopt when the name holds no archived end (a .history or .backup file) or does not
// fit the size.
std::optional<std::uint64_t> segment_end_lsn(std::string_view wal_name, std::uint64_t segment_size);

// The query for `settings` (the replication columns are NULL when not needed), and its row
// (fields as text, nullopt for NULL) → Figures. parse_figures throws std::runtime_error on a
// row it cannot read.
std::string figures_sql(const Settings& settings);
Figures parse_figures(const std::vector<std::optional<std::string>>& row);

// The failure count as probe memory ("failures <total> <failed_count>"; "" before any reading),
// and back; restore_failures ignores a blob it cannot read.
std::string encode_failures(const Memory& memory);
void restore_failures(std::string_view blob, Memory& memory);

// The verdicts and measurements for one check; updates `memory`, so call it exactly once per
// check (a second call would compare the figures with themselves).
Evaluation evaluate(const Settings& settings, const Figures& figures, Memory& memory);

}  // namespace watchdog::probes::postgres_wal
