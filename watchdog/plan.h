#pragma once
// A Plan is a configuration turned into live objects: every probe, action and alert provider
// constructed (and so validated) from the Config. Building a plan does no I/O beyond reading
// the config and secret files, so `check-config`, `once`, `run` and SIGHUP reload share it.

#include <filesystem>
#include <memory>
#include <optional>
#include <vector>

#include "actions/action.h"
#include "config/config.h"
#include "probes/probe.h"
#include "watchdog/alerts/provider.h"

namespace watchdog::core {

struct ProbePlan {
  config::ProbeSpec spec;
  std::shared_ptr<probes::Probe> probe;
};

struct ComponentPlan {
  config::ComponentSpec spec;
  std::vector<ProbePlan> probes;
  std::vector<std::shared_ptr<actions::Action>> ladder;  // recovery.actions, in order
};

struct Plan {
  config::Config config;
  std::vector<ComponentPlan> components;
  std::vector<std::shared_ptr<alerts::Provider>> alerts;
};

// Throws config::ConfigError with file:line:column: key: message.
Plan build_plan(config::Config config);
// The file at `path`, or the embedded default when none is given.
Plan load_plan(const std::optional<std::filesystem::path>& path);

}  // namespace watchdog::core
