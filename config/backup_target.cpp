#include "config/backup_target.h"

#include <cctype>
#include <cstdio>

namespace watchdog::config {
namespace {

bool valid_target_name(const std::string& name) {
  if (name.empty() || name.size() > 64 || !std::isalnum(static_cast<unsigned char>(name[0]))) {
    return false;
  }
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') return false;
  }
  return true;
}

BackupSchedule read_schedule(Options& parent, const std::string& key) {
  BackupSchedule schedule;
  if (!parent.has(key)) return schedule;
  Options options = parent.child(key);
  if (auto interval = options.duration("interval")) {
    if (*interval < std::chrono::seconds(1)) options.fail("interval", "must be at least 1s");
    schedule.interval = *interval;
  }
  if (auto at = options.string("daily_at")) {
    schedule.daily_at = parse_time_of_day(*at);
    if (!schedule.daily_at) options.fail("daily_at", "expected HH:MM (UTC), got '" + *at + "'");
    if (schedule.interval > Duration::zero()) {
      options.fail("daily_at", "give either interval or daily_at, not both");
    }
  }
  if (!schedule.enabled()) options.fail("interval", "needs interval or daily_at");
  options.finish();
  return schedule;
}

RetentionPolicy read_retention(Options& parent) {
  RetentionPolicy policy;
  Options options = parent.child("retention");
  constexpr long long kMax = 100000;
  policy.keep_last = static_cast<int>(options.integer_or("keep_last", 0, 0, kMax));
  policy.keep_daily = static_cast<int>(options.integer_or("keep_daily", 0, 0, kMax));
  policy.keep_weekly = static_cast<int>(options.integer_or("keep_weekly", 0, 0, kMax));
  policy.keep_monthly = static_cast<int>(options.integer_or("keep_monthly", 0, 0, kMax));
  policy.keep_within = options.duration_or("keep_within", Duration::zero());
  if (auto problem = keep_within_problem(policy.keep_within); !problem.empty()) {
    options.fail("keep_within", problem);
  }
  options.finish();
  return policy;
}

}  // namespace

std::string keep_within_problem(Duration keep_within) {
  if (keep_within == Duration::zero()) return "";
  if (keep_within < std::chrono::hours(1)) {
    return "must be at least 1h, got " + format_duration(keep_within) +
           " (`m` is minutes here, not months as in restic; for months write e.g. 180d)";
  }
  if (keep_within > std::chrono::hours(24 * 36525)) return "must be at most 100 years (36525d)";
  return "";
}

// "03:15" → 195 min.
std::optional<std::chrono::minutes> parse_time_of_day(const std::string& text) {
  if (text.size() != 5 || text[2] != ':') return std::nullopt;
  for (std::size_t i : {0, 1, 3, 4}) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return std::nullopt;
  }
  const int hours = std::stoi(text.substr(0, 2));
  const int minutes = std::stoi(text.substr(3, 2));
  if (hours > 23 || minutes > 59) return std::nullopt;
  return std::chrono::minutes(hours * 60 + minutes);
}

std::string BackupSchedule::text() const {
  if (interval > Duration::zero()) return "every " + format_duration(interval);
  if (daily_at) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "daily at %02d:%02d UTC",
                  static_cast<int>(daily_at->count() / 60),
                  static_cast<int>(daily_at->count() % 60));
    return buffer;
  }
  return "off";
}

