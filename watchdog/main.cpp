// watchdog — health monitoring and auto-recovery sidecar. Command-line entry point.
#include <spdlog/spdlog.h>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#endif

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>

#include "config/options.h"
#include "probes/clients/http_client.h"
#include "watchdog/cli/backup_commands.h"
#include "watchdog/cli/gameday_command.h"
#include "watchdog/cli/healthcheck.h"
#include "watchdog/daemon.h"
#include "watchdog/logging.h"
#include "watchdog/cli/once.h"
#include "watchdog/cli/operator_commands.h"
#include "watchdog/cli/summary.h"
#include "watchdog/version.h"

namespace {

using watchdog::core::load_plan;

int check_config(const std::string& path) {
  try {
    print_config_summary(load_plan(std::filesystem::path(path)), std::cout);
    return 0;
  } catch (const watchdog::config::ConfigError& error) {
    std::cerr << "invalid configuration: " << error.what() << "\n";
    return 2;
  }
}

int once(const std::optional<std::filesystem::path>& path) {
  try {
    const auto plan = load_plan(path);
    std::error_code ignored;  // as for `run`: the state dir exists (the default config probes it)
    std::filesystem::create_directories(plan.config.watchdog.state_dir, ignored);
    return watchdog::core::run_once(plan, std::cout);
  } catch (const watchdog::config::ConfigError& error) {
    std::cerr << "invalid configuration: " << error.what() << "\n";
    return 2;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"watchdog — health monitoring and auto-recovery sidecar"};
  app.set_version_flag("--version", std::string("watchdog ") + watchdog::kVersion);
  app.require_subcommand(1);

  std::string log_format = "text";
  std::string log_level = "info";
  app.add_option("--log-format", log_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--log-level", log_level, "trace, debug, info, warn or error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error"}));

  std::string config_path;
  watchdog::core::RunOptions run_options;
  auto* run = app.add_subcommand("run", "probe, recover and alert until SIGTERM");
  run->add_option("-c,--config", config_path, "YAML file (default: the embedded configuration)");
  run->add_flag("--dry-run", run_options.engine.dry_run,
                "log the actions it would take, take none");

  auto* once_command = app.add_subcommand("once", "run every probe once and print a table");
  once_command->add_option("-c,--config", config_path, "YAML file (default: embedded)");

  std::string check_path;
  auto* check = app.add_subcommand("check-config", "validate a configuration and summarise it");
  check->add_option("file", check_path, "YAML file")->required();

  std::string health_config;
  std::string health_url;
  bool health_ready = false;
  auto* health = app.add_subcommand(
      "healthcheck", "ask a running watchdog's /healthz (the container HEALTHCHECK): exit 0 if 200");
  health->add_option("-c,--config", health_config, "take the address from this config's listen");
  health->add_option("--url", health_url, "ask this URL instead");
  health->add_flag("--ready", health_ready, "ask /readyz instead of /healthz");

  auto run_backup_command = watchdog::core::register_backup_commands(app);
  watchdog::core::OperatorCommands operator_commands(app);
  watchdog::core::GamedayCommand gameday_command(app);

  CLI11_PARSE(app, argc, argv);

  watchdog::logging::setup(
      log_format == "json" ? watchdog::logging::Format::Json : watchdog::logging::Format::Text,
      log_level);
  watchdog::probes::init_http_client();

  std::optional<std::filesystem::path> path;
  if (!config_path.empty()) path = config_path;

  int code = 0;
  if (auto backup_code = run_backup_command()) {
    code = *backup_code;
  } else if (operator_commands.selected()) {
    code = operator_commands.run();
  } else if (gameday_command.selected()) {
    code = gameday_command.run();
  } else if (*health) {
    code = watchdog::core::run_healthcheck(
        health_config.empty() ? std::nullopt : std::optional<std::string>(health_config),
        health_url, health_ready, std::cout);
  } else if (*check) {
    code = check_config(check_path);
  } else if (*once_command) {
    code = once(path);
  } else {
    run_options.config_path = path;
    code = watchdog::core::run_daemon(run_options);
  }
  // Abandoned probe checks or actions may still run on detached threads: leave without running
  // static destructors under them.
  spdlog::shutdown();
  std::fflush(stdout);
  std::fflush(stderr);
#if defined(__SANITIZE_ADDRESS__)
  // std::_Exit skips the leak check LeakSanitizer runs at exit: run it here (scripts/sanitize.sh),
  // so a leak in a command or in a daemon stopped by a signal is reported (and exits 23).
  __lsan_do_leak_check();
#endif
  std::_Exit(code);
}
