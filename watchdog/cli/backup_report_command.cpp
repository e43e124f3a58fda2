#include "watchdog/cli/backup_report_command.h"

#include <algorithm>
#include <iostream>

#include "config/time_text.h"
#include "config/units.h"
#include "probes/clients/http_client.h"
#include "watchdog/alerts/retry_policy.h"
#include "watchdog/cli/backup_report.h"
#include "watchdog/plan.h"

namespace watchdog::core {
namespace {

struct ReportArgs {
  std::string config_path;
  std::string target;
  std::string since;
  bool json = false;
  bool send = false;
};

// Sends the report once, straight to each report sink (provider->format() + one HTTP request),
// and prints what each answered. Deliberately not through the daemon's outbox: a dispatcher on
// that file would also deliver the daemon's queued alerts, and a manual report that timed out
// would stay pending for the daemon to send later. No retries: run it again. True when every
// sink took it.
bool send_now(const Plan& plan, const BackupReport& report) {
  const auto spec = plan.config.backup_report.value_or(config::BackupReportSpec{});
  const auto sinks = report_sinks(spec, plan.alerts);
  if (sinks.empty()) {
    std::cerr << "--send: no slack, discord or teams alert is configured "
                 "(a webhook only when named in backup_report.alerts)\n";
    return false;
  }
  const auto event =
      report_event(report, "backup-report/manual-" + config::format_utc_stamp(report.generated));
  bool all = true;
  for (const auto& sink : sinks) {
    const auto it = std::find_if(plan.alerts.begin(), plan.alerts.end(),
                                 [&](const auto& provider) { return provider->name() == sink; });
    if (it == plan.alerts.end()) continue;  // the loader rejects unknown names
    const auto& provider = **it;
    const auto response = probes::perform(provider.format(event));
    const auto answer = alerts::judge(provider, response, 1, std::chrono::seconds(0), 0.5);
    const bool delivered = answer.verdict == alerts::DeliveryVerdict::Delivered;
    std::cout << "sent to " << sink << ": " << (delivered ? "delivered" : "failed") << " ("
              << answer.detail << ")\n";
    all = all && delivered;
  }
  return all;
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
    try {  // invalid_argument, or out_of_range for a huge number: a usage error either way
      since = std::chrono::duration_cast<std::chrono::seconds>(config::parse_duration(args.since));
    } catch (const std::logic_error& error) {
      std::cerr << "--since: " << error.what() << "\n";
      return 2;
    }
    if (since < std::chrono::minutes(1)) {  // as backup_report.since
      std::cerr << "--since: must be at least 1m\n";
      return 2;
    }
  }
  const auto report = build_report(targets, judge_settings_of(plan.config), since,
                                   std::chrono::system_clock::now());
  if (args.json) {
    std::cout << report_json_text(report) << "\n";
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
