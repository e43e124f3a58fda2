#include "watchdog/gameday/target_database.h"

#include "actions/backup/mysql_client.h"
#include "probes/clients/mysql_session.h"
#include "probes/clients/pg_connection.h"
#include "watchdog/gameday/scenario.h"

namespace watchdog::gameday {
namespace {

using Kind = config::BackupKind;
using SteadyClock = std::chrono::steady_clock;

actions::PgConnection pg_connection(const config::BackupTargetSpec& target) {
  std::string error;
  auto connection = actions::connection_of(target, error);
  if (!connection) throw ScenarioError("backup target " + target.name + ": " + error);
  return *connection;
}

probes::mysql::Endpoint mysql_endpoint(const config::BackupTargetSpec& target,
                                       TargetDatabase::Which which) {
  probes::mysql::Endpoint endpoint;
  endpoint.host = target.host.empty() ? "localhost" : target.host;
  endpoint.port = target.port > 0 ? target.port : 3306;
  endpoint.user = target.user;
  if (target.password) endpoint.password = target.password->value;
  if (which == TargetDatabase::Which::Own) endpoint.database = target.dbname;
  return endpoint;
}

}  // namespace

std::string target_database_name(const config::BackupTargetSpec& target) {
  std::string name;
  if (target.kind == Kind::Postgres) {
    name = pg_connection(target).dbname();
  } else if (target.kind == Kind::Mysql) {
    name = target.dbname;
  } else {
    throw ScenarioError("backup target " + target.name + " is kind " + kind_name(target.kind) +
                        ": a database scenario needs kind postgres or mysql");
  }
  if (name.empty()) throw ScenarioError("backup target " + target.name + " names no database");
  return name;
}

struct TargetDatabase::Impl {
  std::unique_ptr<actions::PgSession> pg;
  std::unique_ptr<probes::mysql::Session> mysql;
};

TargetDatabase::TargetDatabase(const config::BackupTargetSpec& target, Which which,
                               std::chrono::milliseconds timeout)
    : impl_(std::make_unique<Impl>()), timeout_(timeout) {
  const std::string database = target_database_name(target);
  postgres_ = target.kind == Kind::Postgres;
  if (postgres_) {
    auto connection = pg_connection(target);
    if (which == Which::Maintenance) {
      // DROP DATABASE cannot run inside the database itself; template1 when it is `postgres`.
      connection = connection.with_dbname(database == "postgres" ? "template1" : "postgres");
    }
    impl_->pg = std::make_unique<actions::PgSession>(connection, timeout);
    if (!impl_->pg->ok()) {
      error_ = impl_->pg->error();
      database_missing_ = error_.find("does not exist") != std::string::npos;
    } else {
      // libpq prints NOTICEs ("table … does not exist, skipping") to stderr: not ours to show.
      impl_->pg->exec("SET client_min_messages = warning");
    }
    return;
  }
  impl_->mysql = std::make_unique<probes::mysql::Session>(mysql_endpoint(target, which));
  const auto outcome = impl_->mysql->connect(SteadyClock::now() + timeout);
  if (!outcome.ok()) {
    error_ = outcome.message;
    database_missing_ = outcome.failure == probes::mysql::Failure::UnknownDatabase;
  }
}

TargetDatabase::~TargetDatabase() = default;

std::optional<SqlRows> TargetDatabase::query(const std::string& sql) {
  if (impl_->pg) {
    auto rows = impl_->pg->query(sql);
    error_ = rows ? "" : impl_->pg->error();
    return rows;
  }
  if (!impl_->mysql->connected()) {
    if (error_.empty()) error_ = "not connected";
    return std::nullopt;
  }
  probes::mysql::Rows rows;
  const auto outcome = impl_->mysql->query(sql, SteadyClock::now() + timeout_, rows);
  if (!outcome.ok()) {
    error_ = outcome.message.empty() ? "no answer in time" : outcome.message;
    return std::nullopt;
  }
  error_.clear();
  SqlRows out;
  for (const auto& row : rows.rows) {
    auto& line = out.emplace_back();
    for (const auto& value : row) line.push_back(value.value_or(""));
  }
  return out;
}

std::string TargetDatabase::identifier(const std::string& name) const {
  return postgres_ ? actions::quote_identifier(name) : actions::mysql_identifier(name);
}

std::string TargetDatabase::literal(const std::string& text) const {
  if (!postgres_) return actions::mysql_literal(text);
  std::string quoted = "'";  // standard_conforming_strings: only ' needs doubling
  for (char c : text) quoted += c == '\'' ? std::string("''") : std::string(1, c);
  return quoted + "'";
}

bool database_exists(const config::BackupTargetSpec& target) {
  const std::string name = target_database_name(target);
  TargetDatabase admin(target, TargetDatabase::Which::Maintenance, std::chrono::seconds(10));
  if (!admin.ok())
    throw ScenarioError("cannot connect to the server of " + name + ": " + admin.error());
  const std::string sql =
      admin.is_postgres()
          ? "SELECT count(*) FROM pg_database WHERE datname = " + admin.literal(name)
          : "SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = " +
                admin.literal(name);
  auto rows = admin.query(sql);
  if (!rows || rows->empty() || rows->front().empty()) {
    throw ScenarioError("cannot ask whether database " + name + " exists: " + admin.error());
  }
  return rows->front().front() != "0";
}

void drop_database(const config::BackupTargetSpec& target) {
  const std::string name = target_database_name(target);
  TargetDatabase admin(target, TargetDatabase::Which::Maintenance, std::chrono::seconds(30));
  if (!admin.ok())
    throw ScenarioError("cannot connect to the server of " + name + ": " + admin.error());
  const std::string sql =
      "DROP DATABASE " + admin.identifier(name) + (admin.is_postgres() ? " WITH (FORCE)" : "");
  if (!admin.exec(sql)) throw ScenarioError("cannot drop database " + name + ": " + admin.error());
}

}  // namespace watchdog::gameday

namespace watchdog::gameday {

const config::BackupTargetSpec& gameday_any_backup_target(const config::Config& config,
                                                          const config::ComponentSpec& component,
                                                          const std::string& scenario) {
  const std::string& name = component.gameday.backup_target;
  if (name.empty()) {
    throw ScenarioError(scenario + " needs gameday.backup_target on component " + component.name);
  }
  const auto* target = config::find_backup_target(config.backups, name);
  if (target == nullptr) {
    throw ScenarioError(scenario + ": gameday.backup_target " + name + " is not in backups:");
  }
  return *target;
}

const config::BackupTargetSpec& gameday_backup_target(const config::Config& config,
                                                      const config::ComponentSpec& component,
                                                      const std::string& scenario) {
  const auto& target = gameday_any_backup_target(config, component, scenario);
  target_database_name(target);  // refuses kinds without a database
  return target;
}

}  // namespace watchdog::gameday
