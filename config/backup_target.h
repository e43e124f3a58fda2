#pragma once
// One entry of the top-level `backups:` list: something the watchdog backs up, keeps
// (retention), proves (verify, restore drills) and restores. `kind` says what (default
// postgres); everything but the dump, restore and drill is the same for every kind
// (actions/backup/backup_kind.h):
//   postgres  a database, pg_dump (the keys below)
//   mysql     a MySQL/MariaDB database, mariadb-dump (host/port/dbname/user/password)
//   command   any argv whose stdout is the dump (`command`), with optional `restore_command`
//             and `check_command` (both read the dump on stdin)
//   files     a directory tree (`source`) as a tar stream with a per-file listing
//
//   backups:
//     - name: main                       # names files main_YYYYmmddTHHMMSSZ.dump
//       dsn: ${MAIN_DSN}                 # secret (or dsn_file); or host/port/dbname/user/password
//       directory: /backups/main         # absolute; may be shared by several targets
//       format: custom                   # custom (-Fc, default) | directory (-Fd)
//       rpo: 25h                         # default for `backup` probes naming this target
//       retention: {keep_last: 3, keep_daily: 7, keep_weekly: 4, keep_monthly: 6}
//       schedule: {interval: 6h}         # or {daily_at: "03:15"} (UTC); none = no schedule
//       drill: {daily_at: "04:00"}       # restore drills inside `watchdog run`; optional
//       jobs: 2                          # pg_restore -j (and pg_dump -j for `directory`)
//       safety_keep: 3                   # safety dumps kept (taken before a destructive restore)
//
// The password is never written to argv, logs or metadata: actions pass it to pg_dump and
// pg_restore through PGPASSWORD. Probes and actions refer to a target by `target: NAME`; the
// plan hands the factories this list (see probes/factory.h).

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/options.h"
#include "config/units.h"

namespace watchdog::config {

// restic `forget` semantics (see actions/backup/retention.h); all zero = keep everything.
// Why `keep_within` is refused, or "" when it is fine: 0 (off) or 1h … 100 years. Under an
// hour is refused because restic's `m` means months while ours means minutes (keep_within: 6m
// would keep 6 minutes of backups); above 100 years the cutoff would overflow the clock.
std::string keep_within_problem(Duration keep_within);

struct RetentionPolicy {
  int keep_last = 0;
  int keep_daily = 0;
  int keep_weekly = 0;
  int keep_monthly = 0;
  Duration keep_within = Duration::zero();  // everything newer than the newest minus this
  bool keeps_everything() const {
    return keep_last == 0 && keep_daily == 0 && keep_weekly == 0 && keep_monthly == 0 &&
           keep_within == Duration::zero();
  }
};

// Either every `interval` or once a day at `daily_at` (minutes after 00:00 UTC); neither = off.
struct BackupSchedule {
  Duration interval = Duration::zero();
  std::optional<std::chrono::minutes> daily_at;
  bool enabled() const { return interval > Duration::zero() || daily_at.has_value(); }
  std::string text() const;  // "every 6h", "daily at 03:15 UTC", "off"
};

enum class BackupKind { Postgres, Mysql, Command, Files };
const char* kind_name(BackupKind kind);  // "postgres", …

// kind: command. Argvs run without a shell; the dump is the command's stdout.
struct CommandDumpSpec {
  std::vector<std::string> command;          // required: writes the dump to stdout
  std::vector<std::string> restore_command;  // optional: reads a dump on stdin and restores it
  std::vector<std::string> check_command;    // optional: reads a dump on stdin; exit 0 = usable
  std::string extension = "dump";            // the data file's extension ("archive.gz")
  // The commands' environment: `env` on the minimal base (PATH, HOME, LANG, TZ, LC_ALL), or on
  // the watchdog's whole environment with `inherit_env` (see probes/clients/process_runner.h).
  std::map<std::string, std::string> env;
  bool inherit_env = false;
};

// kind: files. The tree under `source` (regular files, directories, symlinks as links).
struct FilesSpec {
  std::filesystem::path source;       // absolute
  std::vector<std::string> exclude;   // glob patterns matched against paths relative to source
};

// kind: mysql. The client tools (found on PATH by default).
struct MysqlTools {
  std::string dump = "mariadb-dump";  // or mysqldump
  std::string client = "mariadb";     // or mysql
};

struct BackupTargetSpec {
  std::string name;
  BackupKind kind = BackupKind::Postgres;
  CommandDumpSpec command;  // kind: command
  FilesSpec files;          // kind: files
  MysqlTools mysql;         // kind: mysql
  // Connection (postgres, mysql): `dsn` (libpq key=value or URI; postgres only), or the
  // separate keys below.
  std::optional<Secret> dsn;
  std::string host;  // empty = libpq default
  int port = 0;      // 0 = libpq default
  std::string dbname;
  std::string user;
  std::optional<Secret> password;
  std::string sslmode;

  std::filesystem::path directory;
  std::string format = "custom";    // "custom" | "directory"
  int compress = -1;                // pg_dump -Z; -1 = pg_dump's default
  bool exact_row_counts = true;     // count(*) per table in the dump's snapshot; false = reltuples
  bool verify_after_backup = true;  // re-read the finished file once and compare checksums
  Duration rpo = std::chrono::hours(25);
  std::uint64_t min_size = 1;
  RetentionPolicy retention;
  // Safety dumps (actions/backup/safety_dump.h) kept per target, newest first; retention never touches
  // them, and a new safety dump prunes the older ones beyond this count.
  int safety_keep = 3;
  BackupSchedule schedule;
  BackupSchedule drill;
  std::string pg_dump = "pg_dump";
  std::string pg_restore = "pg_restore";
  int jobs = 2;
  Duration timeout = std::chrono::hours(1);  // one pg_dump or pg_restore run
  // Not a key: `<watchdog.state_dir>/backup-status`, set by the loader. A backup attempt whose
  // status file beside the backups cannot be written (volume full or read-only) is recorded
  // here instead, and the `backup` probe and the scheduler read both places
  // (probes/backup/backup_attempts.h). Carried by the target so that every writer (scheduler,
  // backup_now, CLI) and the probe agree without probes/ or actions/ knowing the config's
  // watchdog section. Empty = no fallback.
  std::filesystem::path status_fallback_directory;
};

// Reads and validates one `backups:` entry (calls options.finish()). Throws ConfigError.
BackupTargetSpec read_backup_target(Options& options);

// The target called `name`, or nullptr.
// "03:15" → 195 min; nothing unless exactly two digits, ':', two digits (00:00–23:59).
std::optional<std::chrono::minutes> parse_time_of_day(const std::string& text);

const BackupTargetSpec* find_backup_target(const std::vector<BackupTargetSpec>& targets,
                                           const std::string& name);

}  // namespace watchdog::config
