#include "watchdog/cli/backup_report_command.h"

#include <iostream>
#include <thread>

#include "config/time_text.h"
#include "config/units.h"
#include "watchdog/alerts/dispatcher.h"
#include "watchdog/backup_report_scheduler.h"
#include "watchdog/cli/backup_report.h"
#include "watchdog/metrics.h"
#include "watchdog/plan.h"
#include "watchdog/store/state_store.h"

namespace watchdog::core {
namespace {

constexpr auto kDeliveryWait = std::chrono::seconds(30);

struct ReportArgs {
  std::string config_path;
  std::string target;
  std::string since;
  bool json = false;
  bool send = false;
};

// Queues the report for the configured sinks and waits until none of its rows is pending.
// True when every sink took it.
bool send_now(Plan& plan, const BackupReport& report) {
  const auto spec = plan.config.backup_report.value_or(config::BackupReportSpec{});
  const auto sinks = report_sinks(spec, plan.alerts);
  if (sinks.empty()) {
    std::cerr << "--send: no webhook, slack, discord or teams alert is configured\n";
    return false;
  }
  const auto& state_dir = plan.config.watchdog.state_dir;
  std::filesystem::create_directories(state_dir);
  store::StateStore::open(state_dir);  // creates the store (and so the outbox's file) if new
  auto outbox = alerts::Outbox::open(store::StateStore::file_in(state_dir));
  Metrics metrics;
  alerts::Dispatcher dispatcher(metrics, outbox);
  dispatcher.set_providers(plan.alerts);
  const auto key = "backup-report/manual-" + config::format_utc_stamp(report.generated);
  const auto queued = dispatcher.inform(report_event(report, key), sinks);
  const auto give_up = std::chrono::steady_clock::now() + kDeliveryWait;
  std::vector<alerts::OutboxEntry> rows;
  while (true) {
    rows.clear();
    for (auto& row : outbox->recent(200)) {
      if (row.key == key) rows.push_back(std::move(row));
    }
    const bool pending = std::any_of(rows.begin(), rows.end(),
                                     [](const auto& row) { return row.status == "pending"; });
    if (!pending || std::chrono::steady_clock::now() > give_up) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  dispatcher.stop(std::chrono::milliseconds(1000));
  bool all = rows.size() == queued.size();
  for (const auto& row : rows) {
    std::cout << "sent to " << row.sink << ": " << row.status
              << (row.last_error.empty() ? "" : " (" + row.last_error + ")") << "\n";
    all = all && row.status == "delivered";
  }
  return all && !queued.empty();
}

int run_report(const ReportArgs& args) {
  Plan plan = load_plan(std::filesystem::path(args.config_path));
  auto targets = plan.config.backups;
  if (!args.target.empty()) {
    const auto* target = config::find_backup_target(targets, args.target);
    if (target == nullptr) {
      std::cerr << "no backup target named '" << args.target << "'\n";
      return 2;
    }
    targets = {*target};
  }
  std::chrono::seconds since = std::chrono::duration_cast<std::chrono::seconds>(
      plan.config.backup_report.value_or(config::BackupReportSpec{}).since);
  if (!args.since.empty()) {
    try {
      since = std::chrono::duration_cast<std::chrono::seconds>(config::parse_duration(args.since));
    } catch (const std::invalid_argument& error) {
      std::cerr << "--since: " << error.what() << "\n";
      return 2;
    }
  }
  const auto report = build_report(targets, since, std::chrono::system_clock::now());
  if (args.json) {
    std::cout << report_json(report).dump(2) << "\n";
  } else {
    std::cout << render_text(report);
  }
  const bool delivered = !args.send || send_now(plan, report);
  return report.ok() && delivered ? 0 : 1;
}

}  // namespace

std::function<std::optional<int>()> register_backup_report_command(CLI::App& backups) {
  auto args = std::make_shared<ReportArgs>();
  auto* command = backups.add_subcommand("report",
                                         "per target: newest backup, RPO, size, "
                                         "verify, drill, storage, errors");
  command->add_option("-c,--config", args->config_path, "YAML file with `backups:`")->required();
  command->add_option("--target", args->target, "one backup target (default: all)");
  command->add_option("--since", args->since, "the period for errors and counts (default 24h)");
  command->add_flag("--json", args->json, "JSON instead of a table");
  command->add_flag("--send", args->send, "also send it to the report's alert sinks now");
  return [args, command]() -> std::optional<int> {
    if (!command->parsed()) return std::nullopt;
    try {
      return run_report(*args);
    } catch (const config::ConfigError& error) {
      std::cerr << "invalid configuration: " << error.what() << "\n";
      return 2;
    } catch (const std::exception& error) {
      std::cerr << "error: " << error.what() << "\n";
      return 1;
    }
  };
}

}  // namespace watchdog::core
