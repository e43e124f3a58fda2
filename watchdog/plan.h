#pragma once
// A Plan is a configuration turned into live objects: every probe, action and alert provider
// constructed (and so validated) from the Config. Building a plan does no I/O beyond reading
// the config and secret files, so `check-config`, `once`, `run` and SIGHUP reload share it.
//
// A plan keeps parsed values only: each spec is kept once (moved, not copied) and the
// kind-specific Options views are dropped once the factories have read them, since any YAML
// node would keep the whole document alive for the life of the process. Errors name
// file:line:key all the same: they are all raised while building.

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "actions/action.h"
#include "config/config.h"
#include "probes/probe.h"
#include "watchdog/alerts/provider.h"

namespace watchdog::core {

struct ProbePlan {
  config::ProbeSpec spec;  // without options (read by the factory)
  std::shared_ptr<probes::Probe> probe;
};

// One rung of a recovery ladder: the action (a runbook of steps is one action too), its time,
// and which failures it is for. A destructive rung always has `when` (the kind's default, e.g.
// restore_latest: not_found, corrupt, or the operator's list): a timeout, a refused connection
// or a lock never leads to a restore.
struct RungPlan {
  std::shared_ptr<actions::Action> action;
  std::chrono::milliseconds timeout{0};
  bool destructive = false;
  std::vector<std::string> when;  // failure kind names; empty = any failure
};

struct ComponentPlan {
  // Its probes and recovery.actions are empty here: they live on as `probes` and `ladder`.
  config::ComponentSpec spec;
  std::vector<ProbePlan> probes;
  std::vector<RungPlan> ladder;  // recovery.actions, in order
};

struct Plan {
  // Settings, defaults, backups and maintenance. Its components and alerts are empty: they
  // live on as `components` and `alerts`. watchdog.leader.options is the one view still held,
  // for the daemon's own lock (drop_leader_options() once it is built).
  config::Config config;
  std::vector<ComponentPlan> components;
  std::vector<std::shared_ptr<alerts::Provider>> alerts;
};

// Throws config::ConfigError with file:line:column: key: message.
Plan build_plan(config::Config config);
// Frees the last Options view (and so the YAML document) once the leader lock is built.
void drop_leader_options(Plan& plan);
// The file at `path`, or the embedded default when none is given. On success the secrets it
// read become the process-wide redaction registry (config/redaction.h); on an error the
// registry is left as it was.
Plan load_plan(const std::optional<std::filesystem::path>& path);

}  // namespace watchdog::core
