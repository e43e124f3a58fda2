#include "probes/command_probe.h"

#include "config/units.h"
#include "probes/clients/failure_kind.h"

namespace watchdog::probes {
namespace {

// Reads `exit_codes:` (see the header); the default when absent.
ExitCodes read_exit_codes(config::Options& options) {
  if (!options.has("exit_codes")) return {};
  config::Options codes = options.child("exit_codes");
  if (!codes.has("healthy")) {
    codes.fail("healthy", "is required when exit_codes is given (e.g. healthy: [0])");
  }
  ExitCodes result{{}, {}};
  auto read = [&](const std::string& key, std::set<int>& into) {
    for (long long code : codes.integer_list(key, 0, 255)) {
      const int value = static_cast<int>(code);
      if (result.healthy.count(value) != 0 || result.degraded.count(value) != 0) {
        codes.fail(key, "exit code " + std::to_string(value) +
                            " is listed twice (each code may mean one thing)");
      }
      into.insert(value);
    }
  };
  read("healthy", result.healthy);
  read("degraded", result.degraded);
  if (result.healthy.empty()) codes.fail("healthy", "must list at least one exit code");
  codes.finish();
  return result;
}

ProbeResult classify(const ProcessResult& run, std::chrono::milliseconds timeout,
                     const ExitCodes& exit_codes) {
  if (!run.started && is_local_process_exhaustion(run.start_errno)) {
    return local_exhaustion("cannot start the command: " + run.start_error);  // not its fault
  }
  if (!run.started) return unhealthy(FailureKind::Error, "cannot start: " + run.start_error);
  if (run.timed_out) {
    return unhealthy(FailureKind::Timeout,
                     "killed after " + config::format_duration(timeout) + " timeout");
  }
  std::string detail = first_line(run.output_tail);
  ProbeResult result;
  if (run.signal != 0) {
    result = unhealthy(FailureKind::BadResponse,
                       detail.empty() ? "killed by " + signal_name(run.signal) : detail);
    result.measurements.push_back({"command_exit_code", 128.0 + run.signal});
    return result;
  }
  if (detail.empty()) detail = "exit " + std::to_string(run.exit_code);
  if (exit_codes.healthy.count(run.exit_code) != 0) {
    result = healthy(std::move(detail));
  } else if (exit_codes.degraded.count(run.exit_code) != 0) {
    result = degraded(FailureKind::Threshold, std::move(detail));
  } else {
    result = unhealthy(FailureKind::BadResponse, std::move(detail));
  }
  result.measurements.push_back({"command_exit_code", static_cast<double>(run.exit_code)});
  return result;
}

}  // namespace

std::unique_ptr<Probe> CommandProbe::create(std::string name, config::Options& options) {
  ProcessSpec spec;
  if (!options.has("argv")) options.fail("argv", "is required (the program and its arguments)");
  for (auto& arg : options.templated_list("argv")) spec.argv.push_back(std::move(arg.value));
  if (spec.argv.empty() || spec.argv[0].empty()) {
    options.fail("argv", "must start with the program to run");
  }
  spec.env = options.string_map("env");
  spec.inherit_env = options.boolean_or("inherit_env", false);
  spec.working_dir = options.string_or("working_dir", "");
  ExitCodes exit_codes = read_exit_codes(options);
  return std::make_unique<CommandProbe>(std::move(name), std::move(spec), std::move(exit_codes));
}

CommandProbe::CommandProbe(std::string name, ProcessSpec spec, ExitCodes exit_codes)
    : GuardedProbe(std::move(name)), spec_(std::move(spec)), exit_codes_(std::move(exit_codes)) {}

ProbeResult CommandProbe::check_once(std::chrono::milliseconds timeout) {
  ProcessSpec spec = spec_;
  spec.timeout = timeout;
  return classify(run_process(spec), timeout, exit_codes_);
}

}  // namespace watchdog::probes
