#include "actions/command_action.h"

#include "config/time_text.h"

namespace watchdog::actions {
namespace {

// Quotes an argument for display when a shell would split or expand it.
std::string quoted(const std::string& arg) {
  if (!arg.empty() && arg.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                            "0123456789-_./=:,@%+") == std::string::npos) {
    return arg;
  }
  std::string out = "'";
  for (char c : arg) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string detail_of(const probes::ProcessResult& run, std::chrono::milliseconds timeout) {
  if (!run.started) return "cannot start: " + run.start_error;
  if (run.cancelled) {
    return "killed after " + config::human_duration(run.elapsed) +
           ": this replica lost the leader lease";
  }
  if (run.timed_out) return "killed after " + config::human_duration(timeout) + " timeout";
  const std::string after = config::human_duration(run.elapsed);
  if (run.signal != 0) return "killed by " + probes::signal_name(run.signal) + " after " + after;
  return "exit " + std::to_string(run.exit_code) + " in " + after;
}

}  // namespace

std::unique_ptr<Action> CommandAction::create(std::string name, config::Options& options) {
  probes::ProcessSpec spec;
  std::vector<std::string> display;
  if (!options.has("argv")) options.fail("argv", "is required (the program and its arguments)");
  for (auto& arg : options.templated_list("argv")) {
    spec.argv.push_back(std::move(arg.value));
    display.push_back(std::move(arg.display));
  }
  if (spec.argv.empty() || spec.argv[0].empty()) {
    options.fail("argv", "must start with the program to run");
  }
  spec.env = options.string_map("env");
  spec.inherit_env = options.boolean_or("inherit_env", false);
  spec.working_dir = options.string_or("working_dir", "");
  return std::make_unique<CommandAction>(std::move(name), std::move(spec), std::move(display));
}

CommandAction::CommandAction(std::string name, probes::ProcessSpec spec,
                             std::vector<std::string> display)
    : GuardedAction(std::move(name)), spec_(std::move(spec)), display_(std::move(display)) {}

std::string CommandAction::describe() const {
  std::string out;
  for (const auto& arg : display_) out += (out.empty() ? "" : " ") + quoted(arg);
  return out;
}

ActionOutcome CommandAction::run_once(const Incident& incident, std::chrono::milliseconds timeout) {
  probes::ProcessSpec spec = spec_;
  spec.timeout = timeout;
  spec.env["WATCHDOG_COMPONENT"] = incident.component;
  spec.env["WATCHDOG_INCIDENT_ID"] = incident.id;
  spec.env["WATCHDOG_ATTEMPT"] = std::to_string(incident.attempt);
  spec.env["WATCHDOG_REASON"] = incident.reason;
  if (incident.fencing_token != 0) {
    spec.env["WATCHDOG_FENCING_TOKEN"] = std::to_string(incident.fencing_token);
  }
  if (incident.revoked && incident.revoked()) {
    return {false, "not started: this replica lost the leader lease", "", {}};
  }
  spec.cancel = incident.revoked;
  probes::ProcessResult run = probes::run_process(spec);
  ActionOutcome outcome;
  outcome.ok = run.started && !run.timed_out && !run.cancelled && run.signal == 0 &&
               run.exit_code == 0;
  outcome.detail = detail_of(run, timeout);
  outcome.output_tail = std::move(run.output_tail);
  return outcome;
}

}  // namespace watchdog::actions
