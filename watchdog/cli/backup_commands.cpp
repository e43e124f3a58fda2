#include "watchdog/cli/backup_commands.h"

#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "actions/backup/drill.h"
#include "actions/backup/backup_runner.h"
#include "actions/backup/restore.h"
#include "actions/backup/retention.h"
#include "config/time_text.h"
#include "config/units.h"
#include "probes/backup/backup_catalog.h"
#include "probes/clients/process_runner.h"
#include "watchdog/cli/prune_files.h"
#include "watchdog/cli/backup_report_command.h"
#include "watchdog/cli/retention_output.h"
#include "watchdog/plan.h"

namespace watchdog::core {
namespace {

namespace bk = probes::backup;
using config::BackupTargetSpec;

struct Args {
  std::string config_path;
  std::string target;
  bool json = false;
  bool all = false;
  bool dry_run = false;
  bool yes = false;
  std::string name;  // backup name, or "latest"
  std::string into, into_env;
  int jobs = 0;
};

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::vector<BackupTargetSpec> chosen_targets(const Plan& plan, const std::string& name) {
  const auto& all = plan.config.backups;
  if (all.empty()) throw UsageError("the configuration has no `backups:` targets");
  if (name.empty()) return all;
  const auto* target = config::find_backup_target(all, name);
  if (target == nullptr) throw UsageError("no backup target named '" + name + "'");
  return {*target};
}

std::string age_text(bk::SystemTime t) {
  auto age = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - t);
  return config::format_duration(std::max(age, std::chrono::seconds(0)));
}

std::string checksum_state(const BackupTargetSpec& target, const bk::BackupMetadata& b) {
  if (auto problem = bk::quick_check(target.directory, b)) return "BAD: " + *problem;
  if (b.verify_failed()) return "FAILED: " + b.verification->error;
  if (b.verified()) return "verified " + age_text(b.verification->at) + " ago";
  return "unverified";
}

int backup_now(const Plan& plan, const Args& args) {
  int code = 0;
  for (const auto& target : chosen_targets(plan, args.target)) {
    const auto outcome = actions::run_backup(target, target.timeout);
    std::cout << target.name << ": " << actions::describe_outcome(outcome) << "\n";
    for (const auto& removed : outcome.removed) std::cout << "  removed " << removed << "\n";
    if (!outcome.ok) code = 1;
  }
  return code;
}

int list(const Plan& plan, const Args& args) {
  nlohmann::json rows = nlohmann::json::array();
  std::printf("%-10s %-28s %-10s %-10s %-4s %s\n", "TARGET", "BACKUP", "AGE", "SIZE", "RPO",
              "CHECKSUM");
  for (const auto& target : chosen_targets(plan, args.target)) {
    std::string error;
    std::vector<std::string> unreadable;
    for (const auto& b : bk::list_backups(target.directory, target.name, error, &unreadable)) {
      const auto age = std::chrono::system_clock::now() - b.finished;
      const bool in_rpo = age <= target.rpo;
      const std::string state = checksum_state(target, b);
      if (args.json) {
        rows.push_back({{"target", target.name},
                        {"name", b.name},
                        {"file", b.file},
                        {"finished_at", config::format_rfc3339(b.finished)},
                        {"age_seconds", std::chrono::duration<double>(age).count()},
                        {"size_bytes", b.size_bytes},
                        {"sha256", b.sha256},
                        {"checksum", state},
                        {"within_rpo", in_rpo},
                        {"kind", "backup"}});
      } else {
        std::printf("%-10s %-28s %-10s %-10s %-4s %s\n", target.name.c_str(), b.name.c_str(),
                    age_text(b.finished).c_str(), config::format_size(b.size_bytes).c_str(),
                    in_rpo ? "yes" : "no", state.c_str());
      }
    }
    // Safety dumps (taken before a destructive restore): listed, marked, never "within RPO".
    for (const auto& b : bk::list_safety_dumps(target.directory, target.name)) {
      const std::string mark = "SAFETY DUMP" +
                               std::string(b.safety->salvaged ? " (salvaged)" : "") +
                               (b.safety->incident.empty() ? "" : " of " + b.safety->incident) +
                               "; " + checksum_state(target, b);
      if (args.json) {
        rows.push_back({{"target", target.name},
                        {"name", b.name},
                        {"file", b.file},
                        {"finished_at", config::format_rfc3339(b.finished)},
                        {"size_bytes", b.size_bytes},
                        {"sha256", b.sha256},
                        {"checksum", checksum_state(target, b)},
                        {"within_rpo", false},
                        {"kind", "safety"},
                        {"incident", b.safety->incident},
                        {"reason", b.safety->reason},
                        {"salvaged", b.safety->salvaged}});
      } else {
        std::printf("%-10s %-28s %-10s %-10s %-4s %s\n", target.name.c_str(), b.name.c_str(),
                    age_text(b.finished).c_str(), config::format_size(b.size_bytes).c_str(), "-",
                    mark.c_str());
      }
    }
    if (!error.empty()) std::cerr << target.name << ": " << error << "\n";
    for (const auto& why : unreadable) std::cerr << target.name << ": " << why << "\n";
    for (const auto& orphan : bk::orphan_files(target.directory, target.name)) {
      std::cerr << target.name << ": " << orphan << " has no metadata\n";
    }
  }
  if (args.json) {
    std::fflush(stdout);
    std::cout << rows.dump(2) << "\n";
  }
  return 0;
}

int verify(const Plan& plan, const Args& args) {
  int failures = 0;
  bool found = false;
  for (const auto& target : chosen_targets(plan, args.target)) {
    std::string error;
    std::vector<std::string> unreadable;
    auto backups = bk::list_backups(target.directory, target.name, error, &unreadable);
    if (!error.empty()) {
      std::cout << "FAILED " << target.name << ": " << error << "\n";
      ++failures;
      continue;
    }
    std::vector<bk::BackupMetadata*> chosen;
    for (auto& b : backups) {
      if (args.all || b.name == args.name || b.file == args.name) chosen.push_back(&b);
    }
    if (!args.all && args.name.empty() && !backups.empty()) chosen.push_back(&backups.back());
    if (args.all || args.name.empty()) {
      for (const auto& why : unreadable) {
        std::cout << "FAILED " << why << "\n";
        ++failures;
      }
      for (const auto& orphan : bk::orphan_files(target.directory, target.name)) {
        std::cout << "FAILED " << orphan << ": missing metadata\n";
        ++failures;
      }
    }
    for (auto* b : chosen) {
      found = true;
      const auto start = std::chrono::steady_clock::now();
      const auto result = actions::verify_and_record(target, *b);
      const auto elapsed = std::chrono::steady_clock::now() - start;
      if (result.ok) {
        const double seconds = std::max(1e-6, std::chrono::duration<double>(elapsed).count());
        std::printf("OK     %s  sha256 %s…  %s in %s (%.0f MiB/s)\n", b->name.c_str(),
                    b->sha256.substr(0, 16).c_str(), config::format_size(b->size_bytes).c_str(),
                    config::human_duration(elapsed).c_str(),
                    static_cast<double>(b->size_bytes) / seconds / (1 << 20));
      } else {
        std::cout << "FAILED " << result.error << "\n";  // names the file
        ++failures;
      }
    }
  }
  if (!found && !args.name.empty()) {
    std::cout << "FAILED no backup named " << args.name << "\n";
    return 1;
  }
  return failures == 0 ? 0 : 1;
}

int prune(const Plan& plan, const Args& args) {
  int code = 0;
  for (const auto& target : chosen_targets(plan, args.target)) {
    actions::BackupLock lock(target, true);
    if (!lock.held()) throw std::runtime_error(lock.error());
    const auto result = actions::apply_retention(target, args.dry_run);
    print_retention_decisions(result.decisions, args.dry_run, std::cout);
    if (!result.error.empty()) {
      std::cout << target.name << ": " << result.error << "\n";
      code = 1;
    }
  }
  return code;
}

// A bar on a terminal, a line per 10 % otherwise.
std::function<void(int, int, const std::string&)> progress_printer() {
  const bool tty = isatty(STDERR_FILENO) != 0;
  auto last = std::make_shared<int>(-1);
  return [tty, last](int done, int total, const std::string& item) {
    const int percent = total > 0 ? done * 100 / total : 0;
    if (tty) {
      const int filled = percent * 30 / 100;
      std::fprintf(stderr, "\r[%-30s] %3d%% %-50.50s", std::string(filled, '#').c_str(), percent,
                   item.c_str());
      if (done >= total) std::fprintf(stderr, "\n");
    } else if (percent / 10 != *last / 10 || done >= total) {
      std::fprintf(stderr, "restore progress %d%% (%d/%d items)\n", percent, done, total);
    }
    *last = percent;
  };
}

int restore(const Plan& plan, const Args& args) {
  std::string target_name = args.target;
  if (target_name.empty() && args.name != "latest")
    target_name = args.name.substr(0, args.name.find('_'));
  const auto targets = chosen_targets(plan, target_name);
  if (targets.size() != 1) throw UsageError("several backup targets: choose one with --target");
  std::string into = args.into;
  if (!args.into_env.empty()) {
    const char* value = std::getenv(args.into_env.c_str());
    if (value == nullptr) throw UsageError("--into-env: $" + args.into_env + " is not set");
    into = value;
  }
  actions::RestoreRequest request;
  request.backup = args.name;
  std::string destination = into;
  if (targets[0].kind == config::BackupKind::Postgres) {
    if (into.empty()) throw UsageError("--into DSN (or --into-env VAR) is required");
    std::string error;
    auto connection = actions::parse_dsn(into, error);
    if (!connection) throw UsageError("--into: " + error);
    request.into = *connection;
    destination = connection->dbname();
  } else {
    request.into_name = into;  // "" = the target's own database or directory
    if (destination.empty()) destination = "its own place";
  }
  request.jobs = args.jobs > 0 ? args.jobs : targets[0].jobs;
  request.replace = args.yes;
  request.timeout = targets[0].timeout;
  request.progress = progress_printer();
  const auto outcome = actions::restore_backup(targets[0], request);
  if (!outcome.ok) {
    std::cout << "restore " << (outcome.refused ? "refused" : "failed") << ": " << outcome.error
              << "\n";
    return 1;
  }
  std::cout << "restored " << outcome.backup << " into " << destination << " in "
            << config::human_duration(outcome.elapsed) << "\n";
  return 0;
}

int drill(const Plan& plan, const Args& args) {
  int code = 0;
  for (const auto& target : chosen_targets(plan, args.target)) {
    const auto outcome = actions::run_drill(target, target.timeout);
    std::cout << target.name << ": drill " << (outcome.ok ? "passed" : "FAILED") << ": "
              << outcome.detail << "\n";
    if (!outcome.ok) code = 1;
  }
  return code;
}

}  // namespace

