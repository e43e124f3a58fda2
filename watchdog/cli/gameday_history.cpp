// `watchdog gameday` registration, `--list` and `history` (the run itself: gameday_command.cpp).
#include <iostream>
#include <nlohmann/json.hpp>

#include "config/loader.h"
#include "config/time_text.h"
#include "watchdog/cli/gameday_command.h"
#include "watchdog/cli/summary.h"
#include "watchdog/gameday/gameday_store.h"
#include "watchdog/gameday/report.h"
#include "watchdog/gameday/scenario.h"

namespace watchdog::core {
namespace {

void add_config(CLI::App* command, std::string& config_path) {
  command->add_option("-c,--config", config_path, "the daemon's YAML file");
}

// "2m 41s" of a stored result, "-" when it has none (or cannot be read).
std::string time_to_recover(const gameday::GamedayRow& row) {
  if (row.result.empty()) return "-";
  try {
    const auto result = gameday::result_from_json(nlohmann::json::parse(row.result));
    if (auto took = result.time_to_recover()) {
      return config::coarse_duration(std::chrono::duration_cast<std::chrono::seconds>(*took));
    }
  } catch (const std::exception&) {
  }
  return "-";
}

// The row's own fields (stable, whatever the result's shape) and the stored result.
nlohmann::json row_json(const gameday::GamedayRow& row) {
  nlohmann::json doc = {{"id", row.id},
                        {"scenario", row.scenario},
                        {"component", row.component},
                        {"trigger", row.trigger},
                        {"status", row.status},
                        {"outcome", row.outcome},
                        {"started", config::format_rfc3339_ms(row.started)},
                        {"passed", nullptr},
                        {"finished", nullptr},
                        {"result", nullptr}};
  if (row.passed) doc["passed"] = *row.passed;
  if (row.finished) doc["finished"] = config::format_rfc3339_ms(*row.finished);
  if (!row.result.empty()) {
    auto result = nlohmann::json::parse(row.result, nullptr, false);
    if (!result.is_discarded()) doc["result"] = std::move(result);
  }
  return doc;
}

}  // namespace

GamedayCommand::GamedayCommand(CLI::App& app) {
  gameday_ = app.add_subcommand(
      "gameday", "break a staging component on purpose and measure the watchdog's recovery");
  add_config(gameday_, config_path_);
  gameday_->add_option("--scenario", scenario_, "scenario name (see --list)");
  gameday_->add_option("--component", component_, "the component to break");
  gameday_->add_option("--report", report_path_, "also write the Markdown report to this file");
  gameday_->add_flag("--json", json_, "print the result as JSON instead of Markdown");
  gameday_->add_flag("--yes", yes_, "no confirmation (automation)");
  gameday_->add_flag("--dry-run", dry_run_, "show the plan and the checks, inject nothing");
  gameday_->add_flag("--i-know-this-is-production", production_,
                     "allow a component that is not `staging: true`");
  gameday_->add_option("--timeout", timeout_,
                       "how long to wait for the outcome (default gameday.timeout, 2 × rto, 15m)");
  gameday_->add_flag("--list", list_, "list the scenarios (and, with -c, the components)");
  gameday_->require_subcommand(0, 1);

  history_ = gameday_->add_subcommand("history", "past game days from the state store");
  add_config(history_, config_path_);
  history_->add_option("--state-dir", state_dir_, "state directory (instead of --config)");
  history_->add_flag("--json", json_, "the stored results as JSON");
  history_->add_option("--limit", limit_, "at most this many, newest first (default 20)");
}

bool GamedayCommand::selected() const { return gameday_->parsed(); }

int GamedayCommand::list() {
  std::vector<std::vector<std::string>> rows = {{"SCENARIO", "WHAT IT DOES"}};
  for (const auto& info : gameday::builtin_scenarios()) rows.push_back({info.name, info.summary});
  print_table(rows, std::cout);
  if (config_path_.empty()) return 0;
  const auto config = config::load_config_file(config_path_);
  std::cout << "\ncomponents of " << config_path_ << ":\n";
  std::vector<std::vector<std::string>> components = {{"COMPONENT", "STAGING", "CUSTOM SCENARIOS"}};
  for (const auto& c : config.components) {
    std::string custom;
    for (const auto& s : c.gameday.scenarios) {
      custom += (custom.empty() ? "" : ", ") + s.name + " (expect " +
                config::expect_name(s.expect) + ")";
    }
    components.push_back({c.name, c.staging ? "yes" : "no", custom.empty() ? "-" : custom});
  }
  print_table(components, std::cout, "  ");
  return 0;
}

int GamedayCommand::history() {
  std::string state_dir = state_dir_;
  if (state_dir.empty() && !config_path_.empty()) {
    state_dir = config::load_config_file(config_path_).watchdog.state_dir.string();
  }
  if (state_dir.empty()) state_dir = config::kDefaultStateDir;
  std::unique_ptr<store::StateStore> store;
  try {
    store = store::StateStore::open_verified(state_dir);  // a damaged file: refused, exit 2
  } catch (const store::SqliteError& error) {
    if (!error.unusable_file()) throw;
    std::cerr << "error: " << store::StateStore::file_in(state_dir).string()
              << " is not a usable state database (" << error.what() << "); refusing to read it\n";
    return 2;
  }
  gameday::GamedayStore gamedays(*store);
  const auto past = gamedays.list(limit_);
  if (json_) {
    auto doc = nlohmann::json::array();
    for (const auto& row : past) doc.push_back(row_json(row));
    std::cout << doc.dump(2) << "\n";
    return 0;
  }
  if (past.empty()) {
    std::cout << "no game days yet\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows = {
      {"ID", "STARTED", "TRIGGER", "OUTCOME", "PASSED", "RECOVERED IN"}};
  for (const auto& row : past) {
    const bool done = row.status == gameday::kStatusDone;
    rows.push_back({row.id, config::format_rfc3339(row.started), row.trigger,
                    done ? row.outcome : row.status,
                    row.passed ? (*row.passed ? "yes" : "NO") : "-", time_to_recover(row)});
  }
  print_table(rows, std::cout);
  return 0;
}

}  // namespace watchdog::core
