#pragma once
// The watchdog's durable state: one SQLite file, `<state_dir>/watchdog.db`, in WAL mode.
//   components  the state machine of each component (JSON snapshot), saved after every change
//   incidents   + incident_events: the incident journal (see incident_journal.h)
//   mutes       `watchdog pause` until a time (probing goes on, actions and alerts are muted)
//   requests    operator commands (CLI `watchdog reset/pause/resume`, the HTTP operator API) the
//               running daemon picks up, applies on its loop and answers
//   probe_memory the latest memory blob of each (component, probe) that keeps one (the disk
//               probe's growth history; probes/probe.h), handed back after a restart
// The CLI and the daemon open the same file; SQLite's locking and a busy timeout serialise them.
//
// A file that is not a usable database is moved aside (watchdog.db.corrupt-<UTC stamp>) with a
// loud log line and a fresh one is created; when even that fails the store lives in memory so
// the watchdog keeps probing and recovering (and says so in the log).
//
// A file deleted or replaced under the running daemon (file_replaced(): the path's device and
// inode checked against the open connection's) is noticed by the engine within seconds and
// recreate_file() carries everything over to the file now at the path (see there).
//
// Thread-safety: none; each thread or process opens its own StateStore (its connection keeps the
// hot statements prepared: sqlite.h Database::kept).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "watchdog/store/sqlite.h"

namespace watchdog::store {

using TimePoint = std::chrono::system_clock::time_point;

struct Mute {
  std::string component;
  TimePoint until;
  std::string reason;
  TimePoint created;
};

// How the daemon answered a request (the HTTP API maps it to a status code).
inline constexpr const char* kRequestDone = "done";          // applied
inline constexpr const char* kRequestRefused = "refused";    // not applicable now (result says why)
inline constexpr const char* kRequestNotFound = "not_found";  // no such component or incident
// Acted on, and recovery gave up (FAILED: the ladder had no rung left or the budget was spent).
inline constexpr const char* kRequestGaveUp = "gave_up";
inline constexpr const char* kRequestError = "error";  // applying it threw (result says what)

// A probe's memory as saved: opaque text, given back only to a probe of the same kind.
struct ProbeMemory {
  std::string component;
  std::string probe;
  std::string kind;
  std::string memory;
};

struct Request {
  std::int64_t id = 0;
  std::string kind;  // "reset", "pause", "resume", "recover", "ack"
  std::string component;
  TimePoint created;
  std::optional<TimePoint> done;
  std::string result;        // what the daemon did, one line
  std::string requested_by;  // "cli", or "api <remote address>"; "" in rows of older versions
  std::string data = "{}";   // the kind's arguments as a JSON object (pause: until_ms, reason)
  std::string outcome;       // kRequestDone, kRequestRefused, … (kRequest*) once done
};

// What a caller asks for; `data` is the kind's arguments as a JSON object.
struct NewRequest {
  std::string kind;
  std::string component;
  std::string requested_by;
  std::string data = "{}";
};

class StateStore {
 public:
  // Opens (or creates) the store in `state_dir`; never throws for a bad file (see above).
  static std::unique_ptr<StateStore> open(const std::filesystem::path& state_dir);
  // Opens an existing store for a CLI command; throws SqliteError when it cannot.
  static std::unique_ptr<StateStore> open_existing(const std::filesystem::path& state_dir);
  // open_existing for a CLI command that reads, after proving the file is an intact database
  // (PRAGMA quick_check): a damaged file throws SqliteError (unusable_file()) naming it,
  // instead of answering from whatever part of it still reads.
  static std::unique_ptr<StateStore> open_verified(const std::filesystem::path& state_dir);
  // For reading only (the HTTP GETs): no migration, no write lock taken; throws SqliteError.
  static std::unique_ptr<StateStore> open_read_only(const std::filesystem::path& state_dir);
  static std::filesystem::path file_in(const std::filesystem::path& state_dir);

  Database& db() { return *db_; }
  bool in_memory() const { return in_memory_; }

  // Component snapshots (opaque JSON text here; see component_codec.h).
  void save_component(const std::string& name, const std::string& snapshot, TimePoint at);
  std::map<std::string, std::string> load_components();

  // Probe memories: one row per (component, probe), replaced by each save.
  void save_probe_memory(const ProbeMemory& memory, TimePoint at);
  std::vector<ProbeMemory> load_probe_memories();
  void forget_probe_memory(const std::string& component, const std::string& probe);

  void set_mute(const Mute& mute);
  bool clear_mute(const std::string& component);  // false when none was set
  std::vector<Mute> mutes();

  std::int64_t add_request(const NewRequest& request, TimePoint at);
  std::vector<Request> pending_requests();
  std::optional<Request> request(std::int64_t id);
  void complete_request(std::int64_t id, const std::string& result, const std::string& outcome,
                        TimePoint at);

  // True when another connection committed since the last call (cheap: no table reads).
  bool changed_elsewhere();

  // The file at the path is no longer the one this store writes to: deleted, or another file
  // put there (a stat(2); false for an in-memory store).
  bool file_replaced() const;
  // After file_replaced(): opens the file now at the path (a new one when none is there; a
  // damaged one is moved aside first), brings it to this schema and copies into it what this
  // connection still reads of the lost file (an unlinked file stays readable while open):
  // components, incidents and their timelines, pauses, requests, probe memories (the alert
  // outbox has its own connection and follows by itself: Outbox::follow_file). For pauses and
  // requests the rows the new file already has win (an operator may have just written them there);
  // for the rest ours do (they are the newest). From then on the store — and every holder of db() —
  // works on the new file; returns the rows copied. Throws SqliteError, and then stays on the lost
  // file (to try again later).
  std::int64_t recreate_file();

 private:
  StateStore(std::unique_ptr<Database> db, bool in_memory, bool migrated = true);
  void migrate();
  void add_missing_request_columns();

  std::unique_ptr<Database> db_;
  bool in_memory_ = false;
  std::int64_t seen_version_ = -1;
};

}  // namespace watchdog::store
