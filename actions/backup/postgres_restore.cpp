// PostgresDriver::restore (postgres_driver.h): pg_restore into a database, created when missing;
// the rules on ownership and on replacing a database that holds data are in restore.h.
#include <cstring>

#include "actions/backup/postgres_driver.h"
#include "probes/clients/pg_connection.h"
#include "probes/clients/process_runner.h"

namespace watchdog::actions {
namespace {

namespace bk = probes::backup;
using Clock = std::chrono::steady_clock;

std::string quote_literal(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string tool_error(const probes::ProcessResult& run) {
  if (!run.started) return "cannot start pg_restore: " + run.start_error;
  if (run.timed_out) return "pg_restore killed at the timeout";
  if (run.signal != 0) return "pg_restore killed by " + probes::signal_name(run.signal);
  // The last "error:" line says why (--exit-on-error stops at the first one).
  std::string line;
  for (auto at = run.output_tail.find("error: "); at != std::string::npos;
       at = run.output_tail.find("error: ", at + 1)) {
    line = run.output_tail.substr(at + 7, run.output_tail.find('\n', at) - at - 7);
  }
  return "pg_restore exit " + std::to_string(run.exit_code) +
         (line.empty() ? "" : ": " + probes::first_line(line, 160));
}

// Counts finished items from pg_restore --verbose output, line by line.
struct ProgressParser {
  const RestoreRequest& request;
  int total = 0;
  int done = 0;
  bool parallel_phase = false;
  std::string pending;

  void operator()(const char* data, std::size_t size) {
    pending.append(data, size);
    for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
      line(pending.substr(0, nl));
      pending.erase(0, nl + 1);
    }
  }
  void line(const std::string& text) {
    if (text.find("launching item") != std::string::npos) parallel_phase = true;
    const bool counts =
        request.jobs > 1
            ? text.find("finished item") != std::string::npos ||
                  (!parallel_phase && text.find("pg_restore: creating ") != std::string::npos)
            : text.find("pg_restore: creating ") != std::string::npos ||
                  text.find("pg_restore: processing data") != std::string::npos;
    if (!counts) return;
    done = std::min(done + 1, std::max(total - 1, 0));
    request.progress(done, total,
                     probes::first_line(text.substr(std::min<std::size_t>(12, text.size())), 60));
  }
};

int count_items(const config::BackupTargetSpec& target, const std::string& path) {
  probes::ProcessSpec spec;
  spec.argv = {target.pg_restore, "--list", path};
  spec.timeout = std::chrono::seconds(60);
  spec.tail_bytes = 1 << 22;
  const auto run = probes::run_process(spec);
  int items = 0;
  std::size_t start = 0;
  while (start < run.output_tail.size()) {
    auto end = run.output_tail.find('\n', start);
    if (end == std::string::npos) end = run.output_tail.size();
    if (end > start && run.output_tail[start] != ';') ++items;
    start = end + 1;
  }
  return items;
}

// The role to create the database for and restore as: `wanted` when it exists and the
// restoring user may SET ROLE to it; "" (the restoring user) otherwise, with a note why.
std::string restore_role(PgSession& admin, const std::string& wanted, std::string& note) {
  if (wanted.empty()) return "";

  auto rows = admin.query(
      "SELECT pg_has_role(current_user, oid, 'MEMBER'), rolname = current_user"
      " FROM pg_roles WHERE rolname = " +
      quote_literal(wanted));
  if (!rows || rows->empty()) {
    note = "role " + wanted + " does not exist here: restored as the connecting user";
    return "";
  }
  if (rows->at(0).at(1) == "t") return "";  // the restoring user is the owner
  if (rows->at(0).at(0) != "t") {
    note = "the connecting user may not act as role " + wanted + ": restored as itself";
    return "";
  }
  return wanted;
}

bool is_superuser(PgSession& admin) {
  auto rows = admin.query("SELECT rolsuper FROM pg_roles WHERE rolname = current_user");
  return rows && !rows->empty() && rows->at(0).at(0) == "t";
}

// Creates (or, with replace, recreates) the destination and picks the role to restore as;
// "" or the reason it refused/failed.
std::string prepare_destination(const RestoreRequest& request, const bk::BackupMetadata& backup,
                                Clock::time_point deadline, RestoreOutcome& outcome) {
  using State = Destination::State;
  const std::string& db = request.into.dbname();
  PgSession admin(request.into.with_dbname(db == "postgres" ? "template1" : "postgres"),
                  std::chrono::seconds(10));
  if (!admin.ok()) return "cannot connect to the destination server: " + admin.error();
  auto exists = admin.query("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = " +
                            quote_literal(db));
  if (!exists) return admin.error();
  Destination destination{State::Missing, db, "", "", request.into, deadline};
  std::string owner = backup.owner;
  if (!exists->empty()) {
    owner = destination.owner = exists->at(0).at(0);
    PgSession existing(request.into, std::chrono::seconds(10));
    auto relations = existing.query(
        "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE "
        "c.relkind IN ('r', 'p', 'v', 'm', 'S') AND n.nspname NOT IN ('pg_catalog', "
        "'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%'");
    const std::string count = relations ? relations->at(0).at(0) : "";
    destination.state = !relations     ? State::Unreachable
                        : count == "0" ? State::Empty
                                       : State::HoldsData;
    destination.why = relations ? "" : existing.error();
    if (!request.replace && destination.state == State::Unreachable) {
      return "cannot inspect database " + db + ": " + existing.error();
    }
    if (!request.replace && destination.state == State::HoldsData) {
      outcome.refused = true;
      return "database " + db + " exists and holds " + count +
             " relations; refusing to overwrite it without --yes (replace)";
    }
  }
  if (request.replace && request.before_replace) {
    if (std::string refusal = request.before_replace(destination); !refusal.empty()) {
      outcome.refused = true;
      return refusal;
    }
  }
  // A superuser replays the dump's own ALTER … OWNER statements (every object keeps its owner,
  // as on the source) and may run what needs superuser (CREATE EXTENSION of an untrusted
  // extension); anyone else restores as the owner role (see restore.h).
  outcome.keep_dump_owners = is_superuser(admin);
  outcome.owner = outcome.keep_dump_owners ? "" : restore_role(admin, owner, outcome.note);
  const std::string database_owner = outcome.keep_dump_owners ? owner : outcome.owner;
  if (destination.state == State::Empty) return "";
  if (destination.state != State::Missing &&
      !admin.exec("DROP DATABASE " + quote_identifier(db) + " WITH (FORCE)")) {
    return "cannot drop database " + db + ": " + admin.error();
  }
  const std::string create =
      "CREATE DATABASE " + quote_identifier(db) +
      (database_owner.empty() ? "" : " OWNER " + quote_identifier(database_owner));
  if (!admin.exec(create)) return "cannot create database " + db + ": " + admin.error();
  return "";
}

}  // namespace

void PostgresDriver::restore(const bk::BackupMetadata& backup, const RestoreRequest& request,
                             Clock::time_point deadline, RestoreOutcome& outcome) {
  if (request.into.dbname().empty()) {
    outcome.error = "the destination DSN names no database (dbname)";
    return;
  }
  outcome.error = prepare_destination(request, backup, deadline, outcome);
  if (!outcome.error.empty()) return;

  const std::string path = (target_.directory / backup.file).string();
  ProgressParser parser{request, 0, 0, false, {}};
  probes::ProcessSpec spec;
  spec.argv = {target_.pg_restore, "--no-password", "--exit-on-error",
               "--jobs=" + std::to_string(request.jobs), "--dbname=" + request.into.conninfo()};
  if (!outcome.keep_dump_owners) spec.argv.push_back("--no-owner");
  if (!outcome.owner.empty()) spec.argv.push_back("--role=" + outcome.owner);
  if (request.progress) {
    parser.total = count_items(target_, path);
    spec.argv.push_back("--verbose");
    spec.on_output = std::ref(parser);
  }
  spec.argv.push_back(path);
  spec.env = request.into.child_env();
  spec.timeout =
      std::max(std::chrono::milliseconds(1),
               std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
  const auto run = probes::run_process(spec);
  if (!run.started || run.timed_out || run.signal != 0 || run.exit_code != 0) {
    outcome.error = tool_error(run);
    return;
  }
  if (request.progress) request.progress(parser.total, parser.total, "done");
  if (!request.compare_row_counts) return;
  PgSession restored(request.into, std::chrono::seconds(10));
  auto counts = restored.row_counts(backup.row_counts_exact);
  if (!counts) {
    outcome.error = "cannot count rows after the restore: " + restored.error();
    return;
  }
  outcome.error = compare_row_counts(backup, *counts);
  if (outcome.error.empty()) {
    outcome.detail = std::to_string(counts->size()) + " tables, row counts " +
                     (backup.row_counts_exact ? "match" : "present (estimates)");
  }
}

}  // namespace watchdog::actions
