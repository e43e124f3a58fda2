#include "watchdog/cli/gameday_command.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <iostream>

#include "config/loader.h"
#include "config/time_text.h"
#include "config/units.h"
#include "probes/clients/http_client.h"
#include "watchdog/cli/healthcheck.h"
#include "watchdog/gameday/report.h"
#include "watchdog/gameday/runner.h"
#include "watchdog/plan.h"
#include "watchdog/store/sqlite.h"

namespace watchdog::core {
namespace {

constexpr int kInterruptedExit = 130;

std::atomic<bool> g_interrupted{false};

extern "C" void on_stop_signal(int) { g_interrupted.store(true); }

// Every signal that would otherwise kill the CLI with the fault in place only sets the flag:
// the runner sees it, ends the wait and reverts. SIGHUP is a dropped ssh session, SIGQUIT a
// Ctrl-\. SIGPIPE (`| head` gone) is ignored: the write fails instead, and the revert still
// runs. No SA_RESTART, so a confirmation prompt waiting for input ends too.
void catch_stop_signals() {
  struct sigaction action {};
  action.sa_handler = on_stop_signal;
  sigemptyset(&action.sa_mask);
  for (const int signal_number : {SIGINT, SIGTERM, SIGHUP, SIGQUIT}) {
    sigaction(signal_number, &action, nullptr);
  }
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGPIPE, &ignore, nullptr);
}

// The daemon is what detects and recovers: without it a game day would only break things.
bool daemon_ready(const config::Listen& listen, std::ostream& err) {
  probes::HttpRequest request;
  request.url = local_url(listen, "/readyz");
  request.timeout = std::chrono::seconds(3);
  const auto response = probes::perform(request);
  if (response.ok() && response.status == 200) return true;
  err << "no ready watchdog daemon at " << request.url << " ("
      << (response.ok() ? "HTTP " + std::to_string(response.status) : response.error_text)
      << "): a game day needs `watchdog run` with this configuration running, since the daemon "
         "is what detects and recovers; nothing was injected\n";
  return false;
}

// On a terminal: the plan, then the component's name typed back. Elsewhere only --yes.
bool confirm(const std::vector<std::string>& plan, const std::string& component, bool& needs_yes) {
  std::cerr << "plan:\n";
  for (const auto& line : plan) std::cerr << "  - " << line << "\n";
  if (!isatty(STDIN_FILENO)) {
    needs_yes = true;
    return false;
  }
  std::cerr << "type the component name (" << component << ") to go on: " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) return false;
  return answer == component;
}

void write_report(const std::string& path, const std::string& markdown) {
  std::ofstream out(path, std::ios::trunc);
  out << markdown;
  out.close();
  if (!out) throw std::runtime_error("cannot write the report to " + path);
}

}  // namespace

int GamedayCommand::run_gameday() {
  if (scenario_.empty() || component_.empty()) {
    std::cerr << "gameday: needs --scenario and --component (or --list, or history)\n";
    return 2;
  }
  gameday::RunRequest request;
  request.scenario = scenario_;
  request.component = component_;
  request.allow_production = production_;
  request.dry_run = dry_run_;
  if (!timeout_.empty()) {
    try {
      request.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
          config::parse_duration(timeout_));
    } catch (const std::exception& error) {
      std::cerr << "--timeout: " << error.what() << "\n";
      return 2;
    }
    if (*request.timeout <= std::chrono::milliseconds::zero()) {
      std::cerr << "--timeout: must be greater than 0\n";
      return 2;
    }
  }
  load_plan(std::filesystem::path(config_path_));  // every check `watchdog run` makes
  const auto config = config::load_config_file(config_path_);

  bool needs_yes = false;
  gameday::RunnerHooks hooks;
  hooks.interrupted = [] { return g_interrupted.load(); };
  // Steps go to stderr, so that --json leaves stdout to the document.
  hooks.progress = [](const std::string& line) {
    std::cerr << config::format_utc(std::chrono::system_clock::now(), "%H:%M:%S") << "  " << line
              << "\n";
  };
  if (!yes_) {
    hooks.confirm = [&](const std::vector<std::string>& plan) {
      return confirm(plan, component_, needs_yes);
    };
  }
  catch_stop_signals();
  gameday::Runner runner(config, config.watchdog.state_dir, hooks);
  if (!dry_run_) {
    if (!daemon_ready(config.watchdog.listen, std::cerr)) return 2;
    runner.resume_interrupted();
  }
  gameday::Result result;
  try {
    result = runner.run(request);
  } catch (const gameday::RefusedError& refusal) {
    if (needs_yes) {
      std::cerr << "refused: not a terminal, so the plan above cannot be confirmed: it needs "
                   "--yes; nothing was injected\n";
    } else {
      std::cerr << "refused: " << refusal.what() << "\n";
    }
    return g_interrupted ? kInterruptedExit : 2;
  } catch (const gameday::ScenarioError& error) {
    std::cerr << "gameday: " << error.what() << "\n";
    return 2;
  }
  const auto markdown = gameday::render_markdown(result);
  if (!report_path_.empty()) write_report(report_path_, markdown);
  if (json_) {
    std::cout << gameday::to_json(result).dump(2) << "\n";
  } else if (result.outcome == gameday::Outcome::NotRun && dry_run_) {
    std::cout << "dry run: " << scenario_ << " on " << component_ << "\n";
    for (const auto& entry : result.timeline) std::cout << "  " << entry.text << "\n";
    std::cout << result.reason << "\n";
  } else {
    std::cout << markdown;
  }
  if (result.outcome == gameday::Outcome::Interrupted || g_interrupted) return kInterruptedExit;
  if (result.outcome == gameday::Outcome::NotRun) return dry_run_ ? 0 : 2;  // 2: refused
  return result.passed ? 0 : 1;
}

int GamedayCommand::run() {
  try {
    if (history_->parsed()) return history();
    if (list_) return list();
    if (config_path_.empty()) {
      std::cerr << "gameday: needs -c/--config (the daemon's configuration)\n";
      return 2;
    }
    return run_gameday();
  } catch (const config::ConfigError& error) {
    std::cerr << "invalid configuration: " << error.what() << "\n";
    return 2;
  } catch (const std::exception& error) {
    std::cerr << "error: " << error.what() << "\n";
    return 1;
  }
}

}  // namespace watchdog::core