namespace {

// postgres and mysql: dsn (postgres only) or host/port/dbname/user/password.
void read_connection(Options& options, BackupTargetSpec& spec) {
  const bool postgres = spec.kind == BackupKind::Postgres;
  if (postgres) spec.dsn = options.secret("dsn");
  const bool separate = options.has("host") || options.has("port") || options.has("dbname") ||
                        options.has("user") || options.has("password") ||
                        options.has("password_file");
  if (spec.dsn && separate) {
    options.fail("dsn", "give either dsn or host/port/dbname/user/password, not both");
  }
  spec.host = options.string_or("host", "");
  spec.port = static_cast<int>(options.integer_or("port", 0, 1, 65535));
  spec.dbname = options.string_or("dbname", "");
  spec.user = options.string_or("user", "");
  spec.password = options.secret("password");
  if (!spec.dsn && spec.dbname.empty()) {
    options.fail("dbname", postgres
                               ? "missing: give dsn (or dsn_file) or dbname with host/user/password"
                               : "missing: the database to back up");
  }
}

void read_postgres(Options& options, BackupTargetSpec& spec) {
  spec.sslmode = options.string_or("sslmode", "");
  spec.format = options.string_or("format", spec.format);
  if (spec.format != "custom" && spec.format != "directory") {
    options.fail("format", "expected custom or directory, got '" + spec.format + "'");
  }
  spec.compress = static_cast<int>(options.integer_or("compress", -1, 0, 9));
  spec.pg_dump = options.string_or("pg_dump", spec.pg_dump);
  spec.pg_restore = options.string_or("pg_restore", spec.pg_restore);
}

// The row counts kept in the metadata (postgres, mysql): exact or estimated.
void read_row_counts(Options& options, BackupTargetSpec& spec) {
  const std::string counts = options.string_or("row_counts", "exact");
  if (counts != "exact" && counts != "estimated") {
    options.fail("row_counts", "expected exact or estimated, got '" + counts + "'");
  }
  spec.exact_row_counts = counts == "exact";
}

std::vector<std::string> read_argv(Options& options, const std::string& key, bool required) {
  if (!options.has(key)) {
    if (required) options.fail(key, "missing: the argv to run, e.g. [mongodump, --archive]");
    return {};
  }
  auto argv = options.string_list(key);
  if (argv.empty() || argv[0].empty()) options.fail(key, "must name a program to run");
  return argv;
}

void read_command(Options& options, BackupTargetSpec& spec) {
  spec.command.command = read_argv(options, "command", true);
  spec.command.restore_command = read_argv(options, "restore_command", false);
  spec.command.check_command = read_argv(options, "check_command", false);
  spec.command.extension = options.string_or("extension", spec.command.extension);
  spec.command.env = options.string_map("env");
  spec.command.inherit_env = options.boolean_or("inherit_env", false);
  const auto& ext = spec.command.extension;
  const bool valid = !ext.empty() && ext.front() != '.' && ext.back() != '.' && ext != "json" &&
                     ext.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789.") ==
                         std::string::npos;
  if (!valid) {
    options.fail("extension", "expected lower-case letters, digits and inner dots (archive.gz), "
                              "not json; got '" + ext + "'");
  }
}

void read_files(Options& options, BackupTargetSpec& spec) {
  spec.files.source = options.required_string("source");
  if (!spec.files.source.is_absolute()) options.fail("source", "must be an absolute path");
  if (options.has("exclude")) spec.files.exclude = options.string_list("exclude");
}

BackupKind read_kind(Options& options) {
  const std::string kind = options.string_or("kind", "postgres");
  for (auto candidate : {BackupKind::Postgres, BackupKind::Mysql, BackupKind::Command,
                         BackupKind::Files}) {
    if (kind == kind_name(candidate)) return candidate;
  }
  options.fail("kind", "expected postgres, mysql, command or files, got '" + kind + "'");
  return BackupKind::Postgres;
}

}  // namespace

const char* kind_name(BackupKind kind) {
  switch (kind) {
    case BackupKind::Postgres: return "postgres";
    case BackupKind::Mysql: return "mysql";
    case BackupKind::Command: return "command";
    case BackupKind::Files: return "files";
  }
  return "postgres";
}

BackupTargetSpec read_backup_target(Options& options) {
  BackupTargetSpec spec;
  spec.name = options.required_string("name");
  if (!valid_target_name(spec.name)) {
    options.fail("name", "invalid backup target name '" + spec.name +
                             "' (letters, digits, '.', '-', starting with a letter or digit, at "
                             "most 64 characters; '_' separates the name from the time in file "
                             "names)");
  }
  spec.kind = read_kind(options);
  switch (spec.kind) {
    case BackupKind::Postgres:
      read_connection(options, spec);
      read_postgres(options, spec);
      read_row_counts(options, spec);
      break;
    case BackupKind::Mysql:
      read_connection(options, spec);
      read_row_counts(options, spec);
      spec.mysql.dump = options.string_or("mysqldump", spec.mysql.dump);
      spec.mysql.client = options.string_or("mysql", spec.mysql.client);
      break;
    case BackupKind::Command: read_command(options, spec); break;
    case BackupKind::Files: read_files(options, spec); break;
  }

  spec.directory = options.required_string("directory");
  if (!spec.directory.is_absolute()) options.fail("directory", "must be an absolute path");
  spec.verify_after_backup = options.boolean_or("verify_after_backup", true);
  spec.rpo = options.duration_or("rpo", spec.rpo);
  if (spec.rpo <= Duration::zero()) options.fail("rpo", "must be greater than 0");
  spec.min_size = options.size("min_size").value_or(spec.min_size);
  spec.retention = read_retention(options);
  spec.safety_keep = static_cast<int>(options.integer_or("safety_keep", spec.safety_keep, 1, 1000));
  spec.schedule = read_schedule(options, "schedule");
  spec.drill = read_schedule(options, "drill");
  spec.jobs = static_cast<int>(options.integer_or("jobs", spec.jobs, 1, 64));
  spec.timeout = options.duration_or("timeout", spec.timeout);
  if (spec.timeout <= Duration::zero()) options.fail("timeout", "must be greater than 0");
  options.finish();
  return spec;
}

const BackupTargetSpec* find_backup_target(const std::vector<BackupTargetSpec>& targets,
                                           const std::string& name) {
  for (const auto& target : targets) {
    if (target.name == name) return &target;
  }
  return nullptr;
}

}  // namespace watchdog::config
