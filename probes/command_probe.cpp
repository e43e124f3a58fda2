#include "probes/command_probe.h"

#include "config/units.h"

namespace watchdog::probes {
namespace {

ProbeResult classify(const ProcessResult& run, std::chrono::milliseconds timeout) {
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
  if (run.exit_code == 0) {
    result = healthy(std::move(detail));
  } else if (run.exit_code == 1) {
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
  spec.working_dir = options.string_or("working_dir", "");
  return std::make_unique<CommandProbe>(std::move(name), std::move(spec));
}

CommandProbe::CommandProbe(std::string name, ProcessSpec spec)
    : Probe(std::move(name)), spec_(std::move(spec)) {}

ProbeResult CommandProbe::check(std::chrono::milliseconds timeout) noexcept {
  ProbeResult result;
  std::chrono::nanoseconds elapsed{0};
  try {
    ProcessSpec spec = spec_;
    spec.timeout = timeout;
    ProcessResult run = run_process(spec);
    elapsed = run.elapsed;
    result = classify(run, timeout);
  } catch (...) {  // bad_alloc while copying or formatting
    result = unhealthy(FailureKind::Error, "command check failed unexpectedly");
  }
  result.latency = elapsed;
  return result;
}

}  // namespace watchdog::probes
