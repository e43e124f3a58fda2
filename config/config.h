#pragma once
// The whole configuration as plain structs, produced once by load_config() and never mutated.
// Kind-specific settings (a probe's url, an action's argv, …) stay in an Options view that the
// probe/action/alert factories read, so adding a kind never touches this file.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "config/backup_report.h"
#include "config/backup_target.h"
#include "config/gameday.h"
#include "config/maintenance.h"
#include "config/options.h"
#include "config/units.h"

namespace watchdog::config {

struct Listen {
  std::string host = "127.0.0.1";
  std::uint16_t port = 9187;
  std::string text() const { return host + ":" + std::to_string(port); }
};

// Optional leader lock: with several replicas, only the holder runs actions and sends alerts;
// every replica probes and exports metrics. kind "" = no lock (this replica always acts).
struct LeaderSpec {
  std::string kind;  // "", "redis", "postgres" or "kubernetes"
  Duration lease = std::chrono::seconds(15);
  Duration renew_interval = std::chrono::seconds(5);
  Options options;  // the kind's own keys (address, password, dsn, key, name, server, …)
};

inline constexpr const char* kDefaultStateDir = "/var/lib/watchdog";

struct WatchdogSettings {
  Listen listen;
  std::filesystem::path state_dir = kDefaultStateDir;
  int max_concurrent_recoveries = 2;  // actions running at once, across all components
  LeaderSpec leader;
  // Base URL operators reach this watchdog at; alerts link to <external_url>/incidents/<id>.
  std::string external_url;  // "" = no links
  int alert_senders = 4;     // threads delivering alerts, shared by all sinks
  // Threads running blocking checks (postgres, redis, command, disk, docker, …) at once; HTTP
  // and TCP checks run on one event loop instead. Abandoned (hung) checks do not count.
  int max_blocking_checks = 32;
  // The incident journal's retention: closed incidents (with their timelines) older than
  // `journal_retention`, or beyond the newest `journal_max_incidents`, are deleted, and so are
  // operator requests done longer ago than the retention. The counters they held are kept.
  Duration journal_retention = std::chrono::hours(24 * 90);
  long long journal_max_incidents = 100000;
  // `api_token_file`: the bearer token of the operator API's POST routes (the file's content,
  // trailing whitespace trimmed; at least 16 characters). Unset = those routes refuse all.
  // Re-read on SIGHUP. Never logged or shown.
  std::optional<Secret> api_token;
};

// Timing and thresholds of one probe; `defaults:` fills what a probe leaves out.
struct ProbeTiming {
  Duration interval = std::chrono::seconds(60);
  Duration timeout = std::chrono::seconds(10);
  Duration recheck_interval = std::chrono::seconds(5);
  // Spread: each probe runs on a grid with a fixed phase in [0, jitter) so probes sharing an
  // interval do not fire in lock-step; intervals themselves are exact (ProbeSchedule).
  // Default: the whole interval (README.md, `defaults:`).
  Duration jitter = Duration(-1);  // -1 = "the interval", resolved by the loader
  int failure_threshold = 3;
  int success_threshold = 2;
};

struct ProbeSpec {
  std::string name;
  std::string kind;
  ProbeTiming timing;
  Options options;  // the kind's own keys
};

struct ActionSpec {
  std::string name;  // `name:` or "<kind>-<index>"; used in metrics and logs
  std::string kind;  // "runbook" when the rung is given as `steps:`
  Duration timeout = std::chrono::seconds(60);  // a runbook: the sum of its steps' timeouts
  // The probe failure kinds ("not_found", "corrupt", …) this rung is for; empty = the kind's
  // default (restore_latest: not_found, corrupt) or, for a harmless action, any failure.
  // Checked against the failure kinds by the plan (config/ does not know them).
  std::vector<std::string> when;
  bool marked_destructive = false;  // `destructive: true`: a command that can destroy data
  // A runbook (several steps per attempt): `steps` run in order; when one fails the attempt
  // fails and `on_failure` runs (e.g. start the backend again). Empty for a single action.
  std::vector<ActionSpec> steps;
  std::vector<ActionSpec> on_failure;
  Options options;
};

struct RecoverySpec {
  int max_attempts = 3;                            // per incident; then FAILED
  Duration backoff = std::chrono::seconds(10);     // doubles after each failed attempt …
  Duration max_backoff = std::chrono::minutes(5);  // … up to this cap
  // Flap guard: an incident that needs recovery while `max_incidents` earlier ones already did
  // within `window` ends FAILED (a component that keeps breaking right after recovering).
  int max_incidents = 3;
  Duration window = std::chrono::hours(1);
  Duration verify_timeout = std::chrono::minutes(2);  // an action that does not heal by then failed
  // The ladder: each incident starts at rung 1; attempt N runs the next rung whose `when` fits
  // the failure, and the last one that fits once the ladder is climbed.
  std::vector<ActionSpec> actions;
};

// `managed_by:` the HA manager that owns a component (Patroni for a PostgreSQL node). While the
// manager is alive, paused or not known, the watchdog runs none of the component's actions: it
// alerts only (watchdog/engine/holds.h, manager_hold_reason). Read by config/loader_manager.cpp.
struct ManagerSpec {
  std::string kind;  // "patroni", the only kind so far
  Secret url;        // the REST API's base URL (`url` or `url_file`); may carry credentials
  // scheme://host:port of `url` without user info, path or query: what logs, holds and the
  // status show.
  std::string display;
  Duration interval = std::chrono::seconds(10);  // how often it is asked
  Duration timeout = std::chrono::seconds(2);    // per question (both requests together)
  // Manager down (no answer, or not alive): act as if unmanaged. Default: keep holding.
  bool act_when_manager_down = false;
};

// `flapping:` when a component counts as flapping (watchdog/engine/flapping.h): `start` changes
// of health within `window` fold its alerts into one FLAPPING alert, until at most `stop` remain
// within the window. `start: 0` turns flap detection off.
struct FlapSpec {
  Duration window = std::chrono::minutes(10);
  int start = 5;
  int stop = 2;
};

struct ComponentSpec {
  std::string name;
  bool critical = true;  // failing probes make it CRITICAL (recovery due); false → DEGRADED
  std::vector<std::string> depends_on;  // components recovered first (a DAG, checked at load)
  Duration rto = Duration::zero();      // recovery time objective for reports; 0 = none
  // A container stopped (or a deployment scaled to 0) on purpose makes the component DEGRADED
  // without any action; false: not even an alert (the journal still records it).
  bool alert_on_manual_stop = true;
  std::vector<ProbeSpec> probes;
  RecoverySpec recovery;
  FlapSpec flapping;
  std::optional<ManagerSpec> managed_by;  // nothing = the watchdog owns recovery
  // Game days (config/gameday.h): `staging: true` lets them break it; `gameday:` says how.
  bool staging = false;
  ComponentGameday gameday;
};

struct AlertSpec {
  std::string name;
  std::string kind;
  Options options;
};

struct Config {
  std::string source;  // file path, or "<embedded default>"
  WatchdogSettings watchdog;
  ProbeTiming defaults;
  std::vector<ComponentSpec> components;
  std::vector<AlertSpec> alerts;
  std::vector<MaintenanceWindowSpec> maintenance;
  std::vector<BackupTargetSpec> backups;  // `backups:` (config/backup_target.h)
  std::optional<BackupReportSpec> backup_report;  // `backup_report:` (config/backup_report.h)
  std::vector<ScheduledGamedaySpec> gamedays;     // `gamedays:` (config/gameday.h)
};

}  // namespace watchdog::config