std::function<std::optional<int>()> register_backup_commands(CLI::App& app) {
  auto args = std::make_shared<Args>();
  auto config_option = [&](CLI::App* command) {
    command->add_option("-c,--config", args->config_path, "YAML file with `backups:`")->required();
    command->add_option("--target", args->target, "one backup target (default: all)");
  };
  auto* backup = app.add_subcommand("backup", "back up a target now (any kind), verify, prune");
  config_option(backup);
  auto* backups = app.add_subcommand("backups", "list, verify or prune backups");
  backups->require_subcommand(1);
  auto run_report = register_backup_report_command(*backups);  // backup_report_command.h
  auto* list_command = backups->add_subcommand("list", "backups with age, size, checksum state");
  config_option(list_command);
  list_command->add_flag("--json", args->json, "JSON instead of a table");
  auto* verify_command = backups->add_subcommand("verify", "re-hash backups against metadata");
  config_option(verify_command);
  verify_command->add_option("name", args->name, "backup name (default: the newest)");
  verify_command->add_flag("--all", args->all, "every backup");
  auto* prune_command = backups->add_subcommand("prune", "apply the retention policy now");
  config_option(prune_command);
  prune_command->add_flag("--dry-run", args->dry_run, "list what would be deleted");
  auto prune_files = add_file_prune_options(*prune_command);  // --glob: plain files
  auto* restore_command = app.add_subcommand("restore", "restore a backup into a database");
  config_option(restore_command);
  restore_command->add_option("name", args->name, "backup name or `latest`")->required();
  restore_command->add_option(
      "--into", args->into,
      "postgres: destination DSN (names the database); mysql: database, files: directory "
      "(default: the target's own)");
  restore_command->add_option("--into-env", args->into_env, "variable holding --into's value");
  restore_command->add_option("-j,--jobs", args->jobs, "pg_restore jobs (default: target's)");
  restore_command->add_flag("--yes", args->yes, "replace a destination that holds tables");
  auto* drill_command = app.add_subcommand("drill", "restore drill: scratch DB, compare, drop");
  config_option(drill_command);

  using Handler = int (*)(const Plan&, const Args&);
  const std::vector<std::pair<CLI::App*, Handler>> handlers = {
      {backup, backup_now},   {list_command, list},       {verify_command, verify},
      {prune_command, prune}, {restore_command, restore}, {drill_command, drill}};
  return [args, handlers, prune_files, run_report]() -> std::optional<int> {
    if (auto code = prune_files()) return code;
    if (auto code = run_report()) return code;
    for (const auto& [command, handler] : handlers) {
      if (!command->parsed()) continue;
      try {
        return handler(load_plan(std::filesystem::path(args->config_path)), *args);
      } catch (const config::ConfigError& error) {
        std::cerr << "invalid configuration: " << error.what() << "\n";
        return 2;
      } catch (const UsageError& error) {
        std::cerr << error.what() << "\n";
        return 2;
      } catch (const std::exception& error) {
        std::cerr << "error: " << error.what() << "\n";
        return 1;
      }
    }
    return std::nullopt;
  };
}

}  // namespace watchdog::core
