#include "actions/factory.h"

#include <algorithm>
#include <array>

#include "actions/backup_now_action.h"
#include "actions/command_action.h"
#include "actions/docker_restart_action.h"
#include "actions/docker_start_action.h"
#include "actions/docker_stop_action.h"
#include "actions/kubernetes_delete_pod_action.h"
#include "actions/kubernetes_rollout_restart_action.h"
#include "actions/restore_latest_action.h"
#include "actions/runbook_action.h"

namespace watchdog::actions {
namespace {

using Backups = std::vector<config::BackupTargetSpec>;

// A kind's create() in one shape: the backup kinds read the targets, a runbook its whole spec.
template <auto Create>
std::unique_ptr<Action> plain(const config::ActionSpec& spec, config::Options& options,
                              const Backups&) {
  return Create(spec.name, options);
}
template <auto Create>
std::unique_ptr<Action> with_backups(const config::ActionSpec& spec, config::Options& options,
                                     const Backups& backups) {
  return Create(spec.name, options, backups);
}
std::unique_ptr<Action> runbook(const config::ActionSpec& spec, config::Options&,
                                const Backups& backups) {
  return RunbookAction::create(spec, backups);
}

struct Kind {
  std::string_view name;
  std::unique_ptr<Action> (*create)(const config::ActionSpec& spec, config::Options& options,
                                    const Backups& backups);
  // Whether error messages list it: `runbook` is what the loader makes of a rung with `steps:`,
  // never a kind one writes.
  bool listed = true;
};

// Every action kind, in the order error messages list them. Adding a kind = one line here.
constexpr std::array kKinds = {
    Kind{"command", plain<CommandAction::create>},
    Kind{"docker_restart", plain<DockerRestartAction::create>},
    Kind{"docker_start", plain<DockerStartAction::create>},
    Kind{"docker_stop", plain<DockerStopAction::create>},
    Kind{"backup_now", with_backups<BackupNowAction::create>},
    Kind{"restore_latest", with_backups<RestoreLatestAction::create>},
    Kind{"k8s_rollout_restart", plain<KubernetesRolloutRestartAction::create>},
    Kind{"k8s_delete_pod", plain<KubernetesDeletePodAction::create>},
    Kind{"runbook", runbook, false},
};

}  // namespace

std::unique_ptr<Action> make_action(const config::ActionSpec& spec, const Backups& backups) {
  config::Options options = spec.options;
  std::unique_ptr<Action> action;
  const auto kind = std::find_if(kKinds.begin(), kKinds.end(),
                                 [&](const Kind& k) { return k.name == spec.kind; });
  if (kind != kKinds.end()) {
    action = kind->create(spec, options, backups);
  } else {
    std::string known;
    for (auto name : action_kinds()) known += (known.empty() ? "" : ", ") + std::string(name);
    options.fail("kind", "unknown action kind '" + spec.kind + "' (known: " + known + ")");
  }
  options.finish();
  return action;
}

const std::vector<std::string_view>& action_kinds() {
  static const std::vector<std::string_view> kinds = [] {
    std::vector<std::string_view> names;
    for (const auto& kind : kKinds) {
      if (kind.listed) names.push_back(kind.name);
    }
    return names;
  }();
  return kinds;
}

}  // namespace watchdog::actions
